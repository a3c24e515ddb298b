package datatest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// runMessages runs the conformance tests of the outbox: messages land
// with the change that causes them or not at all, a message already there
// is not written again, deliverers claim what is due under leases that
// never let two hold one message, and the delivery list pages from its
// indexes.
func runMessages(t *testing.T, newDB NewDatabase) {
	t.Run("MessagesLandWithTheirChange", func(t *testing.T) { testMessagesLand(t, newDB(t)()) })
	t.Run("RefusedChangesLandNoMessage", func(t *testing.T) { testRefusedChangesLandNoMessage(t, newDB(t)()) })
	t.Run("MessagesOfLostRacesDoNotLand", func(t *testing.T) { testMessagesOfLostRaces(t, newDB(t)) })
	t.Run("MessageAlreadyInTheOutbox", func(t *testing.T) { testMessageAlreadyInTheOutbox(t, newDB(t)()) })
	t.Run("ClaimDue", func(t *testing.T) { testClaimDue(t, newDB(t)()) })
	t.Run("ClaimRace", func(t *testing.T) { testClaimRace(t, newDB(t)) })
	t.Run("LapsedLease", func(t *testing.T) { testLapsedLease(t, newDB(t)()) })
	t.Run("SettleSent", func(t *testing.T) { testSettleSent(t, newDB(t)()) })
	t.Run("SettleSentConflicts", func(t *testing.T) { testSettleSentConflicts(t, newDB(t)()) })
	t.Run("SettleSentInvalid", func(t *testing.T) { testSettleSentInvalid(t, newDB(t)()) })
	t.Run("SettleRace", func(t *testing.T) { testSettleRace(t, newDB(t)) })
	t.Run("MarkFailedAndDeadLetters", func(t *testing.T) { testMarkFailed(t, newDB(t)()) })
	t.Run("MessageListings", func(t *testing.T) { testMessageListings(t, newDB(t)()) })
	t.Run("MessageRetention", func(t *testing.T) { testMessageRetention(t, newDB(t)()) })
	t.Run("MessageUpdateFunction", func(t *testing.T) { testUpdateFunction(t, newDB(t)(), messageUpdates) })
}

var messageSeq int

// newMessage is a queued invitation of an interpreter in org, due at due,
// with every body and a calendar.
func newMessage(org string, kind data.MessageKind, due time.Time) data.Message {
	messageSeq++
	now := base.Add(time.Duration(messageSeq) * time.Millisecond)
	return data.Message{
		ID: data.NewID(now), Kind: kind, Organisation: org, RecipientRole: data.RoleInterpreter,
		To: fmt.Sprintf("interpreter%d@example.org", messageSeq), ToName: fmt.Sprintf("Interpreter %d", messageSeq),
		Subject: "An interview on 7 December", Text: "You are invited.\r\n", HTML: "<p>You are invited.</p>",
		Calendar:       []byte("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"),
		CalendarMethod: "REQUEST", InterpreterID: "int-1", Due: due, Sequence: 2,
		Status: data.MessageQueued, CreatedAt: now,
	}
}

// storedMessage returns m as a store gives it back: times in UTC, to the
// millisecond.
func storedMessage(m data.Message) data.Message {
	m.Due, m.NextAttempt, m.LeaseUntil = data.Timestamp(m.Due), data.Timestamp(m.NextAttempt), data.Timestamp(m.LeaseUntil)
	m.CreatedAt, m.SentAt = data.Timestamp(m.CreatedAt), data.Timestamp(m.SentAt)
	return m
}

// landed is m as it lands with a change: at version 1.
func landed(m data.Message) data.Message {
	m = storedMessage(m)
	m.Version = 1
	return m
}

// with returns ch carrying the messages too.
func with(ch data.Change, messages ...data.Message) data.Change {
	ch.Messages = append(slices.Clip(ch.Messages), messages...)
	return ch
}

// messageChange is a change of its own carrying messages, as a sign-in
// link or a scheduled reminder lands (AppendChange).
func messageChange(messages ...data.Message) data.Change {
	entry := data.NewAuditEntry(base, actor, "north", data.ActionMessageRetried, data.EntityMessage, "outbox")
	return with(data.Audited(entry), messages...)
}

// appendMessages lands messages through AppendChange.
func appendMessages(t *testing.T, s data.Store, messages ...data.Message) {
	t.Helper()
	if err := s.AppendChange(t.Context(), messageChange(messages...)); err != nil {
		t.Fatalf("AppendChange with %d messages: %v", len(messages), err)
	}
}

// wantMessage fails the test unless the store holds want.
func wantMessage(t *testing.T, s data.Store, want data.Message, what string) {
	t.Helper()
	got, err := s.Message(t.Context(), want.ID)
	if err != nil {
		t.Errorf("%s: Message(%s): %v", what, want.ID, err)
	} else if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("%s: stored message (-want +got):\n%s", what, diff)
	}
}

// wantNoMessage fails the test if a message with this ID is stored.
func wantNoMessage(t *testing.T, s data.Store, id, what string) {
	t.Helper()
	if m, err := s.Message(t.Context(), id); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("%s: message %s stored: %+v, %v", what, id, m, err)
	}
}

// messageIDs lists the IDs of messages, in order.
func messageIDs(ms []data.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

// messageUpdates is how testUpdateFunction changes a message: what a
// coordinator's retry does, through UpdateMessage.
var messageUpdates = updates[data.Message]{
	create: func(t *testing.T, s data.Store) data.Message {
		m := newMessage("north", data.MessageBookingRequest, base)
		appendMessages(t, s, m)
		return landed(m)
	},
	id:          func(m data.Message) string { return m.ID },
	get:         data.Store.Message,
	update:      data.Store.UpdateMessage,
	version:     func(m data.Message) int64 { return m.Version },
	withVersion: func(m data.Message, v int64) data.Message { m.Version = v; return m },
	change: func(m data.Message) data.Message {
		m.Status, m.Attempts, m.LastError, m.NextAttempt = data.MessageFailed, 3, "421 4.7.0 try again later", later
		return m
	},
	entry: func(m data.Message) data.AuditEntry {
		return data.NewAuditEntry(base, actor, m.Organisation, data.ActionMessageRetried, data.EntityMessage, m.ID)
	},
	scribble: func(m data.Message) { m.Calendar[0] = 'X' },
	invalid: map[string]func(data.Message) data.Message{
		"id":           func(m data.Message) data.Message { m.ID = data.NewID(later); return m },
		"kind":         func(m data.Message) data.Message { m.Kind = data.MessageBookingCancel; return m },
		"organisation": func(m data.Message) data.Message { m.Organisation = "south"; return m },
		"to":           func(m data.Message) data.Message { m.To = "someone@example.org"; return m },
		"createdAt":    func(m data.Message) data.Message { m.CreatedAt = m.CreatedAt.Add(time.Second); return m },
		"status, none": func(m data.Message) data.Message { m.Status = ""; return m },
		"due, none":    func(m data.Message) data.Message { m.Due = time.Time{}; return m },
	},
}
