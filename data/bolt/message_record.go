package bolt

import (
	"encoding/json"
	"time"

	"github.com/tolk/tolk/data"
)

var (
	bucketMessages = []byte("messages") // ID → record: the outbox
	// "<org>\x00<id>" and "<org>\x00<status>\x00<id>": an organisation's
	// messages, and those in one status, newest first by ID.
	bucketMessagesByOrg       = "messages_by_org"
	bucketMessagesByOrgStatus = "messages_by_org_status"
	// "<org>\x00<booking ID>\x00<id>", with "<status>\x00<offer ID>" as
	// value, and "<org>\x00<offer ID>\x00<id>", with the status as value:
	// the messages about one booking or one offer (each has few, so a
	// status filter, and an offer filter of a booking's, reads the values).
	bucketMessagesByOrgBooking = "messages_by_org_booking"
	bucketMessagesByOrgOffer   = "messages_by_org_offer"
	// "<ready key>\x00<id>" for each pending message (queued or failed),
	// the ready key being readyAt as a start key (see booking_keys.go):
	// what ClaimDue seeks, earliest first, up to now. A message leaves it
	// in the write that settles it (sent, superseded, dead).
	bucketMessagesDue = "messages_due"
	// bucketMessagesAboutInterpreter holds the messages about an
	// interpreter (sent to them, or about them to others), in every
	// organisation: whom their data was sent to (subject access).
	bucketMessagesAboutInterpreter = "messages_by_interpreter"
	// "<created key>\x00<id>" for each settled message (sent, dead,
	// superseded) not yet pruned: what retention walks.
	bucketMessagesToPrune = "messages_to_prune"
)

var messageKind = recordKind{
	bucket: bucketMessages,
	indexes: []string{
		bucketMessagesByOrg, bucketMessagesByOrgStatus, bucketMessagesByOrgBooking, bucketMessagesByOrgOffer,
		bucketMessagesDue, bucketMessagesAboutInterpreter, bucketMessagesToPrune,
	},
	entries: decode(messageRecord.toMessage, messageIndexes),
}

// messageIndexes derives every index entry of a message (in its stored
// form) from its organisation, status, booking, offer and readiness.
func messageIndexes(m data.Message) []indexEntry {
	status := string(m.Status)
	out := []indexEntry{
		{bucket: bucketMessagesByOrg, key: indexKey(m.Organisation, m.ID)},
		{bucket: bucketMessagesByOrgStatus, key: indexKey(m.Organisation, status, m.ID)},
	}
	if m.BookingID != "" {
		out = append(out, indexEntry{bucket: bucketMessagesByOrgBooking, key: indexKey(m.Organisation, m.BookingID, m.ID), value: indexKey(status, m.OfferID)})
	}
	if m.OfferID != "" {
		out = append(out, indexEntry{bucket: bucketMessagesByOrgOffer, key: indexKey(m.Organisation, m.OfferID, m.ID), value: status})
	}
	if m.InterpreterID != "" {
		out = append(out, indexEntry{bucket: bucketMessagesAboutInterpreter, key: indexKey(m.InterpreterID, m.ID)})
	}
	if m.Pending() {
		out = append(out, indexEntry{bucket: bucketMessagesDue, key: indexKey(startKey(readyAt(m)), m.ID)})
	}
	if m.Settled() && m.Pruned.IsZero() {
		out = append(out, indexEntry{bucket: bucketMessagesToPrune, key: indexKey(startKey(m.CreatedAt), m.ID)})
	}
	return out
}

// readyAt is when a pending message may next be claimed: once it is due,
// its next attempt has come, and any lease on it has run out. A claim at
// now finds exactly the messages whose readyAt is at or before now.
func readyAt(m data.Message) time.Time {
	t := m.Due
	if m.NextAttempt.After(t) {
		t = m.NextAttempt
	}
	if m.LeaseHolder != "" && m.LeaseUntil.After(t) {
		t = m.LeaseUntil
	}
	return t
}

// messageRecord is a message as the messages bucket stores it, in JSON.
// It holds no derived fields: index keys come from messageIndexes.
type messageRecord struct {
	ID             string `json:"id"`
	Kind           string `json:"kind"`
	Organisation   string `json:"organisation"`
	RecipientRole  string `json:"recipientRole,omitempty"`
	To             string `json:"to"`
	ToName         string `json:"toName,omitempty"`
	Subject        string `json:"subject,omitempty"`
	Text           string `json:"text,omitempty"`
	HTML           string `json:"html,omitempty"`
	Calendar       []byte `json:"calendar,omitempty"` // base64 in JSON
	CalendarMethod string `json:"calendarMethod,omitempty"`
	BookingID      string `json:"bookingId,omitempty"`
	OfferID        string `json:"offerId,omitempty"`
	InterpreterID  string `json:"interpreterId,omitempty"`
	Due            string `json:"due"`
	Sequence       int    `json:"sequence,omitempty"`
	Status         string `json:"status"`
	Attempts       int    `json:"attempts,omitempty"`
	LastError      string `json:"lastError,omitempty"`
	NextAttempt    string `json:"nextAttempt,omitempty"`
	LeaseHolder    string `json:"leaseHolder,omitempty"`
	LeaseUntil     string `json:"leaseUntil,omitempty"`
	CreatedAt      string `json:"createdAt"`
	SentAt         string `json:"sentAt,omitempty"`
	Pruned         string `json:"pruned,omitempty"`
	Version        int64  `json:"version"`
}

func fromMessage(m data.Message) messageRecord {
	return messageRecord{
		ID: m.ID, Kind: string(m.Kind), Organisation: m.Organisation, RecipientRole: string(m.RecipientRole),
		To: m.To, ToName: m.ToName, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
		Calendar: m.Calendar, CalendarMethod: m.CalendarMethod,
		BookingID: m.BookingID, OfferID: m.OfferID, InterpreterID: m.InterpreterID,
		Due: encodeTime(m.Due), Sequence: m.Sequence, Status: string(m.Status),
		Attempts: m.Attempts, LastError: m.LastError, NextAttempt: encodeTime(m.NextAttempt),
		LeaseHolder: m.LeaseHolder, LeaseUntil: encodeTime(m.LeaseUntil),
		CreatedAt: encodeTime(m.CreatedAt), SentAt: encodeTime(m.SentAt), Pruned: encodeTime(m.Pruned), Version: m.Version,
	}
}

func (r messageRecord) toMessage() data.Message {
	return data.Message{
		ID: r.ID, Kind: data.MessageKind(r.Kind), Organisation: r.Organisation, RecipientRole: data.Role(r.RecipientRole),
		To: r.To, ToName: r.ToName, Subject: r.Subject, Text: r.Text, HTML: r.HTML,
		Calendar: r.Calendar, CalendarMethod: r.CalendarMethod,
		BookingID: r.BookingID, OfferID: r.OfferID, InterpreterID: r.InterpreterID,
		Due: decodeTime(r.Due), Sequence: r.Sequence, Status: data.MessageStatus(r.Status),
		Attempts: r.Attempts, LastError: r.LastError, NextAttempt: decodeTime(r.NextAttempt),
		LeaseHolder: r.LeaseHolder, LeaseUntil: decodeTime(r.LeaseUntil),
		CreatedAt: decodeTime(r.CreatedAt), SentAt: decodeTime(r.SentAt), Pruned: decodeTime(r.Pruned), Version: r.Version,
	}
}

// storedMessage is m as the store keeps and returns it: times in UTC,
// truncated to the millisecond. Index keys (its ready time above all)
// come from this form, so they say exactly what is stored.
func storedMessage(m data.Message) data.Message {
	m = fromMessage(m).toMessage()
	m.Calendar = append([]byte(nil), m.Calendar...) // not the caller's array
	return m
}

// decodeMessage decodes a stored message. Each call decodes afresh: no
// two callers share a slice.
func decodeMessage(raw []byte) (data.Message, error) {
	var r messageRecord
	err := json.Unmarshal(raw, &r)
	return r.toMessage(), err
}
