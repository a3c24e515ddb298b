package mongodb

import (
	"fmt"
	"slices"
	"time"

	"github.com/tolk/tolk/data"
)

// messageDocument is a message of the outbox as stored, with ready, the
// key ClaimDue reads, derived from the message on every write: when a
// pending message may next be claimed (see readyAt), absent once it is
// settled (sent, superseded, dead). Times are BSON dates (UTC, to the
// millisecond). Version is the message's: 1 as its change lands it, one
// more for every claim, mark and update, each of which first takes that
// version's entry in the message's ledger (messages.go).
type messageDocument struct {
	ID             string    `bson:"_id"`
	Kind           string    `bson:"kind"`
	Organisation   string    `bson:"organisation"`
	RecipientRole  string    `bson:"recipientRole,omitempty"`
	To             string    `bson:"to"`
	ToName         string    `bson:"toName,omitempty"`
	Subject        string    `bson:"subject,omitempty"`
	Text           string    `bson:"text,omitempty"`
	HTML           string    `bson:"html,omitempty"`
	Calendar       []byte    `bson:"calendar,omitempty"`
	CalendarMethod string    `bson:"calendarMethod,omitempty"`
	BookingID      string    `bson:"bookingId,omitempty"`
	OfferID        string    `bson:"offerId,omitempty"`
	InterpreterID  string    `bson:"interpreterId,omitempty"`
	Due            time.Time `bson:"due"`
	Sequence       int       `bson:"sequence,omitempty"`
	Status         string    `bson:"status"`
	Attempts       int       `bson:"attempts,omitempty"`
	LastError      string    `bson:"lastError,omitempty"`
	NextAttempt    time.Time `bson:"nextAttempt,omitempty"`
	LeaseHolder    string    `bson:"leaseHolder,omitempty"`
	LeaseUntil     time.Time `bson:"leaseUntil,omitempty"`
	CreatedAt      time.Time `bson:"createdAt"`
	SentAt         time.Time `bson:"sentAt,omitempty"`
	Ready          time.Time `bson:"ready,omitempty"` // derived, indexed: pending messages only
	// Pruned is absent until retention prunes the message: retention's
	// index selects, status by status, the messages whose pruned is null.
	Pruned  *time.Time `bson:"pruned,omitempty"`
	Version int64      `bson:"version"`
}

// messageEntry is an entry of a message's ledger of versions: _id
// "<message ID>#<version>", inserted by the one writer that writes that
// version (a claim, a mark, an update) and never changed or deleted. It
// holds the message at that version, so that the version can be written
// to the message's document by a reader when its writer did not (see
// messages.go): whole for an update, and without the subject, bodies and
// calendar when they are as the version before had them (Bodies false),
// so that a claim does not copy them. Token tells its writer the entry is
// its own when the answer to its insert was lost. Version is the entry's
// own, always 1, as a lock stamps the records it creates: an update's lock
// that finds the entry taken then reads it as another change's, and loses
// (errStale).
type messageEntry struct {
	ID      string          `bson:"_id"`
	Message string          `bson:"message"`
	At      time.Time       `bson:"at"` // when its writer inserted it, by the writer's clock
	Token   string          `bson:"token,omitempty"`
	Doc     messageDocument `bson:"doc"`
	Bodies  bool            `bson:"bodies,omitempty"`
	Version int64           `bson:"version"`
}

// messageEntryID is the _id of the ledger entry of version n of a message.
func messageEntryID(id string, n int64) string { return fmt.Sprintf("%s#%d", id, n) }

// after returns the message at the entry's version, the version before
// being prev.
func (e messageEntry) after(prev messageDocument) messageDocument {
	d := e.Doc
	if !e.Bodies {
		d.Subject, d.Text, d.HTML, d.Calendar = prev.Subject, prev.Text, prev.HTML, prev.Calendar
	}
	return d
}

// readyAt is when a pending message may next be claimed: once it is due,
// its next attempt has come and any lease on it has run out; the zero
// time for a settled message, which is never claimed.
func readyAt(m data.Message) time.Time {
	if !m.Pending() {
		return time.Time{}
	}
	t := m.Due
	if m.NextAttempt.After(t) {
		t = m.NextAttempt
	}
	if m.LeaseHolder != "" && m.LeaseUntil.After(t) {
		t = m.LeaseUntil
	}
	return data.Timestamp(t)
}

func fromMessage(m data.Message) messageDocument {
	return messageDocument{
		ID: m.ID, Kind: string(m.Kind), Organisation: m.Organisation, RecipientRole: string(m.RecipientRole),
		To: m.To, ToName: m.ToName, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
		Calendar: slices.Clone(m.Calendar), CalendarMethod: m.CalendarMethod,
		BookingID: m.BookingID, OfferID: m.OfferID, InterpreterID: m.InterpreterID,
		Due: data.Timestamp(m.Due), Sequence: m.Sequence, Status: string(m.Status),
		Attempts: m.Attempts, LastError: m.LastError, NextAttempt: data.Timestamp(m.NextAttempt),
		LeaseHolder: m.LeaseHolder, LeaseUntil: data.Timestamp(m.LeaseUntil),
		CreatedAt: data.Timestamp(m.CreatedAt), SentAt: data.Timestamp(m.SentAt),
		Ready: readyAt(m), Pruned: optionalTime(m.Pruned), Version: m.Version,
	}
}

// toMessage returns the message d holds, its calendar a copy of its own:
// an update function may change what it gets in place.
func (d messageDocument) toMessage() data.Message {
	return data.Message{
		ID: d.ID, Kind: data.MessageKind(d.Kind), Organisation: d.Organisation, RecipientRole: data.Role(d.RecipientRole),
		To: d.To, ToName: d.ToName, Subject: d.Subject, Text: d.Text, HTML: d.HTML,
		Calendar: slices.Clone(d.Calendar), CalendarMethod: d.CalendarMethod,
		BookingID: d.BookingID, OfferID: d.OfferID, InterpreterID: d.InterpreterID,
		Due: utc(d.Due), Sequence: d.Sequence, Status: data.MessageStatus(d.Status),
		Attempts: d.Attempts, LastError: d.LastError, NextAttempt: utc(d.NextAttempt),
		LeaseHolder: d.LeaseHolder, LeaseUntil: utc(d.LeaseUntil),
		CreatedAt: utc(d.CreatedAt), SentAt: utc(d.SentAt), Pruned: fromOptionalTime(d.Pruned), Version: d.Version,
	}
}

// cut returns s with at most n characters.
func cut(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
