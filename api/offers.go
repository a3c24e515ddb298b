package api

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

type offerRequest struct {
	CaseID               string    `json:"caseId" validate:"required,idlen"`
	Start                time.Time `json:"start" validate:"required"`
	End                  time.Time `json:"end" validate:"required"`
	InterviewType        string    `json:"interviewType" validate:"required,interviewtype"`
	Modality             string    `json:"modality" validate:"required,modality"`
	Region               string    `json:"region" validate:"codelen"`
	Location             string    `json:"location" validate:"locationlen"`
	JoinDetails          string    `json:"joinDetails" validate:"joindetailslen"`
	InterpreterIDs       []string  `json:"interpreterIds" validate:"required,invitees,dive,required,idlen"`
	Mode                 string    `json:"mode" validate:"required,offermode"`
	RespondWithinMinutes int       `json:"respondWithinMinutes" validate:"min=0"`
	Additional           bool      `json:"additional"`
}

type acceptRequest struct {
	NoKnownConflict bool `json:"noKnownConflict"`
}

type declineRequest struct {
	Reason string `json:"reason" validate:"omitempty,declinereason"`
}

// inviteeView is one interpreter's failed rules (an offer nobody could be
// asked for).
type inviteeView struct {
	InterpreterID string       `json:"interpreterId"`
	Reasons       []reasonView `json:"reasons"`
}

type invitationView struct {
	InterpreterID string                `json:"interpreterId"`
	Status        data.InvitationStatus `json:"status"`
	Asked         *time.Time            `json:"asked,omitempty"`
	RespondBy     *time.Time            `json:"respondBy,omitempty"`
	Answered      *time.Time            `json:"answered,omitempty"`
	Reasons       []reasonView          `json:"reasons,omitempty"`
	// DeclineReason shows to coordinators only: a declared conflict is
	// nobody else's business.
	DeclineReason data.DeclineReason `json:"declineReason,omitempty"`
}

type offerView struct {
	ID            string             `json:"id"`
	CaseID        string             `json:"caseId"`
	CaseReference string             `json:"caseReference"`
	Status        data.OfferStatus   `json:"status"`
	Mode          data.OfferMode     `json:"mode"`
	Additional    bool               `json:"additional"`
	Start         time.Time          `json:"start"`
	End           time.Time          `json:"end"`
	InterviewType data.InterviewType `json:"interviewType"`
	Modality      data.Modality      `json:"modality"`
	Region        string             `json:"region,omitempty"`
	Location      string             `json:"location"`
	JoinDetails   string             `json:"joinDetails,omitempty"`
	RespondWithin int                `json:"respondWithinMinutes"`
	Safety        safetyView         `json:"safety"`
	Invitations   []invitationView   `json:"invitations"`
	BookingID     string             `json:"bookingId,omitempty"`
	CancelReason  string             `json:"cancelReason,omitempty"`
	// OutcomeCode is how the offer ended (data.Offer.Code).
	OutcomeCode data.OutcomeCode `json:"outcomeCode,omitempty"`
	CreatedBy   string           `json:"createdBy"`
	Version     int64            `json:"version"`
	CreatedAt   time.Time        `json:"createdAt"`
	UpdatedAt   time.Time        `json:"updatedAt"`
}

// when is t for JSON: absent when zero.
func when(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// toOfferView is an offer as the caller may see it: the reason of a
// decline only to coordinators.
func toOfferView(o data.Offer, actor data.User) offerView {
	v := offerView{
		ID: o.ID, CaseID: o.CaseID, CaseReference: o.CaseReference, Status: o.Status, Mode: o.Mode, Additional: o.Additional, Start: o.Start, End: o.End,
		InterviewType: o.InterviewType, Modality: o.Modality, Region: o.Region, Location: o.Location, JoinDetails: o.JoinDetails,
		RespondWithin: int(o.RespondWithin / time.Minute), Invitations: []invitationView{}, BookingID: o.BookingID,
		Safety:       toSafetyView(data.Booking{Start: o.Start, End: o.End, Modality: o.Modality, Safety: o.Safety}),
		CancelReason: o.CancelReason, OutcomeCode: o.Code, CreatedBy: o.CreatedBy, Version: o.Version, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
	}
	for _, inv := range o.Invitations {
		iv := invitationView{InterpreterID: inv.InterpreterID, Status: inv.Status, Asked: when(inv.Asked), RespondBy: when(inv.RespondBy),
			Answered: when(inv.Answered), Reasons: toReasonViews(inv.Reasons)}
		if actor.Role == data.RoleCoordinator {
			iv.DeclineReason = inv.Decline
		}
		v.Invitations = append(v.Invitations, iv)
	}
	return v
}

// createOffer asks interpreters to take an interview.
func (s *Server) createOffer(c *fiber.Ctx) error {
	var req offerRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	actor, _ := caller(c)
	o, err := s.app.CreateOffer(c.UserContext(), actor, app.NewOffer{
		CaseID: req.CaseID, Start: req.Start, End: req.End, InterviewType: data.InterviewType(req.InterviewType),
		Modality: data.Modality(req.Modality), Region: req.Region, Location: req.Location, JoinDetails: req.JoinDetails,
		InterpreterIDs: req.InterpreterIDs, Mode: data.OfferMode(req.Mode), RespondWithinMinutes: req.RespondWithinMinutes,
		Additional: req.Additional,
	})
	if err != nil {
		return err
	}
	c.Location("/v1/offers/" + o.ID)
	return writeJSON(c.Status(http.StatusCreated), toOfferView(o, actor))
}

// getOffer shows an offer of the caller's organisation as it stands now.
func (s *Server) getOffer(c *fiber.Ctx) error {
	actor, _ := caller(c)
	o, err := s.app.GetOffer(c.UserContext(), actor, c.Params("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, toOfferView(o, actor))
}

// listOffers pages through the caller's organisation's offers.
func (s *Server) listOffers(c *fiber.Ctx) error {
	limit, err := queryInt(c, "limit", data.DefaultPageSize, 1, data.MaxPageSize)
	if err != nil {
		return err
	}
	actor, _ := caller(c)
	page, err := s.app.ListOffers(c.UserContext(), actor, app.OfferFilter{
		CaseID: c.Query("caseId"), Status: data.OfferStatus(c.Query("status")), Cursor: c.Query("cursor"), Limit: limit,
	})
	if err != nil {
		return err
	}
	return writeJSON(c, toPageView(page, func(o data.Offer) offerView { return toOfferView(o, actor) }))
}

// cancelOffer ends an open offer.
func (s *Server) cancelOffer(c *fiber.Ctx) error {
	var req cancelRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	actor, _ := caller(c)
	o, err := s.app.CancelOffer(c.UserContext(), actor, c.Params("id"), req.Reason)
	if err != nil {
		return err
	}
	return writeJSON(c, toOfferView(o, actor))
}

// acceptOffer books the calling interpreter, who declares no known conflict.
func (s *Server) acceptOffer(c *fiber.Ctx) error {
	var req acceptRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	actor, _ := caller(c)
	b, err := s.app.AcceptOffer(c.UserContext(), actor, c.Params("id"), req.NoKnownConflict)
	if err != nil {
		return err
	}
	c.Location("/v1/me/bookings/" + b.ID)
	return writeJSON(c.Status(http.StatusCreated), toMyBookingView(b))
}

// declineOffer records the calling interpreter's refusal.
func (s *Server) declineOffer(c *fiber.Ctx) error {
	var req declineRequest
	if len(c.Body()) > 0 {
		if err := decode(c, &req); err != nil {
			return err
		}
	}
	actor, _ := caller(c)
	inv, err := s.app.DeclineOffer(c.UserContext(), actor, c.Params("id"), data.DeclineReason(req.Reason))
	if err != nil {
		return err
	}
	return writeJSON(c, toMyInvitationView(inv))
}

// myInvitationView is an offer as the invited interpreter sees it.
type myInvitationView struct {
	OfferID       string                `json:"offerId"`
	Organisation  string                `json:"organisation"`
	Status        data.InvitationStatus `json:"status"`
	Asked         *time.Time            `json:"asked,omitempty"`
	RespondBy     *time.Time            `json:"respondBy,omitempty"`
	Start         time.Time             `json:"start"`
	End           time.Time             `json:"end"`
	DurationMin   int                   `json:"durationMinutes"`
	InterviewType data.InterviewType    `json:"interviewType"`
	Modality      data.Modality         `json:"modality"`
	Region        string                `json:"region,omitempty"`
	Location      string                `json:"location,omitempty"`
	JoinDetails   string                `json:"joinDetails,omitempty"`
	Language      string                `json:"childLanguage"`
	AgeBand       data.AgeBand          `json:"childAgeBand,omitempty"`
	BookingID     string                `json:"bookingId,omitempty"`
	Safety        safetyView            `json:"safety"`
}

func toMyInvitationView(inv app.Invitation) myInvitationView {
	return myInvitationView{
		OfferID: inv.OfferID, Organisation: inv.Organisation, Status: inv.Status, Asked: when(inv.Asked), RespondBy: when(inv.RespondBy),
		Start: inv.Start, End: inv.End, DurationMin: int(inv.End.Sub(inv.Start) / time.Minute), InterviewType: inv.InterviewType,
		Modality: inv.Modality, Region: inv.Region, Location: inv.Location, JoinDetails: inv.JoinDetails, Language: inv.Language, AgeBand: inv.AgeBand, BookingID: inv.BookingID,
		Safety: toSafetyView(data.Booking{Start: inv.Start, End: inv.End, Modality: inv.Modality, Safety: inv.Safety}),
	}
}

// myInvitations pages through the calling interpreter's invitations.
func (s *Server) myInvitations(c *fiber.Ctx) error {
	limit, err := queryInt(c, "limit", data.DefaultPageSize, 1, data.MaxPageSize)
	if err != nil {
		return err
	}
	actor, _ := caller(c)
	page, err := s.app.MyInvitations(c.UserContext(), actor, data.InvitationStatus(c.Query("status")), c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return writeJSON(c, toPageView(page, toMyInvitationView))
}

// myBookings lists the bookings that hold the calling interpreter's time.
func (s *Server) myBookings(c *fiber.Ctx) error {
	from, to, err := queryPeriod(c)
	if err != nil {
		return err
	}
	actor, _ := caller(c)
	bookings, err := s.app.MyBookings(c.UserContext(), actor, from, to)
	if err != nil {
		return err
	}
	out := pageView[bookingView]{Items: make([]bookingView, 0, len(bookings))}
	for _, b := range bookings {
		out.Items = append(out.Items, toMyBookingView(b))
	}
	return writeJSON(c, out)
}

// myBooking shows one booking of the calling interpreter.
func (s *Server) myBooking(c *fiber.Ctx) error {
	actor, _ := caller(c)
	b, err := s.app.MyBooking(c.UserContext(), actor, c.Params("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, toMyBookingView(b))
}

// toMyBookingView is a booking as its interpreter sees it: the interview
// (with the case's reference, as their calendar invitation has it), never
// the ranking that chose them or the outcome's notes.
func toMyBookingView(b data.Booking) bookingView {
	v := toBookingView(b)
	v.CaseID, v.Match, v.Outcome = "", matchSnapshotView{Factors: []factorView{}, Warnings: []reasonView{}}, nil
	return v
}
