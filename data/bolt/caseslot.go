package bolt

import (
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// checkCaseSlot judges data.CheckCaseSlot inside tx for a new booking or
// offer of a case with this slot, ignoring the record with ID self: it
// seeks the case's bookings that start from data.CaseWindow before start
// to end (none starting earlier can overlap, since none lasts longer) in
// bookings_by_org_case, and the case's open offers through
// offers_by_org_case (its value is the offer's status), reading only
// those records. Run in the write transaction that stores the new record,
// nothing can land between the check and the write.
func checkCaseSlot(tx *bolt.Tx, org, caseID, self string, start, end time.Time) error {
	var bookings []data.Booking
	ic := seekIndex(tx.Bucket([]byte(bucketBookingsByOrgCase)), indexPrefix(org, caseID), startKey(start.Add(-data.CaseWindow)), false).stopAt(startKey(end))
	for ; ic.key != nil; ic.next() {
		rec, err := get[bookingRecord](tx.Bucket(bucketBookings), ic.id())
		if err != nil {
			return indexFault(ic.id(), err)
		}
		bookings = append(bookings, rec.toBooking())
	}
	var offers []data.Offer
	for oc := seekIndex(tx.Bucket([]byte(bucketOffersByOrgCase)), indexPrefix(org, caseID), "", false); oc.key != nil; oc.next() {
		if string(oc.value) != string(data.OfferOpen) {
			continue
		}
		o, err := readOffer(tx, oc.id())
		if err != nil {
			return err
		}
		offers = append(offers, o)
	}
	return data.CheckCaseSlot(start, end, self, bookings, offers)
}
