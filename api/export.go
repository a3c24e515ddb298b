package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// exportView is everything held about one interpreter (subject access):
// see app.Export for what it leaves out, and why.
type exportView struct {
	GeneratedAt   time.Time                `json:"generatedAt"`
	Interpreter   interpreterView          `json:"interpreter"`
	Availability  availabilityView         `json:"availability"`
	Invitations   []exportInvitationView   `json:"invitations"`
	Bookings      []exportBookingView      `json:"bookings"`
	Audit         []exportAuditView        `json:"audit"`
	Notifications []exportNotificationView `json:"notifications"`
	Account       *exportAccountView       `json:"account"` // null without a user account
	AccountAudit  []exportAuditView        `json:"accountAudit"`
	Actions       []exportActionView       `json:"actions"`
}

// exportAccountView is the interpreter's own user account.
type exportAccountView struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Email         string    `json:"email"`
	Role          data.Role `json:"role"`
	Organisation  string    `json:"organisation"`
	AccessRevoked bool      `json:"accessRevoked"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// exportActionView is one thing the interpreter did as their user.
type exportActionView struct {
	At         time.Time       `json:"at"`
	Action     data.Action     `json:"action"`
	EntityType data.EntityType `json:"entityType"`
	EntityID   string          `json:"entityId"`
}

type exportInvitationView struct {
	OfferID       string                `json:"offerId"`
	Organisation  string                `json:"organisation"`
	Status        data.InvitationStatus `json:"status"`
	Asked         time.Time             `json:"asked,omitzero"`
	RespondBy     time.Time             `json:"respondBy,omitzero"`
	Answered      time.Time             `json:"answered,omitzero"`
	Decline       data.DeclineReason    `json:"declineReason,omitempty"`
	Start         time.Time             `json:"start"`
	End           time.Time             `json:"end"`
	InterviewType data.InterviewType    `json:"interviewType"`
	Modality      data.Modality         `json:"modality"`
	Language      string                `json:"language"`
	BookingID     string                `json:"bookingId,omitempty"`
}

type exportBookingView struct {
	ID            string             `json:"id"`
	Organisation  string             `json:"organisation"`
	Start         time.Time          `json:"start"`
	End           time.Time          `json:"end"`
	Language      string             `json:"language"`
	InterviewType data.InterviewType `json:"interviewType"`
	Modality      data.Modality      `json:"modality"`
	Status        data.BookingStatus `json:"status"`
	Confirmation  data.Confirmation  `json:"confirmation"`
	CreatedAt     time.Time          `json:"createdAt"`
	UpdatedAt     time.Time          `json:"updatedAt"`
}

type exportAuditView struct {
	At           time.Time   `json:"at"`
	Action       data.Action `json:"action"`
	Organisation string      `json:"organisation"`
}

type exportNotificationView struct {
	ID            string             `json:"id"`
	Kind          data.MessageKind   `json:"kind"`
	Organisation  string             `json:"organisation"`
	RecipientRole data.Role          `json:"recipientRole"`
	Status        data.MessageStatus `json:"status"`
	CreatedAt     time.Time          `json:"createdAt"`
	SentAt        time.Time          `json:"sentAt,omitzero"`
	Attempts      int                `json:"attempts"`
}

func toExportView(e app.Export) exportView {
	in := e.Interpreter
	in.Vetting.DecidedBy = "" // a coordinator's user ID: the audit names the organisation
	v := exportView{
		GeneratedAt:  e.At,
		Interpreter:  toInterpreterView(app.Interpreter{Interpreter: in, Full: true}),
		Availability: toAvailabilityView(app.Availability{InterpreterID: in.ID, Availability: in.Availability, Version: in.Version}),
		Invitations:  []exportInvitationView{}, Bookings: []exportBookingView{}, Audit: []exportAuditView{}, Notifications: []exportNotificationView{},
		AccountAudit: []exportAuditView{}, Actions: []exportActionView{},
	}
	if a := e.Account; a != nil {
		v.Account = &exportAccountView{ID: a.ID, Name: a.Name, Email: a.Email, Role: a.Role, Organisation: a.Organisation,
			AccessRevoked: a.AccessRevoked, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
	}
	for _, a := range e.AccountAudit {
		v.AccountAudit = append(v.AccountAudit, exportAuditView(a))
	}
	for _, a := range e.Actions {
		v.Actions = append(v.Actions, exportActionView(a))
	}
	for _, i := range e.Invitations {
		v.Invitations = append(v.Invitations, exportInvitationView{OfferID: i.OfferID, Organisation: i.Organisation, Status: i.Status,
			Asked: i.Asked, RespondBy: i.RespondBy, Answered: i.Answered, Decline: i.Decline, Start: i.Start, End: i.End,
			InterviewType: i.InterviewType, Modality: i.Modality, Language: i.Language, BookingID: i.BookingID})
	}
	for _, b := range e.Bookings {
		v.Bookings = append(v.Bookings, exportBookingView(b))
	}
	for _, a := range e.Audit {
		v.Audit = append(v.Audit, exportAuditView(a))
	}
	for _, n := range e.Notifications {
		v.Notifications = append(v.Notifications, exportNotificationView(n))
	}
	return v
}

// exportInterpreter answers everything held about one interpreter, to a
// coordinator or the interpreter themself; the export is audited.
func (s *Server) exportInterpreter(c *fiber.Ctx) error {
	actor, _ := caller(c)
	e, err := s.app.ExportInterpreter(c.UserContext(), actor, c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return writeJSON(c, toExportView(e))
}
