package data

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
)

// Profile is what matching needs of one interpreter, worked out once per
// version of the record instead of once per match: each credential's
// validity as date ranges, languages as a set, community link values and
// regions in the form they are compared in, modalities as a set. Stores
// keep profiles beside the records they were built from and hand the same
// profile to every reader of that version (see PoolStore), so a profile is
// shared and never changed once built.
type Profile struct {
	// Interpreter is the record the profile was built from (shared: never
	// change it).
	Interpreter *Interpreter
	// Approved is Vetting.Status == VettingApproved.
	Approved bool
	// ClearanceLevel is the clearance's index in ClearanceLevels, -1 when
	// there is none on record (or its level is unknown).
	ClearanceLevel int
	// Training and Qualifications hold, by the kind's index in
	// TrainingKinds and QualificationKinds, when each credential of that
	// kind is held: from its completion (or award) through its expiry.
	Training       [len(trainingKinds)][]DateRange
	Qualifications [len(qualificationKinds)][]DateRange
	// Languages is the set of languages declared: Interpreter.Languages,
	// whose tags Validate keeps distinct.
	Languages []LanguageSkill
	// Links holds the declared community links with their values
	// normalised (NormalizeLinkValue).
	Links []CommunityLink
	// Regions holds the regions they work in person in, trimmed and upper
	// case.
	Regions []string
	// Modalities has bit 1<<i set for each Modalities[i] offered.
	Modalities uint8
	// Signed reports whether they signed the confidentiality terms.
	Signed bool
}

// DateRange is a span of whole London days: From through Until, both
// included; a zero From starts at the beginning of time, a zero Until never
// ends.
type DateRange struct {
	From, Until Date
}

// Holds reports whether the range covers day d.
func (r DateRange) Holds(d Date) bool {
	return !r.From.After(d) && (r.Until.IsZero() || !r.Until.Before(d))
}

// TrainingIndex returns the index of k in TrainingKinds, or -1.
func TrainingIndex(k TrainingKind) int { return slices.Index(trainingKinds[:], k) }

// QualificationIndex returns the index of k in QualificationKinds, or -1.
func QualificationIndex(k QualificationKind) int { return slices.Index(qualificationKinds[:], k) }

// ModalityBit returns the bit of m in Profile.Modalities, 0 for an unknown one.
func ModalityBit(m Modality) uint8 {
	if i := slices.Index(Modalities, m); i >= 0 {
		return 1 << i
	}
	return 0
}

// NormalizeLinkValue returns a community link's value in the form links
// are compared in (SPEC, Interpreter): country and region codes trimmed and
// upper-cased, any other text folded (Fold).
func NormalizeLinkValue(l CommunityLink) string {
	if l.Kind == LinkCountry || l.Kind == LinkRegion {
		return strings.ToUpper(strings.TrimSpace(l.Value))
	}
	return Fold(l.Value)
}

// NewProfile builds the profile of in, which it keeps a pointer to: in
// must not change afterwards.
func NewProfile(in *Interpreter) *Profile {
	p := &Profile{
		Interpreter:    in,
		Approved:       in.Vetting.Status == VettingApproved,
		ClearanceLevel: -1,
		Signed:         !in.Agreements.ConfidentialitySigned.IsZero(),
		Languages:      in.Languages,
	}
	if in.Clearance.Level != "" {
		p.ClearanceLevel = slices.Index(ClearanceLevels, in.Clearance.Level)
	}
	for _, t := range in.Training {
		if k := TrainingIndex(t.Kind); k >= 0 {
			p.Training[k] = append(p.Training[k], DateRange{t.Completed, t.Expires})
		}
	}
	for _, q := range in.Qualifications {
		if k := QualificationIndex(q.Kind); k >= 0 {
			p.Qualifications[k] = append(p.Qualifications[k], DateRange{q.Awarded, q.Expires})
		}
	}
	for _, l := range in.CommunityLinks {
		p.Links = append(p.Links, CommunityLink{Kind: l.Kind, Value: NormalizeLinkValue(l)})
	}
	for _, r := range in.Regions {
		p.Regions = append(p.Regions, strings.ToUpper(strings.TrimSpace(r)))
	}
	for _, m := range in.Modalities {
		p.Modalities |= ModalityBit(m)
	}
	return p
}

// Slot is the time one booking holds of its interpreter, in the form
// matching judges it: no record to decode. Only bookings that hold their
// interpreter's time (BookingStatus.HoldsTime) have slots.
type Slot struct {
	BookingID  string
	Start, End time.Time
	// HeldFrom and HeldUntil are Booking.HeldFrom and HeldUntil: its
	// interpreter's arrival and departure, its safety plan included.
	HeldFrom, HeldUntil time.Time
	InPerson            bool // the booking's modality is in_person
	Distressing         bool // its interpreter marked it distressing (Wellbeing)
}

// SlotOf returns b's slot.
func SlotOf(b Booking) Slot {
	return Slot{
		BookingID: b.ID, Start: b.Start, End: b.End, HeldFrom: b.HeldFrom(), HeldUntil: b.HeldUntil(),
		InPerson: b.Modality == ModalityInPerson, Distressing: b.Wellbeing != nil && b.Wellbeing.Distressing,
	}
}

// CompareSlots orders slots by start, then booking ID: the order of a
// member's Slots.
func CompareSlots(a, b Slot) int {
	if c := a.Start.Compare(b.Start); c != 0 {
		return c
	}
	return cmp.Compare(a.BookingID, b.BookingID)
}

// SlotsFrom returns the slots of slots (sorted by CompareSlots) that start
// in [from, to): a subslice, found by binary search.
//
// Matching calls it several times for every member of a pool, so the
// search is written out: slices.BinarySearchFunc's comparison through a
// function value was an eighth of a match's CPU.
func SlotsFrom(slots []Slot, from, to time.Time) []Slot {
	lo, hi := SlotBounds(slots, from, to)
	return slots[lo:hi]
}

// SlotBounds returns where in slots (sorted by CompareSlots) the slots
// that start in [from, to) lie: slots[lo:hi], as SlotsFrom returns them.
// A store keeping an answer reads the slots either side of each bound.
func SlotBounds(slots []Slot, from, to time.Time) (lo, hi int) {
	lo = firstFrom(slots, from)
	return lo, lo + firstFrom(slots[lo:], to)
}

// firstFrom returns the index of the first of slots (sorted by start)
// that starts at or after t, or len(slots).
func firstFrom(slots []Slot, t time.Time) int {
	lo, hi := 0, len(slots)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if slots[m].Start.Before(t) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// PoolMember is one interpreter of a matching pool: their profile and the
// slots of their bookings that hold their time in the range asked for.
// Both are shared by every reader: never change them.
type PoolMember struct {
	Profile *Profile
	Slots   []Slot
}

// PoolStore reads what matching judges, in compact form.
type PoolStore interface {
	// MatchPool returns every interpreter listed under any of the language
	// keys (see Interpreter.LanguageKeys), each once, in ID order, with the
	// slots of their bookings that hold their time (confirmed or
	// completed) and start in [from, to), sorted by CompareSlots: what
	// ListInterpreters and ConfirmedBookings would return
	// when called at once. The slice, its profiles and their slots are
	// shared with other callers and must not be changed. Errors: the
	// context's, ErrClosed.
	//
	// A backend may keep profiles and slots from one call to the next, but
	// only as the stored versions it reads in the call show them to be
	// current: a write through any instance is seen by the next call.
	MatchPool(ctx context.Context, languageKeys []string, from, to time.Time) ([]PoolMember, error)
}
