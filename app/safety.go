package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tolk/tolk/data"
)

// Outcome is what happened at an interview, as the interviewer records it.
type Outcome struct {
	Attended, ChildComfortable bool
	Note                       string
	// Code is the outcome in the words of the reports (data.OutcomeCodes);
	// empty is attended for an attended interview, and required otherwise
	// (every ended booking has its code).
	Code data.OutcomeCode
	// Checklist is required when Attended: the safety checklist.
	Checklist *data.Checklist
}

// ChecklistFields names the checklist's items as the API and the pages
// name them, in order.
var ChecklistFields = []string{"briefed", "conflictRedeclared", "neverAloneWithChild", "debriefOffered"}

// check refuses an outcome the reports could not read, naming the field.
func (o Outcome) check() error {
	var fields []data.FieldError
	add := func(field, msg string) { fields = append(fields, data.FieldError{Field: field, Message: msg}) }
	if err := data.CheckProse("note", o.Note, data.MaxNoteLength); err != nil {
		return err
	}
	if o.Attended && o.Checklist == nil {
		for _, f := range ChecklistFields {
			add("checklist."+f, "is required when attended is true")
		}
	}
	if !o.Attended && o.Checklist != nil {
		// Never read as answers: a missing item would be a "no", and a
		// "no" to never alone with the child an incident that never was.
		add("checklist", "is only for an interview that took place (attended: true)")
	}
	switch {
	case o.Code != "" && !slices.Contains(data.OutcomeCodes, o.Code):
		add("code", "must be one of "+codeList(data.OutcomeCodes))
	case o.Attended && o.Code != "" && o.Code != data.OutcomeAttended:
		add("code", "must be attended when attended is true")
	case !o.Attended && o.Code == data.OutcomeAttended:
		add("code", "cannot be attended when attended is false")
	case !o.Attended && o.Code == "":
		add("code", "is required when attended is false: one of "+codeList(data.OutcomeCodes[1:]))
	}
	if len(fields) > 0 {
		return &data.ValidationError{Errors: fields}
	}
	return nil
}

// codeList writes codes as "a, b, c".
func codeList[T ~string](codes []T) string {
	s := make([]string, len(codes))
	for i, c := range codes {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// RecordOutcome records what happened at an interview once it has started,
// and marks the booking completed. An attended interview needs the safety
// checklist; one whose checklist says the interpreter was alone with the
// child is a safeguarding incident: audited as such, and told to each
// coordinator of the booking's organisation, in the same write. A child
// who was comfortable gives the interpreter continuity in this case's
// next match; one who was not keeps the interpreter out of it (matching's
// excluded_by_case).
func (a *App) RecordOutcome(ctx context.Context, actor data.User, id string, o Outcome) (data.Booking, error) {
	if err := o.check(); err != nil {
		return data.Booking{}, err
	}
	var coordinators []data.User
	if o.Checklist != nil && !o.Checklist.NeverAloneWithChild {
		cur, err := a.GetBooking(ctx, actor, id)
		if err != nil {
			return data.Booking{}, err
		}
		if coordinators, err = a.coordinators(ctx, cur.Organisation); err != nil {
			return data.Booking{}, err
		}
	}
	outcome := data.Outcome{Attended: o.Attended, ChildComfortable: o.ChildComfortable, Note: o.Note, Code: o.Code, Checklist: o.Checklist, RecordedBy: actor.ID}
	b, err := a.updateBookingWith(ctx, actor, id, func(b data.Booking, now time.Time) (data.Booking, data.Action, error) {
		next, err := b.Complete(outcome, now)
		return next, data.ActionBookingOutcome, err
	}, func(next data.Booking, now time.Time, ch *data.Change) {
		if !next.Outcome.Incident() {
			return
		}
		ch.Audit = append(ch.Audit, data.NewAuditEntry(now, actor, next.Organisation, data.ActionSafeguardingIncident, data.EntityBooking, next.ID))
		for _, u := range coordinators {
			ch.Messages = append(ch.Messages, a.incidentMessage(next, u, now))
		}
	})
	if err != nil || o.ChildComfortable || !o.Attended {
		return b, err // the child's comfort counts only for an interview that took place
	}
	// The child was not comfortable: the interpreter's other bookings
	// for this case that have not started are withdrawn (excluded_by_case).
	return b, a.afterChange(ctx, actor, b.InterpreterID, b.CaseID)
}

// coordinators returns the coordinators of an organisation whose access
// stands: whom safeguarding and wellbeing notices, and cases other
// organisations transfer, go to.
func (a *App) coordinators(ctx context.Context, org string) ([]data.User, error) {
	var out []data.User
	q := data.UserQuery{Organisation: org, Role: data.RoleCoordinator, Limit: data.MaxPageSize}
	for {
		page, err := a.store.ListUsers(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, u := range page.Items {
			if !u.AccessRevoked {
				out = append(out, u)
			}
		}
		if page.Next == "" {
			return out, nil
		}
		q.After = page.Next
	}
}

// incidentMessage tells a coordinator of a safeguarding incident: which
// booking, never the outcome's note or anything of the child.
func (a *App) incidentMessage(b data.Booking, u data.User, now time.Time) data.Message {
	var l letter
	l.say("Hello %s,", u.Name)
	l.say("The outcome recorded for the %s on %s (case %s) says the interpreter was alone with the child. This is a safeguarding incident.",
		interviewWords[b.InterviewType], when(b.Start), b.CaseReference)
	l.say("Please review it with the interviewer and the interpreter, and record what follows as your safeguarding procedure requires.")
	l.link("The booking", a.baseURL+"/bookings/"+b.ID)
	l.link("Incidents and debriefs", a.baseURL+"/safeguarding")
	return set(a.newMessage(data.MessageSafeguardingIncident, messageID(data.MessageSafeguardingIncident, now, b.ID, u.ID), b.Organisation,
		data.RoleCoordinator, u.Email, u.Name, "Safeguarding incident: the interview on "+when(b.Start), l, now),
		func(m *data.Message) { m.BookingID, m.InterpreterID = b.ID, b.InterpreterID })
}

// MarkDistressing records, for the interpreter the actor is, that an
// interview of theirs was distressing, once it has ended: coordinators of
// the booking's organisation are asked to offer a debrief (in the same
// write), and for the policy's wellbeing period the interpreter is ranked
// lower for these interviews (recent_workload; never excluded). Nobody
// else's booking is found (ErrNotFound). Marking it again changes nothing.
func (a *App) MarkDistressing(ctx context.Context, actor data.User, id string) (data.Booking, error) {
	if err := interpreterSelf(actor); err != nil {
		return data.Booking{}, err
	}
	cur, err := a.store.Booking(ctx, id)
	if err != nil {
		return data.Booking{}, err
	}
	if cur.InterpreterID != actor.InterpreterID {
		return data.Booking{}, fmt.Errorf("booking %s: %w", id, data.ErrNotFound)
	}
	coordinators, err := a.coordinators(ctx, cur.Organisation)
	if err != nil {
		return data.Booking{}, err
	}
	interp, err := a.store.Interpreter(ctx, cur.InterpreterID)
	if err != nil {
		return data.Booking{}, err
	}
	now := a.stamp()
	return a.store.UpdateBooking(ctx, id, func(b data.Booking) (data.Booking, data.Change, error) {
		next, err := b.MarkDistressing(now)
		if err != nil {
			return b, data.Change{}, err
		}
		ch := audited(now, actor, b.Organisation, data.ActionBookingDistressing, data.EntityBooking, b.ID)
		for _, u := range coordinators {
			ch.Messages = append(ch.Messages, a.debriefMessage(next, interp, u, now))
		}
		return next, ch, nil
	})
}

// debriefMessage asks a coordinator to offer an interpreter a debrief.
func (a *App) debriefMessage(b data.Booking, in data.Interpreter, u data.User, now time.Time) data.Message {
	var l letter
	l.say("Hello %s,", u.Name)
	l.say("%s marked the %s on %s as distressing. Please offer them a debrief.", in.Name, interviewWords[b.InterviewType], when(b.Start))
	l.say("For %d days they are ranked lower for these interviews, so they are not asked again at once; they are never excluded for it. Requesters see only \"recent workload\".", a.policy.WellbeingDays)
	l.link("Incidents and debriefs", a.baseURL+"/safeguarding")
	return set(a.newMessage(data.MessageDebriefOffer, messageID(data.MessageDebriefOffer, now, b.ID, u.ID), b.Organisation,
		data.RoleCoordinator, u.Email, u.Name, "Offer a debrief: "+in.Name, l, now),
		func(m *data.Message) { m.BookingID, m.InterpreterID = b.ID, b.InterpreterID })
}

// SafeguardingItem is a booking a coordinator must act on: an outcome that
// recorded a safeguarding incident (the interpreter alone with the child),
// or a debrief to offer an interpreter who marked the interview
// distressing.
type SafeguardingItem struct {
	Booking  data.Booking
	Incident bool
	Debrief  bool
}

// MaxSafeguardingWindow bounds the period one listing of safeguarding
// items reads: its cost follows the period.
const MaxSafeguardingWindow = 366 * 24 * time.Hour

// Safeguarding lists, for a coordinator, the bookings of their
// organisation that start in [from, to) with an incident or a debrief to
// offer, by start time. Zero from is 90 days before now; zero to, a day
// after now. It reads the organisation's bookings of the period through
// the store's index on start, never the whole store.
func (a *App) Safeguarding(ctx context.Context, actor data.User, from, to time.Time) ([]SafeguardingItem, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return nil, err
	}
	now := a.now()
	if from.IsZero() {
		from = now.AddDate(0, 0, -90)
	}
	if to.IsZero() {
		to = now.Add(24 * time.Hour)
	}
	switch {
	case !to.After(from):
		return nil, invalid("to", "must be after from")
	case to.Sub(from) > MaxSafeguardingWindow:
		return nil, invalid("to", "must be at most 366 days after from")
	}
	out := []SafeguardingItem{}
	q := data.BookingQuery{Organisation: actor.Organisation, From: from, To: to, Limit: data.MaxPageSize}
	for {
		page, err := a.store.ListBookings(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, b := range page.Items {
			it := SafeguardingItem{Booking: b, Incident: b.Outcome != nil && b.Outcome.Incident(), Debrief: b.Wellbeing != nil && b.Wellbeing.Distressing}
			if it.Incident || it.Debrief {
				out = append(out, it)
			}
		}
		if page.Next == "" {
			return out, nil
		}
		q.After = page.Next
	}
}
