package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/matching"
)

// NewBooking is what a social worker sends to book an interpreter.
type NewBooking struct {
	// ID is kept only by an application that keeps IDs (Config.KeepIDs).
	ID                    string
	CaseID, InterpreterID string
	Start, End            time.Time
	InterviewType         data.InterviewType
	Modality              data.Modality
	Region                string
	Location              string
	// JoinDetails is the link (video) or number (phone) the interpreter
	// joins by: required for those modalities, sent only to the
	// interpreter.
	JoinDetails string
	// Additional says the case is meant to have a further interpreter for
	// this interview (two sharing a long session): without it, a case with
	// a confirmed booking or an open offer overlapping the slot refuses the
	// booking with a *CaseBookedError.
	Additional bool
	// Review asks what the booking would be without making it: every check
	// is run (the practical details, every hard rule, what the case
	// already has for the slot) and the booking returned, nothing
	// written, audited or sent. The pages show it for confirmation.
	Review bool
	// IdempotencyKey, when set, makes the request safe to repeat for
	// IdempotencyWindow: the same key and body return the first booking; the
	// same key with another body is an *IdempotencyError.
	IdempotencyKey string
}

// IdempotencyWindow is how long an Idempotency-Key is honoured.
const IdempotencyWindow = 24 * time.Hour

// fingerprint identifies a booking request: who asked, under which key,
// for what. Times are compared as instants.
// Additional counts only when set, so requests made before it existed keep
// their fingerprints.
func (nb NewBooking) fingerprint(actor data.User) string {
	parts := []string{actor.ID, nb.IdempotencyKey, nb.CaseID, nb.InterpreterID,
		nb.Start.UTC().Format(time.RFC3339Nano), nb.End.UTC().Format(time.RFC3339Nano),
		string(nb.InterviewType), string(nb.Modality), strings.ToUpper(strings.TrimSpace(nb.Region)), strings.TrimSpace(nb.Location)}
	if nb.Additional {
		parts = append(parts, "additional")
	}
	if j := strings.TrimSpace(nb.JoinDetails); j != "" {
		parts = append(parts, "join:"+j)
	}
	return data.HashKey(strings.Join(parts, "\x00"))
}

// replay answers a request whose key already made a booking: the first
// booking for the same request within the window, an *IdempotencyError
// otherwise.
func (a *App) replay(b data.Booking, fingerprint string) (data.Booking, error) {
	switch {
	case b.Idempotency != fingerprint:
		return data.Booking{}, &IdempotencyError{Reason: "this Idempotency-Key was used for another request; use a new key for a new booking"}
	case a.now().Sub(b.CreatedAt) > IdempotencyWindow:
		return data.Booking{}, &IdempotencyError{Reason: "this Idempotency-Key is older than 24 hours; use a new key"}
	}
	return b, nil
}

// CreateBooking books an interpreter for an interview of a case of the
// actor's organisation. Every hard rule is judged again for this
// interpreter at this time, whatever the client saw: failing any is an
// *IneligibleError with every reason. The store then books atomically: a
// confirmed booking of the interpreter in the way is an *data.OverlapError
// naming it, never a second booking; unless nb is Additional, a confirmed
// booking or an open offer of the case overlapping the slot is a
// *CaseBookedError naming it and its interpreter. The booking keeps the match snapshot
// that justified it. replayed says the answer is the booking an earlier
// request with the same Idempotency-Key made.
func (a *App) CreateBooking(ctx context.Context, actor data.User, nb NewBooking) (b data.Booking, replayed bool, err error) {
	if err := require(actor, caseRoles...); err != nil {
		return data.Booking{}, false, err
	}
	if a.directByCoordinators && actor.Role != data.RoleCoordinator {
		return data.Booking{}, false, forbidden("direct booking is reserved to coordinators here: make an offer the interpreter accepts")
	}
	if nb.Review {
		b, err = a.book(ctx, actor, nb, "", "")
		return b, false, err
	}
	var id, fingerprint string
	if nb.IdempotencyKey != "" {
		// The key names the booking: a repeat finds the first, on every
		// store and instance, because booking IDs are unique.
		id, fingerprint = data.DerivedID("booking", actor.ID, nb.IdempotencyKey), nb.fingerprint(actor)
		first, ferr := a.store.Booking(ctx, id)
		if ferr == nil {
			b, err = a.replay(first, fingerprint)
			return b, err == nil, err
		}
		if !errors.Is(ferr, data.ErrNotFound) {
			return data.Booking{}, false, ferr
		}
	}
	b, err = a.book(ctx, actor, nb, id, fingerprint)
	if id != "" && (errors.Is(err, data.ErrDuplicate) || errors.Is(err, data.ErrOverlap)) {
		// A repeat raced the first request: answer with the first.
		if first, ferr := a.store.Booking(ctx, id); ferr == nil {
			b, err = a.replay(first, fingerprint)
			return b, err == nil, err
		}
	}
	return b, false, err
}

// snapshot is the match snapshot a booking keeps: the candidate's, with
// the recent_workload factor in the words a requester may read (the
// booking is theirs to read; its explanation is the coordinators').
func (a *App) snapshot(c matching.Candidate) data.MatchSnapshot {
	s := c.Snapshot()
	s.Factors = requesterFactors(s.Factors)
	return s
}

// requesterFactors returns factors as a requester may read them: the
// recent_workload factor says only "recent workload", never why.
func requesterFactors(fs []data.Factor) []data.Factor {
	out := slices.Clone(fs)
	for i, f := range out {
		if f.Factor == matching.FactorRecentWorkload {
			out[i].Reason = matching.RecentWorkloadWords
		}
	}
	return out
}

// book judges and books, with a given ID and idempotency fingerprint when
// the request carried a key.
func (a *App) book(ctx context.Context, actor data.User, nb NewBooking, id, fingerprint string) (data.Booking, error) {
	c, err := a.GetCase(ctx, actor, nb.CaseID)
	if errors.Is(err, data.ErrNotFound) {
		return data.Booking{}, invalid("caseId", "names no case of your organisation")
	}
	if err != nil {
		return data.Booking{}, err
	}
	if err := c.CheckOpen(); err != nil {
		return data.Booking{}, err
	}
	if err := notTransferred(c); err != nil {
		return data.Booking{}, err
	}
	interp, err := a.store.Interpreter(ctx, nb.InterpreterID)
	if errors.Is(err, data.ErrNotFound) {
		return data.Booking{}, invalid("interpreterId", "names no interpreter")
	}
	if err != nil {
		return data.Booking{}, err
	}
	req := matching.Request{
		Case: c, Start: nb.Start.UTC(), End: nb.End.UTC(), InterviewType: nb.InterviewType,
		Modality: nb.Modality, Region: strings.ToUpper(strings.TrimSpace(nb.Region)),
		Plan: a.policy.Plan(nb.InterviewType, nb.Modality),
	}
	cand, err := a.evaluate(ctx, c, interp, req)
	if err != nil {
		return data.Booking{}, err
	}
	now := a.stamp()
	b := data.Booking{
		ID: a.newID(nb.ID, now), Organisation: c.Organisation, CaseID: c.ID, CaseReference: c.Reference,
		InterpreterID: interp.ID, BookedBy: actor.ID, Start: data.Timestamp(req.Start), End: data.Timestamp(req.End),
		InterviewType: req.InterviewType, Modality: req.Modality, Location: strings.TrimSpace(nb.Location), JoinDetails: strings.TrimSpace(nb.JoinDetails),
		Status: data.BookingConfirmed, Confirmation: data.ConfirmationDirect, Additional: nb.Additional, Match: a.snapshot(cand),
		Safety: req.Plan, Caps: a.policy.Workload,
		Version: 1, CreatedAt: now, UpdatedAt: now, Idempotency: fingerprint,
	}
	if id != "" {
		b.ID = id
	}
	if b.Modality == data.ModalityInPerson {
		b.Region, b.Buffer = req.Region, a.policy.TravelBuffer
	}
	if err := b.Validate(); err != nil {
		return data.Booking{}, err
	}
	if err := data.CheckPractical(b.Modality, b.Location, b.JoinDetails); err != nil {
		return data.Booking{}, err
	}
	ch := audited(now, actor, b.Organisation, data.ActionBookingCreated, data.EntityBooking, b.ID)
	if ch.Messages, err = a.bookingNews(b, bookingParties{organizer: actor, in: interp}, false); err != nil {
		return data.Booking{}, err
	}
	if nb.Review {
		return b, a.reviewSlot(ctx, actor, c.ID, b.Start, b.End, b.Additional)
	}
	if err := a.store.CreateBooking(ctx, b, ch); err != nil {
		return data.Booking{}, a.caseBooked(ctx, refusal(err, actor))
	}
	return b, nil
}

// checkSlot refuses a slot that starts in the past or lasts longer than a
// booking may: an interview is booked before it starts (so no one can
// record an outcome for an interview that was never booked ahead), and a
// match is asked for a slot that can be booked.
func checkSlot(req matching.Request, now time.Time) error {
	var fields []data.FieldError
	if !req.Start.IsZero() && req.Start.Before(now) {
		fields = append(fields, data.FieldError{Field: "start", Message: "must not be in the past"})
	}
	if req.End.Sub(req.Start) > data.MaxBookingDuration {
		fields = append(fields, data.FieldError{Field: "end", Message: "must be at most " + data.DurationWords(data.MaxBookingDuration) + " after start"})
	}
	if len(fields) > 0 {
		return &data.ValidationError{Errors: fields}
	}
	return nil
}

// evaluate judges one interpreter for a request by every hard rule, as Match
// would. An interpreter whose only failing rule is availability is passed
// on: the store decides that atomically and names the booking in the way.
func (a *App) evaluate(ctx context.Context, c data.Case, interp data.Interpreter, req matching.Request) (matching.Candidate, error) {
	now := a.now()
	in := matching.Input{Request: req, Pool: []data.Interpreter{interp}, Now: now}
	if err := checkSlot(req, now); err != nil {
		return matching.Candidate{}, err
	}
	if err := in.Validate(a.policy); err != nil {
		return matching.Candidate{}, err
	}
	if err := a.complete(ctx, &in, c); err != nil {
		return matching.Candidate{}, err
	}
	cand, reasons, err := matching.Evaluate(in, interp, a.policy)
	if err != nil {
		return matching.Candidate{}, err
	}
	onlyUnavailable := len(reasons) == 1 && reasons[0].Code == "unavailable"
	if len(reasons) > 0 && !onlyUnavailable {
		return matching.Candidate{}, &IneligibleError{Reasons: reasons}
	}
	if onlyUnavailable {
		// Score it as if free, for the snapshot (bookings bear only on
		// availability; the recent count is already taken). The store will
		// refuse the booking unless the one in the way is cancelled meanwhile.
		in.Bookings = nil
		cand, _, err = matching.Evaluate(in, interp, a.policy)
	}
	return cand, err
}

// caseSittings returns the sittings of every booking of a case, oldest
// first: the case's history as matching reads it (matching.Input.History).
func (a *App) caseSittings(ctx context.Context, c data.Case) ([]data.Sitting, error) {
	return casePages(ctx, c, a.store.CaseSittings)
}

// caseBookings returns every booking of a case, whole, oldest first.
func (a *App) caseBookings(ctx context.Context, c data.Case) ([]data.Booking, error) {
	return casePages(ctx, c, a.store.ListBookings)
}

// casePages reads every page of one case's bookings through read, in the
// form read gives them.
func casePages[T any](ctx context.Context, c data.Case, read func(context.Context, data.BookingQuery) (data.Page[T], error)) ([]T, error) {
	var out []T
	q := data.BookingQuery{Organisation: c.Organisation, CaseID: c.ID, Limit: data.MaxPageSize}
	for {
		page, err := read(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.Next == "" {
			return out, nil
		}
		q.After = page.Next
	}
}

// GetBooking returns a booking of the actor's organisation; another
// organisation's booking is ErrNotFound.
func (a *App) GetBooking(ctx context.Context, actor data.User, id string) (data.Booking, error) {
	if err := require(actor, caseRoles...); err != nil {
		return data.Booking{}, err
	}
	b, err := a.store.Booking(ctx, id)
	if err != nil {
		return data.Booking{}, err
	}
	if b.Organisation != actor.Organisation {
		return data.Booking{}, fmt.Errorf("booking %s: %w", id, data.ErrNotFound)
	}
	return b, nil
}

// BookingFilter is what a caller may ask of the bookings listing.
type BookingFilter struct {
	CaseID, InterpreterID string
	// Mine keeps the bookings the actor made.
	Mine     bool
	From, To time.Time
	Cursor   string
	Limit    int
}

// ListBookings pages through the actor's organisation's bookings by start time.
func (a *App) ListBookings(ctx context.Context, actor data.User, f BookingFilter) (data.Page[data.Booking], error) {
	if err := require(actor, caseRoles...); err != nil {
		return data.Page[data.Booking]{}, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return data.Page[data.Booking]{}, invalid("to", "must be after from")
	}
	return a.store.ListBookings(ctx, data.BookingQuery{
		Organisation: actor.Organisation, CaseID: f.CaseID, InterpreterID: f.InterpreterID, BookedBy: mine(actor, f.Mine),
		From: f.From, To: f.To, After: f.Cursor, Limit: f.Limit,
	})
}

// mine is the BookedBy of a listing: the actor's ID when they asked for
// their own bookings.
func mine(actor data.User, yes bool) string {
	if yes {
		return actor.ID
	}
	return ""
}
