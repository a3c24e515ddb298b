package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// notificationView is a message as the delivery list shows it: what it
// is, to whom by role, how its delivery went; never its subject, body or
// address.
type notificationView struct {
	ID            string             `json:"id"`
	Kind          data.MessageKind   `json:"kind"`
	Channel       string             `json:"channel"`
	RecipientRole data.Role          `json:"recipientRole"`
	Status        data.MessageStatus `json:"status"`
	Attempts      int                `json:"attempts"`
	LastError     string             `json:"lastError,omitempty"`
	BookingID     string             `json:"bookingId,omitempty"`
	OfferID       string             `json:"offerId,omitempty"`
	Due           time.Time          `json:"due"`
	NextAttempt   *time.Time         `json:"nextAttempt,omitempty"`
	SentAt        *time.Time         `json:"sentAt,omitempty"`
	CreatedAt     time.Time          `json:"createdAt"`
}

func toNotificationView(m data.Message) notificationView {
	v := notificationView{ID: m.ID, Kind: m.Kind, Channel: "email", RecipientRole: m.RecipientRole, Status: m.Status,
		Attempts: m.Attempts, LastError: m.LastError, BookingID: m.BookingID, OfferID: m.OfferID, Due: m.Due.UTC(),
		SentAt: when(m.SentAt), CreatedAt: m.CreatedAt.UTC()}
	if m.Status == data.MessageFailed {
		v.NextAttempt = when(m.NextAttempt)
	}
	return v
}

// listNotifications pages through the caller's organisation's messages.
func (s *Server) listNotifications(c *fiber.Ctx) error {
	limit, err := queryInt(c, "limit", data.DefaultPageSize, 1, data.MaxPageSize)
	if err != nil {
		return err
	}
	scope := c.Query("scope")
	if scope != "" && scope != "organisation" && scope != "register" {
		return &data.ValidationError{Errors: []data.FieldError{{Field: "scope", Message: "must be organisation or register"}}}
	}
	actor, _ := caller(c)
	page, err := s.app.ListNotifications(c.UserContext(), actor, app.NotificationFilter{
		Status: data.MessageStatus(c.Query("status")), BookingID: c.Query("bookingId"), OfferID: c.Query("offerId"),
		Register: scope == "register", Cursor: c.Query("cursor"), Limit: limit,
	})
	if err != nil {
		return err
	}
	return writeJSON(c, toPageView(page, toNotificationView))
}

// retryNotification puts a dead or failed message back in the queue.
func (s *Server) retryNotification(c *fiber.Ctx) error {
	actor, _ := caller(c)
	m, err := s.app.RetryNotification(c.UserContext(), actor, c.Params("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, toNotificationView(m))
}
