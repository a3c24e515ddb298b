package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tolk/tolk/data"
)

// Sender delivers one message, once. Package mail's senders (SMTP, a
// Maildir) are wired in by cmd. An error wrapping ErrUndeliverable is a
// permanent refusal (a 5xx: retrying will not help); any other error is
// taken for a passing one (a 4xx, a connection that failed) and retried.
type Sender interface {
	Send(ctx context.Context, m data.Message) error
}

// ErrUndeliverable marks a refusal that no retry will mend: the message
// goes to the dead letters at once.
var ErrUndeliverable = errors.New("undeliverable")

// Delivery limits: a lease long enough to send one message, retries with
// backoff from Config.FirstRetry (a minute) doubling to an hour, and dead
// after MaxAttempts (about eight hours of trying).
const (
	DeliveryLease = 2 * time.Minute
	maxRetry      = time.Hour
	MaxAttempts   = 12
)

// retryAfter is how long to wait after the attempt-th failed attempt.
func (a *App) retryAfter(attempt int) time.Duration {
	d := a.firstRetry
	for i := 1; i < attempt && d < maxRetry; i++ {
		d *= 2
	}
	return min(d, maxRetry)
}

// Deliver sends the messages due now, up to limit, as holder (one name
// per deliverer: instances share the outbox, and a message is held by one
// of them at a time). Each is sent at least once: a temporary failure is
// retried later with backoff, a permanent one or too many attempts make it
// a dead letter that coordinators see and retry. A reminder whose booking
// changed since it was written is superseded, not sent. It returns how
// many it sent; an error means the store could not be asked (the messages
// it holds are retried when their lease ends).
//
// What it sent or superseded is recorded in one store write for the batch
// (SettleSent), at its end, and sooner: once the oldest send not yet
// recorded, or the batch's leases, are a quarter of DeliveryLease old,
// each send is recorded before the next; and no send starts once the
// leases are three quarters old (the rest wait for a later claim), so a
// slow mail server leaves a lease to lapse on a message already sent only
// when one send outlasts a quarter of the lease; and however the batch ends: on an error, or
// when ctx ends, on a context of its own bounded by settleTimeout, so a
// service that stops records what it sent. A failed attempt is recorded
// at once, for that message alone (MarkFailed). So a crash between
// sending and recording sends again, once their lease ends, at most the
// messages of one batch: those sent since its last write.
func (a *App) Deliver(ctx context.Context, s Sender, holder string, limit int) (int, error) {
	d, err := a.DeliverDue(ctx, s, holder, limit)
	return d.Sent, err
}

// Delivered is what one DeliverDue did: how many due messages it claimed,
// and how many of those it sent (the others failed, no longer applied,
// or were left for a later claim).
type Delivered struct {
	Claimed, Sent int
}

// DeliverDue is Deliver, telling how many messages it claimed as well as
// how many it sent: a deliverer whose claim came back full claims again
// at once, whatever became of the messages, as more may be due.
func (a *App) DeliverDue(ctx context.Context, s Sender, holder string, limit int) (Delivered, error) {
	claimed := a.stamp()
	due, err := a.store.ClaimDue(ctx, claimed, DeliveryLease, holder, limit)
	if err != nil {
		return Delivered{}, err
	}
	b := &settling{app: a, holder: holder, claimed: claimed}
	sent, err := a.deliver(ctx, s, b, due)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	if ferr := b.flush(sctx); ferr != nil {
		err = errors.Join(err, ferr)
	}
	return Delivered{Claimed: len(due), Sent: sent}, err
}

// settleTimeout bounds the write that records a batch's sent messages
// once the batch has ended, whatever ended it: shorter than the drain a
// stopping service allows its workers.
const settleTimeout = 5 * time.Second

// deliver sends due, adding what it sent or superseded to b, and returns
// how many it sent. It stops at the first error of the store, or when ctx
// ends; what b holds then is the caller's to record.
func (a *App) deliver(ctx context.Context, s Sender, b *settling, due []data.Message) (int, error) {
	sent := 0
	for _, m := range due {
		if b.overdue(a.stamp()) {
			if err := b.flush(ctx); err != nil {
				return sent, err
			}
		}
		if a.stamp().Sub(b.claimed) >= DeliveryLease*3/4 {
			// The rest's leases end soon: no send starts that another
			// deliverer might start again; they are claimed afresh later.
			return sent, nil
		}
		if stale, err := a.superseded(ctx, m); err != nil {
			return sent, err
		} else if stale {
			b.add(m, data.MessageSuperseded, a.stamp())
			continue
		}
		sendErr := s.Send(ctx, m)
		if sendErr == nil {
			sent++
			b.add(m, data.MessageSent, a.stamp())
			continue
		}
		if ctx.Err() != nil {
			return sent, ctx.Err() // stopping: the lease ends, another tries
		}
		attempt := m.Attempts + 1
		dead := errors.Is(sendErr, ErrUndeliverable) || attempt >= MaxAttempts
		reason := sendErr.Error()
		if len(reason) > data.MaxLastError {
			reason = reason[:data.MaxLastError]
		}
		next := a.stamp().Add(a.retryAfter(attempt))
		if err := a.store.MarkFailed(ctx, m.ID, b.holder, reason, next, dead); err != nil && !errors.Is(err, data.ErrConflict) {
			return sent, err
		}
		// The reason stays in the message's LastError, for coordinators:
		// a server's refusal often quotes the recipient's address, which
		// no log line carries. The log keeps the reply code.
		code := 0
		if coded, ok := errors.AsType[interface {
			error
			StatusCode() int
		}](sendErr); ok {
			code = coded.StatusCode()
		}
		a.log.WarnContext(ctx, "message not sent", "message_id", m.ID, "kind", string(m.Kind), "attempt", attempt, "dead", dead, "smtp_code", code)
	}
	return sent, nil
}

// settling holds what one Deliver sent or superseded and has not yet
// recorded, in the order it happened.
type settling struct {
	app      *App
	holder   string
	claimed  time.Time // when the batch's leases began
	done     []data.Settlement
	messages []data.Message // done's messages, for their log lines
}

// add holds m, settled as status at at, for the next flush.
func (b *settling) add(m data.Message, status data.MessageStatus, at time.Time) {
	b.done = append(b.done, data.Settlement{ID: m.ID, Status: status, At: at})
	b.messages = append(b.messages, m)
}

// overdue reports whether what b holds must be recorded before the next
// send: the oldest settlement held is a quarter of DeliveryLease old at
// now, or the batch's leases are (from then on every send is recorded
// before the next, as one write a message did).
func (b *settling) overdue(now time.Time) bool {
	return len(b.done) > 0 && (now.Sub(b.done[0].At) >= DeliveryLease/4 || now.Sub(b.claimed) >= DeliveryLease/4)
}

// flush records what b holds in one store write and logs each message
// sent, after the write, so that the log says sent only of what the store
// has recorded, or of a message whose lease another deliverer took before
// the write (lease_lost: that one holds it now and may send it again).
// A conflict is no error, as it was for one message: the holder that
// holds the message decides its fate. On an error b keeps what it holds.
func (b *settling) flush(ctx context.Context) error {
	if len(b.done) == 0 {
		return nil
	}
	conflicts, err := b.app.store.SettleSent(ctx, b.holder, b.done)
	if err != nil {
		return err
	}
	for i, m := range b.messages {
		if b.done[i].Status != data.MessageSent {
			continue
		}
		attrs := []any{"message_id", m.ID, "kind", string(m.Kind), "attempt", m.Attempts + 1}
		if slices.Contains(conflicts, m.ID) {
			attrs = append(attrs, "lease_lost", true)
		}
		b.app.log.InfoContext(ctx, "message sent", attrs...)
	}
	b.done, b.messages = b.done[:0], b.messages[:0]
	return nil
}

// superseded reports whether a scheduled message no longer applies: a
// reminder of a booking that was cancelled, or moved (its sequence moved
// on) since the reminder was written.
func (a *App) superseded(ctx context.Context, m data.Message) (bool, error) {
	if m.Kind != data.MessageBookingReminder || m.BookingID == "" {
		return false, nil
	}
	b, err := a.store.Booking(ctx, m.BookingID)
	if errors.Is(err, data.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("booking of message %s: %w", m.ID, err)
	}
	return b.Status != data.BookingConfirmed || b.Sequence != m.Sequence, nil
}

// NotificationFilter is what a coordinator may ask of the delivery list.
type NotificationFilter struct {
	Status             data.MessageStatus
	BookingID, OfferID string
	// Register lists the register's messages instead of the
	// organisation's: the reminders to interpreters of their lapsing
	// credentials, which belong to no organisation (coordinators only).
	Register bool
	Cursor   string
	Limit    int
}

// ListNotifications pages through the messages of the actor's
// organisation (coordinators and admins), newest first: what was sent to
// whom (by role), when, how many attempts, the last error. Never their
// bodies: the caller shows kind, channel, recipient role and state.
func (a *App) ListNotifications(ctx context.Context, actor data.User, f NotificationFilter) (data.Page[data.Message], error) {
	if err := require(actor, data.RoleCoordinator, data.RoleAdmin); err != nil {
		return data.Page[data.Message]{}, err
	}
	if f.Status != "" && !oneOf(f.Status, data.MessageStatuses) {
		return data.Page[data.Message]{}, invalid("status", "must be one of queued, sent, failed, dead, superseded")
	}
	org := actor.Organisation
	if f.Register {
		if err := require(actor, data.RoleCoordinator); err != nil {
			return data.Page[data.Message]{}, err
		}
		org = data.ScopeRegister
	}
	page, err := a.store.ListMessages(ctx, data.MessageQuery{Organisation: org, Status: f.Status,
		BookingID: f.BookingID, OfferID: f.OfferID, Before: f.Cursor, Limit: f.Limit})
	for i := range page.Items {
		page.Items[i] = page.Items[i].Redacted()
	}
	return page, err
}

// RetryNotification puts a dead letter of the actor's organisation back
// in the queue, to be tried at once with its attempts counted afresh. A
// message still being retried by the deliverer (failed) is left to it.
func (a *App) RetryNotification(ctx context.Context, actor data.User, id string) (data.Message, error) {
	if err := require(actor, data.RoleCoordinator, data.RoleAdmin); err != nil {
		return data.Message{}, err
	}
	now := a.stamp()
	m, err := a.store.UpdateMessage(ctx, id, func(m data.Message) (data.Message, data.Change, error) {
		switch {
		case m.Organisation != actor.Organisation && (m.Organisation != data.ScopeRegister || actor.Role != data.RoleCoordinator):
			return m, data.Change{}, fmt.Errorf("message %s: %w", id, data.ErrNotFound)
		case m.Status != data.MessageDead:
			return m, data.Change{}, &data.StateError{Code: "message_not_dead", Reason: "only a dead letter can be retried; this one is " + string(m.Status)}
		case !m.Pruned.IsZero():
			return m, data.Change{}, &data.StateError{Code: "message_pruned", Reason: "retention removed what this dead letter said and to whom: it can no longer be retried"}
		}
		m.Status, m.Attempts, m.NextAttempt, m.LeaseHolder, m.LeaseUntil = data.MessageQueued, 0, now, "", time.Time{}
		return m, audited(now, actor, actor.Organisation, data.ActionMessageRetried, data.EntityMessage, m.ID), nil
	})
	return m.Redacted(), err
}
