package api

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// weeklyHoursView is one span of working hours: "mon", "09:00", "17:00".
type weeklyHoursView struct {
	Day  string `json:"day" validate:"required,weekday"`
	From string `json:"from" validate:"required"`
	To   string `json:"to" validate:"required"`
}

// periodView is one period of time off.
type periodView struct {
	Start time.Time `json:"start" validate:"required"`
	End   time.Time `json:"end" validate:"required"`
}

// availabilityInput is the body of PUT .../availability, and what GET
// answers (with the record's version beside it).
type availabilityInput struct {
	TimeZone    string            `json:"timeZone" validate:"timezonelen"`
	Weekly      []weeklyHoursView `json:"weekly" validate:"weeklyspans,dive"`
	Unavailable []periodView      `json:"unavailable" validate:"unavailable,dive"`
}

type availabilityView struct {
	InterpreterID string `json:"interpreterId"`
	availabilityInput
	Version int64 `json:"version"`
}

func toAvailabilityView(av app.Availability) availabilityView {
	v := availabilityView{InterpreterID: av.InterpreterID, Version: av.Version,
		availabilityInput: availabilityInput{TimeZone: av.TimeZone, Weekly: []weeklyHoursView{}, Unavailable: []periodView{}}}
	if v.TimeZone == "" {
		v.TimeZone = data.London.String()
	}
	for _, w := range av.Weekly {
		v.Weekly = append(v.Weekly, weeklyHoursView{Day: data.WeekdayName(w.Day), From: w.From.String(), To: w.To.String()})
	}
	for _, p := range av.Unavailable {
		v.Unavailable = append(v.Unavailable, periodView{Start: p.Start.UTC(), End: p.End.UTC()})
	}
	return v
}

// toAvailability reads the body into data's form, naming each bad field.
func (in availabilityInput) toAvailability() (data.Availability, error) {
	out := data.Availability{TimeZone: in.TimeZone}
	bad := &data.ValidationError{}
	for i, w := range in.Weekly {
		f := "weekly[" + strconv.Itoa(i) + "]"
		day, err := data.ParseWeekday(w.Day)
		if err != nil {
			addField(bad, f+".day", err.Error())
		}
		from, err := data.ParseClock(w.From)
		if err != nil {
			addField(bad, f+".from", err.Error())
		}
		to, err := data.ParseClock(w.To)
		if err != nil {
			addField(bad, f+".to", err.Error())
		}
		out.Weekly = append(out.Weekly, data.WeeklyHours{Day: day, From: from, To: to})
	}
	for _, p := range in.Unavailable {
		out.Unavailable = append(out.Unavailable, data.Period{Start: p.Start, End: p.End})
	}
	if len(bad.Errors) > 0 {
		return out, bad
	}
	return out, nil
}

// getAvailability shows an interpreter's declared hours and time off, with
// the record's version as the ETag a change names.
func (s *Server) getAvailability(c *fiber.Ctx) error {
	actor, _ := caller(c)
	av, err := s.app.GetAvailability(c.UserContext(), actor, c.Params("id"))
	if err != nil {
		return err
	}
	setETag(c, av.Version)
	return writeJSON(c, toAvailabilityView(av))
}

// putAvailability replaces an interpreter's declared hours and time off
// (If-Match with the version read).
func (s *Server) putAvailability(c *fiber.Ctx) error {
	version, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	var req availabilityInput
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	av, err := req.toAvailability()
	if err = mergeInvalid(validateStruct(&req), mergeInvalid(err, av.Validate())); err != nil {
		return err
	}
	actor, _ := caller(c)
	got, err := s.app.UpdateAvailability(c.UserContext(), actor, c.Params("id"), version, av)
	if err != nil {
		return err
	}
	setETag(c, got.Version)
	return writeJSON(c, toAvailabilityView(got))
}
