package mongodb

import (
	"fmt"
	"time"

	"github.com/tolk/tolk/data"
)

// offerDocument is an offer as stored, with the keys its listings filter
// on, derived from the offer on every write: inviteeKeys (see inviteeKeys),
// due, the time the expirer must look at an open offer with a pending
// invitation (data.Offer.Due), absent otherwise, and tokenHashes, the
// token hashes of its invitations' links (OfferByToken), absent when none
// has one. Times are BSON dates (UTC, to the millisecond). An offer
// changes only through its ledger of versions (offers.go), which stamps it
// with the token of the change that wrote it (lockToken, not decoded
// here).
type offerDocument struct {
	ID              string               `bson:"_id"`
	Organisation    string               `bson:"organisation"`
	CaseID          string               `bson:"caseId"`
	CaseReference   string               `bson:"caseReference,omitempty"`
	CreatedBy       string               `bson:"createdBy,omitempty"`
	Start           time.Time            `bson:"start"`
	End             time.Time            `bson:"end"`
	InterviewType   string               `bson:"interviewType"`
	Modality        string               `bson:"modality"`
	Region          string               `bson:"region,omitempty"`
	Location        string               `bson:"location,omitempty"`
	JoinDetails     string               `bson:"joinDetails,omitempty"`
	Safety          *safetyDocument      `bson:"safety,omitempty"`
	Mode            string               `bson:"mode"`
	Additional      bool                 `bson:"additional,omitempty"`
	RespondWithinNs int64                `bson:"respondWithinNs"` // exactly as given
	Status          string               `bson:"status"`
	Invitations     []invitationDocument `bson:"invitations"`
	BookingID       string               `bson:"bookingId,omitempty"`
	CancelReason    string               `bson:"cancelReason,omitempty"`
	Code            string               `bson:"code,omitempty"`
	InviteeKeys     []string             `bson:"inviteeKeys"`           // derived, indexed
	Due             time.Time            `bson:"due,omitempty"`         // derived, indexed
	TokenHashes     []string             `bson:"tokenHashes,omitempty"` // derived, indexed
	// Anonymised is absent until retention anonymises the offer: its
	// absence (null) is what retention's index selects.
	Anonymised *time.Time `bson:"anonymised,omitempty"`
	Version    int64      `bson:"version"`
	CreatedAt  time.Time  `bson:"createdAt"`
	UpdatedAt  time.Time  `bson:"updatedAt"`
}

type invitationDocument struct {
	InterpreterID string           `bson:"interpreterId"`
	Status        string           `bson:"status"`
	Asked         time.Time        `bson:"asked,omitempty"`
	RespondBy     time.Time        `bson:"respondBy,omitempty"`
	Answered      time.Time        `bson:"answered,omitempty"`
	Decline       string           `bson:"decline,omitempty"`
	Reasons       []reasonDocument `bson:"reasons,omitempty"`
	TokenHash     string           `bson:"tokenHash,omitempty"`
}

// offerClaimDocument is an entry of an offer's ledger of versions: _id
// "<offer ID>#<version>", inserted by the one change that writes that
// version of the offer and never changed or deleted (offers.go). It is
// stamped with a version and the token of that change like any record a
// lock writes.
type offerClaimDocument struct {
	ID    string `bson:"_id"`
	Offer string `bson:"offer"`
}

// offerClaimID is the _id of the ledger entry of version n of an offer.
func offerClaimID(offerID string, n int64) string { return fmt.Sprintf("%s#%d", offerID, n) }

// inviteeKeys returns the keys an offer is listed under for the
// interpreters it invites: for each, inviteeKey with neither status, with
// the invitation's, with the offer's, and with both. So every listing by
// interpreter (filtered on either status, both or neither) is one equality
// on this array, served by the multikey index on (inviteeKeys, _id). (An
// equality on an array of strings is what every server serves; $elemMatch
// on subdocuments is not.)
func inviteeKeys(o data.Offer) []string {
	keys := make([]string, 0, 4*len(o.Invitations))
	for _, inv := range o.Invitations {
		keys = append(keys,
			inviteeKey(inv.InterpreterID, "", ""),
			inviteeKey(inv.InterpreterID, inv.Status, ""),
			inviteeKey(inv.InterpreterID, "", o.Status),
			inviteeKey(inv.InterpreterID, inv.Status, o.Status))
	}
	return keys
}

// inviteeKey is the key of an offer inviting the interpreter, when its
// invitation of them has status inv and the offer status (either empty:
// any): "i|<interpreter>", "v|<inv>|<interpreter>", "o|<status>|<interpreter>"
// or "vo|<inv>|<status>|<interpreter>". Statuses hold no "|" (ListOffers
// looks up no other) and the interpreter comes last, so no two meanings
// share a key.
func inviteeKey(interpreterID string, inv data.InvitationStatus, status data.OfferStatus) string {
	switch {
	case inv == "" && status == "":
		return "i|" + interpreterID
	case status == "":
		return "v|" + string(inv) + "|" + interpreterID
	case inv == "":
		return "o|" + string(status) + "|" + interpreterID
	}
	return "vo|" + string(inv) + "|" + string(status) + "|" + interpreterID
}

func fromOffer(o data.Offer) offerDocument {
	d := offerDocument{
		ID: o.ID, Organisation: o.Organisation, CaseID: o.CaseID, CaseReference: o.CaseReference, CreatedBy: o.CreatedBy,
		Start: data.Timestamp(o.Start), End: data.Timestamp(o.End),
		InterviewType: string(o.InterviewType), Modality: string(o.Modality), Region: o.Region, Location: o.Location, JoinDetails: o.JoinDetails, Safety: fromSafety(o.Safety),
		Mode: string(o.Mode), Additional: o.Additional, RespondWithinNs: int64(o.RespondWithin), Status: string(o.Status),
		BookingID: o.BookingID, CancelReason: o.CancelReason, Code: string(o.Code),
		InviteeKeys: inviteeKeys(o), Due: data.Timestamp(o.Due()),
		Version: o.Version, CreatedAt: data.Timestamp(o.CreatedAt), UpdatedAt: data.Timestamp(o.UpdatedAt),
	}
	if !o.Anonymised.IsZero() {
		at := data.Timestamp(o.Anonymised)
		d.Anonymised = &at
	}
	for _, inv := range o.Invitations {
		id := invitationDocument{
			InterpreterID: inv.InterpreterID, Status: string(inv.Status),
			Asked: data.Timestamp(inv.Asked), RespondBy: data.Timestamp(inv.RespondBy), Answered: data.Timestamp(inv.Answered),
			Decline: string(inv.Decline), TokenHash: inv.TokenHash,
		}
		if inv.TokenHash != "" {
			d.TokenHashes = append(d.TokenHashes, inv.TokenHash)
		}
		for _, r := range inv.Reasons {
			id.Reasons = append(id.Reasons, reasonDocument(r))
		}
		d.Invitations = append(d.Invitations, id)
	}
	return d
}

func (d offerDocument) toOffer() data.Offer {
	o := data.Offer{
		ID: d.ID, Organisation: d.Organisation, CaseID: d.CaseID, CaseReference: d.CaseReference, CreatedBy: d.CreatedBy,
		Start: utc(d.Start), End: utc(d.End),
		InterviewType: data.InterviewType(d.InterviewType), Modality: data.Modality(d.Modality), Region: d.Region, Location: d.Location, JoinDetails: d.JoinDetails, Safety: d.Safety.toSafety(),
		Mode: data.OfferMode(d.Mode), Additional: d.Additional, RespondWithin: time.Duration(d.RespondWithinNs), Status: data.OfferStatus(d.Status),
		BookingID: d.BookingID, CancelReason: d.CancelReason, Code: data.OutcomeCode(d.Code),
		Version: d.Version, CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt),
	}
	if d.Anonymised != nil {
		o.Anonymised = utc(*d.Anonymised)
	}
	for _, id := range d.Invitations {
		inv := data.Invitation{
			InterpreterID: id.InterpreterID, Status: data.InvitationStatus(id.Status),
			Asked: utc(id.Asked), RespondBy: utc(id.RespondBy), Answered: utc(id.Answered),
			Decline: data.DeclineReason(id.Decline), TokenHash: id.TokenHash,
		}
		for _, r := range id.Reasons {
			inv.Reasons = append(inv.Reasons, data.Reason(r))
		}
		o.Invitations = append(o.Invitations, inv)
	}
	return o
}
