package app

import (
	"context"
	"crypto/rand"
	"strconv"
	"time"

	"github.com/tolk/tolk/calendar"
	"github.com/tolk/tolk/data"
)

// The messages each change causes, written into its data.Change so they
// land with it (the outbox) and a worker sends them (Deliver). Their IDs
// derive from what they are about (the record, its version or sequence,
// the recipient), so a repeated change or a re-run update function makes
// the same message, which the outbox keeps once.

// newMessage is a queued message of kind to one recipient, due at due.
// Its recipient's name and subject lose the hidden characters (see
// data.Hidden) that a name stored before they were refused may hold, so
// that they show as what they are and the message stays valid.
func (a *App) newMessage(kind data.MessageKind, id, org string, role data.Role, to, toName, subject string, body letter, due time.Time) data.Message {
	now := a.stamp()
	if due.Before(now) {
		due = now
	}
	return data.Message{
		ID: id, Kind: kind, Organisation: org, RecipientRole: role, To: to, ToName: data.StripHidden(toName),
		Subject: data.StripHidden(subject), Text: body.plain(), HTML: body.html(),
		Due: data.Timestamp(due), Status: data.MessageQueued, CreatedAt: now, Version: 1,
	}
}

// messageID is the ID of a message of kind about parts (a record, a
// recipient, a version), made by the change at at: the same parts, the
// same message, and IDs sort by the changes that made them.
func messageID(kind data.MessageKind, at time.Time, parts ...string) string {
	return data.DerivedIDAt(at, append([]string{"message", string(kind)}, parts...)...)
}

// offerParties is what an offer's messages need beyond the offer: the
// case (its child's language and age band), who asked, the interpreters
// asked, and a fresh single-use token for each, for the links of those who
// become pending.
type offerParties struct {
	c         data.Case
	requester data.User
	invitees  map[string]data.Interpreter
	tokens    map[string]string
}

// readParties reads an offer's parties and makes its tokens.
func (a *App) readParties(ctx context.Context, o data.Offer) (offerParties, error) {
	p := offerParties{invitees: map[string]data.Interpreter{}, tokens: map[string]string{}}
	var err error
	if p.c, err = a.store.Case(ctx, o.CaseID); err != nil {
		return p, err
	}
	if p.requester, err = a.store.User(ctx, o.CreatedBy); err != nil {
		return p, err
	}
	for _, inv := range o.Invitations {
		in, err := a.store.Interpreter(ctx, inv.InterpreterID)
		if err != nil {
			continue // not on the register: never asked (skipped when judged)
		}
		p.invitees[in.ID] = in
		if inv.Status == data.InvitationQueued || inv.Status == data.InvitationPending {
			p.tokens[in.ID] = "tolkans_" + rand.Text()
		}
	}
	return p, nil
}

// offerNews gives each invitation that became pending in next (against
// old: the zero Offer for a new one) the hash of its single-use link, and
// returns the messages the change causes: an invitation with its links to
// each interpreter newly asked, a note to each whose pending invitation
// was withdrawn, and to the social worker who asked, news of a decline, an
// expiry, an acceptance or an offer left unfilled.
func (a *App) offerNews(old data.Offer, next *data.Offer, p offerParties) []data.Message {
	var out []data.Message
	was := map[string]data.InvitationStatus{}
	for _, inv := range old.Invitations {
		was[inv.InterpreterID] = inv.Status
	}
	for i := range next.Invitations {
		inv := &next.Invitations[i]
		in, known := p.invitees[inv.InterpreterID]
		before := was[inv.InterpreterID]
		switch {
		case !known || before == inv.Status:
		case inv.Status == data.InvitationPending:
			token := p.tokens[inv.InterpreterID]
			inv.TokenHash = data.HashKey(token)
			out = append(out, a.invitationMessage(*next, *inv, in, p.c, token))
		case before == data.InvitationPending && inv.Status == data.InvitationWithdrawn:
			out = append(out, a.withdrawnMessage(*next, in))
		case before == data.InvitationPending && inv.Status == data.InvitationDeclined:
			out = append(out, a.requesterMessage(*next, p, data.MessageOfferDeclined, in.ID, in.Name+" declined the offer",
				in.Name+" declined your offer of the "+interviewWords[next.InterviewType]+" on "+when(next.Start)+"."))
		case before == data.InvitationPending && inv.Status == data.InvitationExpired:
			out = append(out, a.requesterMessage(*next, p, data.MessageOfferExpired, in.ID, in.Name+" did not answer in time",
				in.Name+" did not answer your offer of the "+interviewWords[next.InterviewType]+" on "+when(next.Start)+" in time."))
		case inv.Status == data.InvitationAccepted:
			out = append(out, a.requesterMessage(*next, p, data.MessageOfferAccepted, in.ID, in.Name+" accepted: the interview is booked",
				in.Name+" accepted your offer of the "+interviewWords[next.InterviewType]+" on "+when(next.Start)+", and is booked."))
		}
	}
	if old.Status == data.OfferOpen && next.Status == data.OfferUnfilled {
		out = append(out, a.requesterMessage(*next, p, data.MessageOfferUnfilled, "", "Nobody could take the interview",
			"Nobody took your offer of the "+interviewWords[next.InterviewType]+" on "+when(next.Start)+". Find interpreters again, or ask a coordinator."))
	}
	return out
}

// invitationMessage asks an interpreter, with the links that answer
// without signing in.
func (a *App) invitationMessage(o data.Offer, inv data.Invitation, in data.Interpreter, c data.Case, token string) data.Message {
	var l letter
	l.say("Hello %s,", in.Name)
	l.say("You are asked to interpret at an interview with a child. Only you can accept it: nobody is booked until you say yes.")
	interview(&l, o.InterviewType, o.Start, o.End, o.Modality, o.Region, o.Organisation, c)
	plan(&l, data.Booking{Start: o.Start, End: o.End, Modality: o.Modality, Safety: o.Safety})
	l.say("Please answer by %s.", when(inv.RespondBy))
	link := a.baseURL + "/respond/" + token
	l.link("Accept or decline", link)
	l.say("Accept only if you know of no connection between you and anyone in this case: the child, their family or community, or the people said to have exploited them. If you do, decline and say so: it is never held against you.")
	l.say("The link works once, and only until the time to answer runs out.")
	return set(a.newMessage(data.MessageOfferInvitation, messageID(data.MessageOfferInvitation, o.UpdatedAt, o.ID, in.ID), o.Organisation,
		data.RoleInterpreter, in.Email, in.Name, "Can you interpret on "+when(o.Start)+"?", l, a.now()), func(m *data.Message) { m.OfferID, m.InterpreterID = o.ID, in.ID })
}

// withdrawnMessage tells an interpreter their invitation is no longer open.
func (a *App) withdrawnMessage(o data.Offer, in data.Interpreter) data.Message {
	var l letter
	l.say("Hello %s,", in.Name)
	l.say("The offer of an interview on %s is no longer open, so you need not answer it. Thank you.", when(o.Start))
	return set(a.newMessage(data.MessageOfferWithdrawn, messageID(data.MessageOfferWithdrawn, o.UpdatedAt, o.ID, in.ID), o.Organisation,
		data.RoleInterpreter, in.Email, in.Name, "No longer needed: the interview on "+when(o.Start), l, a.now()), func(m *data.Message) { m.OfferID, m.InterpreterID = o.ID, in.ID })
}

// requesterMessage tells the social worker who made an offer what became
// of it (news), about an interpreter (interpreterID, or "" for the offer).
func (a *App) requesterMessage(o data.Offer, p offerParties, kind data.MessageKind, interpreterID, subject, news string) data.Message {
	var l letter
	l.say("Hello %s,", p.requester.Name)
	l.say("%s", news)
	l.link("The offer", a.baseURL+"/offers/"+o.ID)
	return set(a.newMessage(kind, messageID(kind, o.UpdatedAt, o.ID, interpreterID), o.Organisation, data.RoleSocialWorker,
		p.requester.Email, p.requester.Name, subject+" ("+o.CaseReference+")", l, a.now()),
		func(m *data.Message) { m.OfferID, m.InterpreterID = o.ID, interpreterID }) // about them: in their export, by role, as sent to whom
}

// bookingParties is what a booking's messages need: who booked it (the
// invitation's organizer) and its interpreter.
type bookingParties struct {
	organizer data.User
	in        data.Interpreter
}

// readBookingParties reads a booking's organizer and interpreter.
func (a *App) readBookingParties(ctx context.Context, b data.Booking) (bookingParties, error) {
	var p bookingParties
	var err error
	if p.organizer, err = a.store.User(ctx, b.BookedBy); err != nil {
		return p, err
	}
	p.in, err = a.store.Interpreter(ctx, b.InterpreterID)
	return p, err
}

// bookingNews is what a booking's change tells its interpreter: the
// calendar invitation (iMIP REQUEST: new, or moved with a raised
// sequence) with its reminder the day before, or its cancellation (iMIP
// CANCEL); and, when a rule withdrew it, the social worker who booked.
func (a *App) bookingNews(b data.Booking, p bookingParties, withdrawn bool) ([]data.Message, error) {
	ics, err := calendar.Invite(b, calendar.Person{Name: p.organizer.Name, Email: p.organizer.Email},
		calendar.Person{Name: p.in.Name, Email: p.in.Email}, a.now())
	if err != nil {
		return nil, err
	}
	seq := strconv.Itoa(b.Sequence) // every change a calendar sees raises it
	id := func(kind data.MessageKind) string { return messageID(kind, b.UpdatedAt, b.ID, seq) }
	var l letter
	l.say("Hello %s,", p.in.Name)
	var out []data.Message
	if b.Status == data.BookingCancelled {
		l.say("The %s on %s is cancelled: please do not go. Your calendar will drop it.", interviewWords[b.InterviewType], when(b.Start))
		m := a.newMessage(data.MessageBookingCancel, id(data.MessageBookingCancel), b.Organisation, data.RoleInterpreter,
			p.in.Email, p.in.Name, "Cancelled: the interview on "+when(b.Start), l, a.now())
		m.Calendar, m.CalendarMethod = ics, "CANCEL"
		out = append(out, set(m, func(m *data.Message) { m.BookingID, m.InterpreterID, m.Sequence = b.ID, b.InterpreterID, b.Sequence }))
		if withdrawn {
			var w letter
			w.say("Hello %s,", p.organizer.Name)
			w.say("The booking of %s for the %s on %s was withdrawn: %s", p.in.Name, interviewWords[b.InterviewType], when(b.Start), b.CancelReason)
			w.link("The booking", a.baseURL+"/bookings/"+b.ID)
			out = append(out, set(a.newMessage(data.MessageBookingWithdrawn, id(data.MessageBookingWithdrawn), b.Organisation, data.RoleSocialWorker,
				p.organizer.Email, p.organizer.Name, "Withdrawn: "+p.in.Name+" on "+when(b.Start)+" ("+b.CaseReference+")", w, a.now()),
				func(m *data.Message) { m.BookingID, m.InterpreterID = b.ID, b.InterpreterID }))
		}
		return out, nil
	}
	kind, subject := data.MessageBookingRequest, "Booked: "+interviewWords[b.InterviewType]+" on "+when(b.Start)
	if b.Sequence > 0 {
		kind, subject = data.MessageBookingUpdate, "Changed: "+interviewWords[b.InterviewType]+" now on "+when(b.Start)
		l.say("The interview you are booked for has changed. The calendar invitation attached replaces the one before.")
	} else {
		l.say("You are booked. The calendar invitation attached adds it to your calendar.")
	}
	l.say("What: a %s for %s.", interviewWords[b.InterviewType], b.Organisation)
	l.say("When: %s to %s (%s).", when(b.Start), clock(b.End), span(b.End.Sub(b.Start)))
	if b.Location != "" {
		l.say("Where: %s (%s).", b.Location, modalityWords[b.Modality])
	}
	if b.JoinDetails != "" {
		l.say("How to join: %s", b.JoinDetails)
	}
	l.say("Contact: %s, %s.", p.organizer.Name, p.organizer.Email)
	plan(&l, b)
	m := a.newMessage(kind, id(kind), b.Organisation, data.RoleInterpreter, p.in.Email, p.in.Name, subject, l, a.now())
	m.Calendar, m.CalendarMethod = ics, "REQUEST"
	out = append(out, set(m, func(m *data.Message) { m.BookingID, m.InterpreterID, m.Sequence = b.ID, b.InterpreterID, b.Sequence }))
	// The reminder, the day before: superseded if the booking changes
	// again or is cancelled first (its sequence moves on).
	if due := b.Start.Add(-24 * time.Hour); due.After(a.now()) {
		var r letter
		r.say("Hello %s,", p.in.Name)
		r.say("A reminder: you are interpreting tomorrow, %s to %s.", when(b.Start), clock(b.End))
		if b.Location != "" {
			r.say("Where: %s (%s).", b.Location, modalityWords[b.Modality])
		}
		if b.JoinDetails != "" {
			r.say("How to join: %s", b.JoinDetails)
		}
		r.say("Contact: %s, %s.", p.organizer.Name, p.organizer.Email)
		out = append(out, set(a.newMessage(data.MessageBookingReminder, id(data.MessageBookingReminder),
			b.Organisation, data.RoleInterpreter, p.in.Email, p.in.Name, "Tomorrow: "+interviewWords[b.InterviewType]+" at "+clock(b.Start), r, due),
			func(m *data.Message) { m.BookingID, m.InterpreterID, m.Sequence = b.ID, b.InterpreterID, b.Sequence }))
	}
	return out, nil
}

// plan states the interpreter's own times and the safety rules of an
// interview, UK time (data.Booking.PlanLines).
func plan(l *letter, b data.Booking) {
	l.say("Your times (UK time) and the rules:")
	for _, line := range b.PlanLines() {
		l.say("- %s", line)
	}
}

// set returns m changed by f: a message with the records it is about.
func set(m data.Message, f func(*data.Message)) data.Message {
	f(&m)
	return m
}
