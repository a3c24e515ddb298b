package data

import (
	"context"
	"strings"
	"time"
)

// Retention: records are kept as long as a purpose needs them, then
// anonymised. Anonymising keeps what reports count (IDs, dates, codes,
// statuses, outcome flags) and removes the free text and places: what
// could name or locate someone.

// Anonymise returns the booking with everything but its IDs, dates, codes
// and counts removed, marked anonymised at now: the case reference it
// copied, its location, the cancellation reason, the outcome's note, the
// match's reasons and warning messages (points and codes stay) and the
// idempotency fingerprint. Its sequence and status stay, so no calendar
// sees a change. An anonymised booking is returned as it is.
func (b Booking) Anonymise(now time.Time) Booking {
	if !b.Anonymised.IsZero() {
		return b
	}
	b.CaseReference, b.Location, b.CancelReason, b.Idempotency = "", "", "", ""
	b.JoinDetails = ""
	if b.Outcome != nil {
		o := *b.Outcome
		o.Note = ""
		b.Outcome = &o
	}
	factors := make([]Factor, len(b.Match.Factors))
	for i, f := range b.Match.Factors {
		factors[i] = Factor{Factor: f.Factor, Points: f.Points}
	}
	warnings := make([]Reason, len(b.Match.Warnings))
	for i, w := range b.Match.Warnings {
		warnings[i] = Reason{Code: w.Code}
	}
	b.Match.Factors, b.Match.Warnings = factors, warnings
	b.Anonymised, b.UpdatedAt = Timestamp(now), Timestamp(now)
	return b
}

// Anonymise returns the offer with everything but its IDs, dates, codes
// and counts removed, marked anonymised at now: the case reference it
// copied, its location, the link or number to join by, the cancellation
// reason, the messages of its
// invitations' reasons (codes stay) and their links' token hashes (a
// link of an anonymised offer names nothing). Its status, region,
// invitations' interpreters, statuses and dates stay, so reports count it
// the same. An anonymised offer is returned as it is.
func (o Offer) Anonymise(now time.Time) Offer {
	if !o.Anonymised.IsZero() {
		return o
	}
	o.CaseReference, o.Location, o.JoinDetails, o.CancelReason = "", "", "", ""
	invitations := make([]Invitation, len(o.Invitations))
	for i, inv := range o.Invitations {
		reasons := make([]Reason, len(inv.Reasons))
		for j, r := range inv.Reasons {
			reasons[j] = Reason{Code: r.Code}
		}
		if len(reasons) == 0 {
			reasons = nil
		}
		inv.Reasons, inv.TokenHash = reasons, ""
		invitations[i] = inv
	}
	o.Invitations = invitations
	o.Anonymised, o.UpdatedAt = Timestamp(now), Timestamp(now)
	return o
}

// Anonymise returns the case with what could identify or locate the
// child removed, marked anonymised at now: its reference, the linked
// references and the child's community links. It keeps its IDs, dates,
// the child's languages, gender wish and age band (codes), and its
// exclusions with their reasons: a safeguarding exclusion outlives the
// case's own period (retention's class exclusions). An anonymised case
// is returned as it is.
func (c Case) Anonymise(now time.Time) Case {
	if !c.Anonymised.IsZero() {
		return c
	}
	c.Reference, c.LinkedReferences, c.Child.CommunityLinks = "", nil, nil
	c.Anonymised, c.UpdatedAt = Timestamp(now), Timestamp(now)
	return c
}

// Anonymise returns the record with what names, reaches or locates the
// interpreter removed, marked anonymised at now: the name, email, phone,
// the clearance's certificate number, qualifications' references, the
// vetting note, community links and availability. It keeps the ID,
// dates, codes and counts: gender, languages, modalities, regions,
// qualification and training kinds and dates, the clearance's level and
// dates, experience, the vetting status and who decided it. Exclusions
// naming the record on cases keep their reasons (retention's class
// exclusions). An anonymised record is returned as it is.
func (in Interpreter) Anonymise(now time.Time) Interpreter {
	if !in.Anonymised.IsZero() {
		return in
	}
	in.Name, in.Email, in.Phone, in.Clearance.Certificate, in.Vetting.Note = "", "", "", "", ""
	quals := make([]Qualification, len(in.Qualifications))
	for i, q := range in.Qualifications {
		q.Reference = ""
		quals[i] = q
	}
	if len(quals) == 0 {
		quals = nil
	}
	in.Qualifications, in.CommunityLinks, in.Availability = quals, nil, Availability{}
	in.Anonymised, in.UpdatedAt = Timestamp(now), Timestamp(now)
	return in
}

// AnonymisedEmail is the address an anonymised user holds in place of
// theirs: unique (an email names one user), and in the .invalid domain,
// which never delivers (RFC 2606).
func AnonymisedEmail(userID string) string { return strings.ToLower(userID) + "@anonymised.invalid" }

// Anonymise returns the user with their name and email removed (the
// email replaced by AnonymisedEmail), the key replaced by keyHash (a hash
// of a key nobody holds) and access revoked: the account of an
// interpreter whose record retention anonymised.
func (u User) Anonymise(now time.Time, keyHash string) User {
	u.Name, u.Email, u.KeyHash, u.AccessRevoked, u.UpdatedAt = "", AnonymisedEmail(u.ID), keyHash, true, Timestamp(now)
	return u
}

// RetentionStore finds the records retention is due to act on.
type RetentionStore interface {
	// BookingsEndedBefore returns the bookings not yet anonymised that
	// ended before before, in every organisation, by end then ID, after
	// the booking named by after (the ID a previous page ended with, ""
	// for the first page). ErrInvalid when after names no booking.
	BookingsEndedBefore(ctx context.Context, before time.Time, after string, limit int) (Page[Booking], error)
	// OffersEndedBefore returns the offers not yet anonymised whose
	// interview ended before before, in every organisation, by end then
	// ID, after the offer named by after ("" for the first page).
	// ErrInvalid when after names no offer.
	OffersEndedBefore(ctx context.Context, before time.Time, after string, limit int) (Page[Offer], error)
	// CasesClosedBefore returns the closed cases not yet anonymised that
	// closed before before, in every organisation, by closing then ID,
	// after the case named by after ("" for the first page). ErrInvalid
	// when after names no such case.
	CasesClosedBefore(ctx context.Context, before time.Time, after string, limit int) (Page[Case], error)
	// InterpretersLeftBefore returns the records not yet anonymised of
	// interpreters who left the register before before (Interpreter.Left),
	// by leaving then ID, after the record named by after ("" for the
	// first page). ErrInvalid when after names no such record.
	InterpretersLeftBefore(ctx context.Context, before time.Time, after string, limit int) (Page[Interpreter], error)
	// MessagesSettledBefore returns the settled messages (Message.Settled)
	// not yet pruned that were made before before, in every organisation,
	// by creation then ID, after the message named by after ("" for the
	// first page). ErrInvalid when after names no message.
	MessagesSettledBefore(ctx context.Context, before time.Time, after string, limit int) (Page[Message], error)
}
