package data

import (
	"context"
	"fmt"
	"time"
)

// Message is something a person must hear of: an offer to answer, a
// booking's invitation, a change, a cancellation, a reminder, a lapse. It
// is written in the outbox by the change that causes it, in the same
// write (a Change's Messages), so a change that landed never loses its
// messages; a worker delivers it at least once, retrying with backoff, and
// moves one that keeps failing, or is refused for good, to the dead
// letters. Its ID is stable, and names its Message-ID, so a repeat is
// recognisable.
//
// The message holds what it says, rendered when the change was made from
// the records as the change left them (a later change sends its own
// message): its subject, bodies and calendar. Once sent, those are
// cleared; the metadata stays, for the delivery list coordinators read.
// A message carries nothing about a child beyond language and age band,
// and no community link, certificate number, exclusion or case note.
type Message struct {
	ID           string
	Kind         MessageKind
	Organisation string // whose it is: the organisation the change was in
	// RecipientRole is who the recipient is to tolk: the interpreter, the
	// social worker who asked, or coordinators.
	RecipientRole Role
	To            string // an email address
	ToName        string
	Subject       string
	Text          string
	HTML          string
	// Calendar is an iMIP calendar (RFC 6047) when the message is an
	// invitation or its cancellation, and CalendarMethod its METHOD
	// (REQUEST or CANCEL).
	Calendar       []byte
	CalendarMethod string
	// The records it is about, for listing by booking or offer.
	BookingID     string
	OfferID       string
	InterpreterID string
	// Due is when it may be sent first (now for most; the day before an
	// interview for a reminder).
	Due time.Time
	// Sequence is, for a message about a booking, the booking's sequence
	// when the message was made: a scheduled message (a reminder) whose
	// booking has moved on since is superseded, not sent.
	Sequence int
	Status   MessageStatus
	// Attempts counts the deliveries tried; LastError says why the last
	// failed (a code and the server's short answer, never a body).
	Attempts    int
	LastError   string
	NextAttempt time.Time
	// LeaseHolder and LeaseUntil name the deliverer holding the message
	// while it tries to send it: no other holds it until the lease ends.
	LeaseHolder string
	LeaseUntil  time.Time
	CreatedAt   time.Time
	SentAt      time.Time
	// Pruned is when retention removed what the message said and to whom
	// (see Message.Prune); zero until then.
	Pruned  time.Time
	Version int64
}

// Settled reports whether the message is no longer waiting to be sent:
// sent, dead or superseded.
func (m Message) Settled() bool { return !m.Pending() }

// Prune returns the message with its address, recipient's name, subject,
// bodies, calendar and last error removed, marked pruned at now:
// retention's class messages, for a message settled long enough ago. Its
// kind, recipient role, organisation, the records it is about, status,
// attempts and dates stay, for the delivery list and subject access. A
// pruned message is returned as it is; a pruned dead letter can no
// longer be retried.
func (m Message) Prune(now time.Time) Message {
	if !m.Pruned.IsZero() {
		return m
	}
	m.To, m.ToName, m.Subject, m.Text, m.HTML, m.Calendar, m.LastError = "", "", "", "", "", nil, ""
	m.Pruned = Timestamp(now)
	return m
}

// MessageKind names what a message is about. Its text is stable.
type MessageKind string

// The message kinds.
const (
	// To the interpreter.
	MessageOfferInvitation MessageKind = "offer.invitation" // with its accept and decline links
	MessageOfferWithdrawn  MessageKind = "offer.withdrawn"  // an invitation withdrawn (filled, cancelled, a rule)
	MessageBookingRequest  MessageKind = "booking.request"  // the booking's iMIP invitation
	MessageBookingUpdate   MessageKind = "booking.update"   // a new time or place (iMIP, raised SEQUENCE)
	MessageBookingCancel   MessageKind = "booking.cancel"   // iMIP CANCEL
	MessageBookingReminder MessageKind = "booking.reminder" // the day before
	MessageCredentialLapse MessageKind = "credential.lapse" // 60, 30 and 7 days before a lapse
	MessageSignInLink      MessageKind = "signin.link"      // a single-use sign-in link
	// To the social worker who asked.
	MessageOfferAccepted    MessageKind = "offer.accepted"
	MessageOfferDeclined    MessageKind = "offer.declined"
	MessageOfferExpired     MessageKind = "offer.expired"
	MessageOfferUnfilled    MessageKind = "offer.unfilled"
	MessageBookingWithdrawn MessageKind = "booking.withdrawn" // withdrawn by a rule
	// To coordinators.
	MessageDailySummary MessageKind = "summary.daily"
	MessageLinksChurn   MessageKind = "case.links_churn" // a case's community links changed often today
	// MessageTransferRequested tells the receiving organisation's
	// coordinators of a case sent to them; MessageTransferAnswered tells
	// the coordinator who sent it how it was answered.
	MessageTransferRequested MessageKind = "transfer.requested"
	MessageTransferAnswered  MessageKind = "transfer.answered"
	// MessageTransferWithdrawn tells the receiving organisation's
	// coordinators that a case sent to them was taken back.
	MessageTransferWithdrawn MessageKind = "transfer.withdrawn"
	// MessageSafeguardingIncident: an interpreter was alone with the child.
	MessageSafeguardingIncident MessageKind = "safeguarding.incident"
	// MessageDebriefOffer: an interpreter marked an interview distressing;
	// offer them a debrief.
	MessageDebriefOffer MessageKind = "wellbeing.debrief"
)

// MessageStatus is where a message stands in delivery.
type MessageStatus string

// The message statuses: queued → sent; queued → failed (to be retried)
// → sent | dead; a dead letter is retried by a coordinator (→ queued). A
// scheduled message whose subject changed before it was due (a reminder
// of a booking since moved or cancelled) is superseded instead of sent.
const (
	MessageQueued     MessageStatus = "queued"
	MessageSent       MessageStatus = "sent"
	MessageFailed     MessageStatus = "failed"
	MessageDead       MessageStatus = "dead"
	MessageSuperseded MessageStatus = "superseded"
)

// MessageStatuses lists every MessageStatus.
var MessageStatuses = []MessageStatus{MessageQueued, MessageSent, MessageFailed, MessageDead, MessageSuperseded}

// Redacted is the message as a delivery list shows it: what it is, to
// whom by role, and how its delivery went; never its subject, bodies,
// calendar or address.
func (m Message) Redacted() Message {
	m.To, m.ToName, m.Subject, m.Text, m.HTML, m.Calendar = "", "", "", "", "", nil
	return m
}

// Pending reports whether the message is still to be sent: queued or
// failed (and so retried).
func (m Message) Pending() bool { return m.Status == MessageQueued || m.Status == MessageFailed }

// Limits of a message.
const (
	// MaxMessageBody bounds a message's text, HTML and calendar each.
	MaxMessageBody = 256 << 10
	// MaxLastError bounds the reason a delivery failed.
	MaxLastError = 300
)

// Validate checks a message's invariants.
func (m Message) Validate() error {
	var p problems
	if m.ID == "" {
		p.add("id", "is required")
	}
	if m.Kind == "" {
		p.add("kind", "is required")
	}
	if m.To == "" && m.Pruned.IsZero() {
		p.add("to", "is required")
	} else {
		p.text("to", m.To, MaxEmailLength, oneLine)
	}
	p.text("toName", m.ToName, MaxNameLength, oneLine)
	p.text("subject", m.Subject, MaxNameLength*2, oneLine)
	if len(m.Text) > MaxMessageBody || len(m.HTML) > MaxMessageBody || len(m.Calendar) > MaxMessageBody {
		p.add("body", fmt.Sprintf("must be at most %d bytes", MaxMessageBody))
	}
	if len(m.Calendar) > 0 && m.CalendarMethod != "REQUEST" && m.CalendarMethod != "CANCEL" {
		p.add("calendarMethod", "must be REQUEST or CANCEL with a calendar")
	}
	if !oneOf(m.Status, MessageStatuses) {
		p.add("status", "must be one of "+list(MessageStatuses))
	}
	if m.Due.IsZero() {
		p.add("due", "is required")
	}
	return p.err()
}

// MessageQuery selects messages of one organisation, newest first.
type MessageQuery struct {
	// Organisation is required, unless InterpreterID is set and no other
	// field: then the query keeps the messages about that interpreter
	// (sent to them, or about them to others) in every organisation.
	Organisation  string
	InterpreterID string
	Status        MessageStatus
	BookingID     string
	OfferID       string
	// Before is a cursor: messages whose ID sorts before it (older).
	Before string
	Limit  int
}

// OutboxStore keeps the outbox. Messages are only ever written by the
// Change that causes them (Change.Messages); the deliverer claims the due
// ones, and marks each sent or failed.
type OutboxStore interface {
	// ClaimDue leases to holder, until now+lease, up to limit messages
	// that are due at now (pending, Due and NextAttempt passed, and no
	// lease in force), earliest first, and returns them as leased. Two
	// deliverers claiming at once, in one instance or many, never both
	// hold one message; a lease that lapses (its holder died) lets
	// another claim it.
	ClaimDue(ctx context.Context, now time.Time, lease time.Duration, holder string, limit int) ([]Message, error)
	// SettleSent records, in one write, that holder sent each of the
	// messages settled names (status sent, counting the attempt) or found
	// it no longer applies (superseded, no attempt), at its time: its
	// subject, bodies and calendar are cleared, its lease ends, and it is
	// never claimed again. Each message settles on its own, all or
	// nothing: a message holder does not hold (its lease lapsed and another
	// claimed it, or it is settled already) is not written, and its ID is
	// in conflicts, as is an ID no message has; the others are settled
	// all the same. A holder that does not hold a message it sent is a
	// conflict, not an error: the holder that does decides its fate.
	// ErrInvalid (a *ValidationError, see ValidateSettlements), writing
	// nothing, for no holder or a list that is empty, too long
	// (MaxSettlements), or holds an ID twice, no ID, no time or another
	// status. Any other error may leave some of the messages settled and
	// others not: each stays held by holder until its lease ends.
	SettleSent(ctx context.Context, holder string, settled []Settlement) (conflicts []string, err error)
	// MarkFailed records that holder's attempt failed with reason: failed,
	// to be tried again at next, or dead when dead is true; the lease
	// ends. ErrConflict when holder no longer holds the message (it lapsed
	// and another claimed it, or it is settled already; nothing is
	// written); ErrNotFound for an unknown ID.
	MarkFailed(ctx context.Context, id, holder, reason string, next time.Time, dead bool) error
	// Message returns the message with this ID, or ErrNotFound.
	Message(ctx context.Context, id string) (Message, error)
	// UpdateMessage changes a message through fn (see Update): what a
	// coordinator's retry of a dead letter does. ErrInvalid when fn changes
	// its ID, kind, organisation or recipient.
	UpdateMessage(ctx context.Context, id string, fn Update[Message]) (Message, error)
	// ListMessages returns one organisation's messages matching q, or
	// those about one interpreter in every organisation, newest first.
	// ErrInvalid without an organisation, unless InterpreterID alone is set.
	ListMessages(ctx context.Context, q MessageQuery) (Page[Message], error)
}

// Settlement is how a held message was settled: sent, or superseded (it
// no longer applies), at At. SettleSent records a batch of them.
type Settlement struct {
	ID     string
	Status MessageStatus // MessageSent or MessageSuperseded
	At     time.Time
}

// MaxSettlements bounds the settlements of one SettleSent: a claim's
// worth (ClaimDue returns at most MaxPageSize).
const MaxSettlements = MaxPageSize

// ValidateSettlements checks one SettleSent's arguments: a holder, and
// 1 to MaxSettlements settlements, each of a distinct ID, sent or
// superseded, at a time. It returns a *ValidationError naming the field.
func ValidateSettlements(holder string, settled []Settlement) error {
	var p problems
	if holder == "" {
		p.add("holder", "is required")
	}
	if len(settled) == 0 || len(settled) > MaxSettlements {
		p.add("settled", fmt.Sprintf("must hold 1 to %d messages", MaxSettlements))
	}
	seen := make(map[string]bool, len(settled))
	for i, st := range settled {
		f := fmt.Sprintf("settled[%d]", i)
		switch {
		case st.ID == "":
			p.add(f+".id", "is required")
		case seen[st.ID]:
			p.add(f+".id", "appears twice")
		}
		seen[st.ID] = true
		if st.Status != MessageSent && st.Status != MessageSuperseded {
			p.add(f+".status", "must be sent or superseded")
		}
		if st.At.IsZero() {
			p.add(f+".at", "is required")
		}
	}
	return p.err()
}

// Settle returns m as st settles it: sent at st.At counting the attempt,
// or superseded without one; its subject, bodies and calendar cleared
// (the metadata stays, for the delivery list) and its lease ended.
func (m Message) Settle(st Settlement) Message {
	if st.Status == MessageSent {
		m.Attempts++
	}
	m.Status, m.SentAt = st.Status, st.At
	m.Subject, m.Text, m.HTML, m.Calendar = "", "", "", nil
	m.LeaseHolder, m.LeaseUntil = "", time.Time{}
	return m
}

// CheckUpdate refuses, with a *ValidationError, an update that changes
// what a message never changes: its ID, kind, organisation, recipient and
// creation time.
func (m Message) CheckUpdate(old Message) error {
	var p problems
	p.same("id", m.ID, old.ID)
	p.same("kind", string(m.Kind), string(old.Kind))
	p.same("organisation", m.Organisation, old.Organisation)
	if m.Pruned.IsZero() || !old.Pruned.IsZero() { // pruning removes it
		p.same("to", m.To, old.To)
	}
	p.sameTime("createdAt", m.CreatedAt, old.CreatedAt)
	return p.err()
}
