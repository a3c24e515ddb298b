package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
)

const benchOrganisation = "bench"

func seed(ctx context.Context, s *bolt.Store, v volume, now time.Time) (seeded, error) {
	r := rand.New(rand.NewPCG(v.seed, 7))
	// Availability draws from a stream of its own, so that a file seeded
	// with it holds the same interpreters, cases and bookings as one seeded
	// without, and the default output stays as it was.
	ra := rand.New(rand.NewPCG(v.seed, 11))
	system := data.User{ID: data.ActorSystem, Organisation: benchOrganisation}
	stamp := data.Timestamp(now)
	today := data.DateOf(now)
	res := seeded{Interpreters: v.interpreters, Cases: v.cases, Bookings: v.bookings}

	for _, u := range []struct {
		id   string
		role data.Role
		key  *string
	}{{"bench-coordinator", data.RoleCoordinator, &res.CoordinatorKey}, {"bench-social-worker", data.RoleSocialWorker, &res.SocialWorkerKey}} {
		*u.key = data.NewAPIKey()
		user := data.User{ID: u.id, Name: "Bench " + string(u.role), Email: u.id + "@bench.tolk.invalid", Role: u.role,
			Organisation: benchOrganisation, KeyHash: data.HashKey(*u.key), CreatedAt: stamp, UpdatedAt: stamp}
		if err := s.CreateUser(ctx, user, data.Audited(data.NewAuditEntry(now, system, benchOrganisation, data.ActionUserCreated, data.EntityUser, user.ID))); err != nil {
			return res, err
		}
	}

	ids := make([]string, v.interpreters)
	genders := []data.Gender{data.GenderFemale, data.GenderFemale, data.GenderMale, data.GenderNonbinary, data.GenderUndisclosed}
	for i := range v.interpreters {
		in := data.Interpreter{
			ID: fmt.Sprintf("bench-int-%05d", i), Name: fmt.Sprintf("Bench Interpreter %d (fictional)", i),
			Email: fmt.Sprintf("int%d@bench.tolk.invalid", i), Phone: "+44 7700 900000",
			Gender:     genders[r.IntN(len(genders))],
			Languages:  []data.LanguageSkill{{Tag: pickLanguage(r), Proficiency: data.ProficiencyNative}, {Tag: "en", Proficiency: data.ProficiencyFluent}},
			Modalities: []data.Modality{data.ModalityInPerson, data.ModalityVideo, data.ModalityPhone},
			Regions:    []string{"GB-LND", "GB-BIR", "GB-MAN"}[:1+r.IntN(3)],
			Qualifications: []data.Qualification{{Kind: []data.QualificationKind{data.QualificationDPSI, data.QualificationDPSILaw, data.QualificationNRPSIFull, data.QualificationCIOL}[r.IntN(4)],
				Awarded: today.AddDays(-1000 - r.IntN(2000))}},
			Training: []data.Training{
				{Kind: []data.TrainingKind{data.TrainingChildProtectionL1, data.TrainingChildProtectionL2, data.TrainingChildProtectionL3}[r.IntN(3)], Completed: today.AddDays(-r.IntN(600)), Expires: today.AddDays(30 + r.IntN(900))},
				{Kind: data.TrainingABEInterviewing, Completed: today.AddDays(-r.IntN(900))},
				{Kind: data.TrainingTrafficking, Completed: today.AddDays(-r.IntN(900))},
			},
			Clearance: data.Clearance{Level: data.ClearanceEnhancedBarredChildren, Certificate: fmt.Sprintf("00%010d", i),
				Issued: today.AddDays(-r.IntN(700)), ValidUntil: today.AddDays(20 + r.IntN(1000)), UpdateService: true},
			Agreements: data.Agreements{ConfidentialitySigned: today.AddDays(-r.IntN(700))},
			Experience: data.Experience{ChildInterviews: r.IntN(80), TraffickingCases: r.IntN(40), Years: r.IntN(20)},
			Vetting:    data.Vetting{Status: data.VettingApproved, DecidedBy: "bench-coordinator", DecidedAt: stamp},
			Version:    1, CreatedAt: stamp, UpdatedAt: stamp,
		}
		if r.IntN(100) < 12 {
			in.Vetting.Status = []data.VettingStatus{data.VettingPending, data.VettingSuspended, data.VettingRejected}[r.IntN(3)]
		}
		if r.IntN(100) < 30 {
			in.CommunityLinks = []data.CommunityLink{{Kind: data.LinkCountry, Value: []string{"IQ", "ER", "AF", "SY", "VN", "AL"}[r.IntN(6)]}}
		}
		if in.Languages[0].Tag == "en" {
			in.Languages = in.Languages[1:]
		}
		if v.availability {
			in.Availability = seedAvailability(ra, now)
			if err := in.Availability.Validate(); err != nil {
				return res, fmt.Errorf("interpreter %d: %w", i, err)
			}
		}
		ids[i] = in.ID
		if err := s.CreateInterpreter(ctx, in, data.Audited(data.NewAuditEntry(now, system, data.ScopeRegister, data.ActionInterpreterCreated, data.EntityInterpreter, in.ID))); err != nil {
			return res, fmt.Errorf("interpreter %d: %w", i, err)
		}
	}

	cases := make([]data.Case, v.cases)
	for i := range v.cases {
		lang := pickLanguage(r)
		if i == 0 {
			lang = "ckb"
		}
		c := data.Case{
			ID: fmt.Sprintf("bench-case-%05d", i), Organisation: benchOrganisation, Reference: fmt.Sprintf("BENCH-%05d", i),
			Child: data.Child{Languages: []string{lang}, InterpreterGender: data.GenderWish{Preference: data.GenderFemale, Required: i%3 == 0},
				CommunityLinks: []data.CommunityLink{{Kind: data.LinkTown, Value: fmt.Sprintf("Town %d", r.IntN(300))}}, AvoidOwnCommunity: i%4 == 0, AgeBand: data.Age12To15},
			CreatedBy: "bench-social-worker", Version: 1, CreatedAt: stamp, UpdatedAt: stamp,
		}
		cases[i] = c
		if err := s.CreateCase(ctx, c, data.Audited(data.NewAuditEntry(now, system, benchOrganisation, data.ActionCaseCreated, data.EntityCase, c.ID))); err != nil {
			return res, fmt.Errorf("case %d: %w", i, err)
		}
	}

	// Bookings spread over the year around now, none overlapping per
	// interpreter: each interpreter's bookings are laid out in time order.
	perInterpreter := make(map[int][]time.Time)
	for range v.bookings {
		i := r.IntN(v.interpreters)
		start := now.Add(time.Duration(r.IntN(365*24)-182*24) * time.Hour).Truncate(time.Hour)
		perInterpreter[i] = append(perInterpreter[i], start)
	}
	n := 0
	for i := range v.interpreters {
		starts := perInterpreter[i]
		sort.Slice(starts, func(a, b int) bool { return starts[a].Before(starts[b]) })
		var last time.Time
		for _, start := range starts {
			if start.Before(last.Add(time.Hour)) {
				start = last.Add(time.Hour) // keep a free hour between them
			}
			end := start.Add(time.Duration(60+30*r.IntN(3)) * time.Minute)
			last = end
			c := cases[r.IntN(len(cases))]
			b := data.Booking{
				ID: fmt.Sprintf("bench-booking-%06d", n), Organisation: benchOrganisation, CaseID: c.ID, CaseReference: c.Reference,
				InterpreterID: ids[i], BookedBy: "bench-social-worker", Start: start, End: end,
				InterviewType: data.InterviewSocialWork, Modality: data.ModalityVideo, Location: "Video",
				Status: data.BookingConfirmed, Confirmation: data.ConfirmationDirect, Match: data.MatchSnapshot{Score: 50},
				// Random cases at random times: two may meet, as a case's
				// second interpreter.
				Additional: true,
				Version:    1, CreatedAt: stamp, UpdatedAt: stamp,
			}
			if end.Before(now) {
				b.Status = data.BookingCompleted
				b.Outcome = &data.Outcome{Attended: true, ChildComfortable: r.IntN(10) > 0, RecordedBy: "bench-social-worker", RecordedAt: end}
			}
			if err := s.CreateBooking(ctx, b, data.Audited(data.NewAuditEntry(now, system, benchOrganisation, data.ActionBookingCreated, data.EntityBooking, b.ID))); err != nil {
				return res, fmt.Errorf("booking %d: %w", n, err)
			}
			n++
		}
	}
	res.SoraniCaseID = cases[0].ID
	day := today.AddDays(7).String()
	res.MatchBody = map[string]any{"start": day + "T10:00:00Z", "end": day + "T11:30:00Z", "interviewType": "social_work", "modality": "video"}
	return res, nil
}

// seedAvailability returns one interpreter's declared availability, all in
// Europe/London: Monday to Friday 08:00-18:00; about one in three also
// Saturday 09:00-13:00; and about one in ten a week away, from midnight on
// one of the 14 days after now's, so that about half of those (one in
// twenty of all) are away for the load run's match a week from now.
func seedAvailability(r *rand.Rand, now time.Time) data.Availability {
	a := data.Availability{TimeZone: "Europe/London"}
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday} {
		a.Weekly = append(a.Weekly, data.WeeklyHours{Day: d, From: 8 * 60, To: 18 * 60})
	}
	if r.IntN(3) == 0 {
		a.Weekly = append(a.Weekly, data.WeeklyHours{Day: time.Saturday, From: 9 * 60, To: 13 * 60})
	}
	if r.IntN(10) == 0 {
		l := now.In(data.London)
		start := time.Date(l.Year(), l.Month(), l.Day()+1+r.IntN(14), 0, 0, 0, 0, data.London)
		a.Unavailable = []data.Period{{Start: start.UTC(), End: start.AddDate(0, 0, 7).UTC()}}
	}
	return a
}
