package web

import (
	"net/http"
	"slices"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// The delivery list: the messages tolk sent, or tries to send, for the
// coordinator's organisation, as the app redacts them (what each is, to
// whom by role, how its delivery went; never a subject, body or address),
// newest first, by status; a dead letter is put back in the queue with
// Retry.

// notificationsPage is how many messages a page of the list shows.
const notificationsPage = 30

// messageKindWords say what a message is.
var messageKindWords = map[data.MessageKind]string{
	data.MessageOfferInvitation:  "Offer to interpret",
	data.MessageOfferWithdrawn:   "Offer withdrawn",
	data.MessageBookingRequest:   "Calendar invitation",
	data.MessageBookingUpdate:    "Booking changed",
	data.MessageBookingCancel:    "Booking cancelled",
	data.MessageBookingReminder:  "Reminder the day before",
	data.MessageCredentialLapse:  "Check or training lapsing",
	data.MessageSignInLink:       "Sign-in link",
	data.MessageOfferAccepted:    "Offer accepted",
	data.MessageOfferDeclined:    "Offer declined",
	data.MessageOfferExpired:     "Offer not answered in time",
	data.MessageOfferUnfilled:    "Offer unfilled",
	data.MessageBookingWithdrawn: "Booking withdrawn by a rule",
	data.MessageDailySummary:     "Daily summary",
	// Issue 17: to coordinators.
	data.MessageSafeguardingIncident: "Safeguarding incident",
	data.MessageDebriefOffer:         "Debrief to offer",
	// To coordinators: a child moves council.
	data.MessageTransferRequested: "Case transferred to you",
	data.MessageTransferAnswered:  "Transfer answered",
	data.MessageTransferWithdrawn: "Transfer withdrawn by its sender",
}

// messageStatusWords say where a message stands, and statusTabs name each
// status as a filter of the list, in the order the filters show.
var (
	messageStatusWords = map[data.MessageStatus]string{
		data.MessageQueued:     "Waiting to be sent",
		data.MessageSent:       "Sent",
		data.MessageFailed:     "Failed: will be tried again",
		data.MessageDead:       "Not delivered",
		data.MessageSuperseded: "Not needed: the booking changed",
	}
	statusTabs = []statusTab{
		{"", "All"}, {data.MessageDead, "Not delivered"}, {data.MessageFailed, "Being retried"},
		{data.MessageQueued, "Waiting"}, {data.MessageSent, "Sent"}, {data.MessageSuperseded, "Not needed"},
	}
)

// statusTab is one filter of the list.
type statusTab struct {
	Status data.MessageStatus
	Words  string
}

// Href is the filter's address.
func (t statusTab) Href() string {
	if t.Status == "" {
		return "/notifications"
	}
	return "/notifications?status=" + string(t.Status)
}

// notificationRow is one message in the list.
type notificationRow struct {
	data.Message
}

// KindWords says what the message is.
func (m notificationRow) KindWords() string {
	if w, ok := messageKindWords[m.Kind]; ok {
		return w
	}
	return string(m.Kind)
}

// StatusWords says where its delivery stands.
func (m notificationRow) StatusWords() string {
	if w, ok := messageStatusWords[m.Status]; ok {
		return w
	}
	return string(m.Status)
}

// Dead reports whether the message is a dead letter, which a coordinator
// may retry.
func (m notificationRow) Dead() bool { return m.Status == data.MessageDead }

// notificationsView is the delivery list.
type notificationsView struct {
	Items  []notificationRow
	Status string
	// Register: the list is of the register's messages (reminders to
	// interpreters of their lapsing credentials), not the organisation's.
	Register bool
	Tabs     []statusTab
	Next     string // the next page's address, or ""
}

// notifications lists the organisation's messages, newest first, by
// status.
func (p *Pages) notifications(r *request) error {
	return p.notificationsWith(r, value(r.c, "status"), value(r.c, "cursor"), nil)
}

func (p *Pages) notificationsWith(r *request, status, cursor string, errs fieldErrors) error {
	register := value(r.c, "scope") == "register"
	page, err := p.app.ListNotifications(r.ctx(), r.user, app.NotificationFilter{Status: data.MessageStatus(status),
		Register: register, Cursor: cursor, Limit: notificationsPage})
	if err != nil {
		return err
	}
	v := notificationsView{Status: status, Tabs: statusTabs, Register: register}
	for _, m := range page.Items {
		v.Items = append(v.Items, notificationRow{m})
	}
	if page.Next != "" {
		v.Next = "/notifications?" + query("status", status, "cursor", page.Next)
		if register {
			v.Next += "&scope=register"
		}
	}
	return p.renderForm(r, "notifications", "Notifications", v, errs)
}

// retryNotification puts a dead letter back in the queue, and comes back
// to the list as it was filtered. A message that is no longer dead (the
// deliverer or another coordinator moved it on) is said so above the list.
func (p *Pages) retryNotification(r *request) error {
	status := value(r.c, "status")
	if !slices.Contains(data.MessageStatuses, data.MessageStatus(status)) {
		status = ""
	}
	_, err := p.app.RetryNotification(r.ctx(), r.user, r.c.Params("id"))
	if f := app.Classify(err); f.Kind == app.KindConflict && f.Code == "message_not_dead" {
		r.c.Status(http.StatusConflict)
		return p.notificationsWith(r, status, "", fieldErrors{{Message: "That message was not retried: only a message that was not delivered can be, and it is no longer one. The list shows where it stands."}})
	}
	if err != nil {
		return err
	}
	return r.c.Redirect("/notifications?"+query("status", status, "notice", "retried"), http.StatusSeeOther)
}
