// Package matching finds and ranks interpreters for one interview: pure
// functions of their input, with no I/O, clock, logging or goroutines, so the
// same input always gives the same result and a past decision can be re-run.
//
// An interpreter is judged in two steps. The hard rules (rules.go) each give
// a stable reason code; failing any excludes the interpreter, and every rule
// that fails is reported. Safety is never traded for score. An interpreter
// who passes them all is a candidate, scored by soft factors (score.go),
// each with its points and a human reason; the score is their sum. Shared
// community ties never add points: they are conflicts, or warnings with a
// penalty. What each interview type requires is the Policy (policy.go).
//
// Match judges either records (Input.Pool and Input.Bookings) or members
// (Input.Members): the compact profiles and sorted slots a store keeps
// for it (data.PoolStore), judged by members.go's fast path with the same
// rules and words. The plain path stays as the reference a property test
// holds the fast one to, and for Evaluate.
package matching

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tolk/tolk/data"
)

// Request is the interview an interpreter is sought for.
type Request struct {
	Case          data.Case
	Start, End    time.Time
	InterviewType data.InterviewType
	Modality      data.Modality
	// Region is the ISO 3166-2 code of the place of an in_person interview;
	// required for in_person, ignored otherwise.
	Region string
	// IgnoreBookingID, when set, names a booking that does not make anyone
	// unavailable: the booking being rescheduled, so it does not collide
	// with itself.
	IgnoreBookingID string
	// Plan is the interview's safety plan (see Policy.Plan): its briefing,
	// debrief, arrival and staggered departure hold the interpreter's time
	// like the interview, for availability, working hours and
	// nextAvailable. The zero plan is the bare interview.
	Plan data.SafetyPlan
}

// HeldFrom and HeldUntil are the time the interview holds of its
// interpreter: from their arrival to their departure.
func (r Request) HeldFrom() time.Time { return r.Start.Add(-r.Plan.Lead()) }

// HeldUntil: see HeldFrom.
func (r Request) HeldUntil() time.Time { return r.End.Add(r.Plan.Tail()) }

// BookingsFrom is how far back Input.Bookings must reach for a request
// starting at start: the start of its London week (workload_limit), the
// policy's wellbeing period (recent_workload), and a day before the start
// (availability), whichever is earliest.
func BookingsFrom(start time.Time, p Policy) time.Time {
	week, _ := data.WorkWeek(start)
	from := start.Add(-24 * time.Hour)
	if week.Before(from) {
		from = week
	}
	if w := start.AddDate(0, 0, -p.WellbeingDays); w.Before(from) {
		from = w
	}
	return from
}

// Input is everything Match needs; it reads nothing else.
type Input struct {
	Request
	// Pool holds the interpreters to judge: those who speak the child's
	// languages or a related variety (see PoolLanguageKeys). Others may be
	// present; they are skipped, neither candidate nor excluded. Each
	// interpreter's declared Availability is read too (off_duty).
	Pool []data.Interpreter
	// Bookings holds the bookings that hold the pool's interpreters' time
	// (confirmed or completed: data.BookingStatus.HoldsTime) that start
	// from BookingsFrom to 15 days after Start. Cancelled ones and other
	// interpreters' bookings are ignored. They make interpreters
	// unavailable, count towards the workload caps (workload_limit), and
	// a distressing one lowers its interpreter's rank (recent_workload).
	Bookings []data.Booking
	// History holds the sittings of this case's bookings (any status),
	// and only this case's (data.BookingStore.CaseSittings): a completed
	// booking whose outcome says the child attended earns continuity;
	// an outcome saying the child attended and was not comfortable
	// excludes the interpreter (that wins).
	History []data.Sitting
	// Members, when not nil, holds the interpreters to judge in place of
	// Pool and Bookings, as a data.PoolStore returns them: each one's
	// profile and the slots of their bookings that hold their time, from
	// BookingsFrom to 15 days after Start (and, when Recent is nil, within
	// RecentWindow of Now), sorted by data.CompareSlots.
	// Match then judges them without reading Pool or Bookings, by the same
	// rules, to the same result (its fast path: see members.go).
	Members []data.PoolMember
	// Recent counts each interpreter's confirmed or completed bookings in
	// the 30 days before and after now (work given and work to come), by
	// interpreter ID; absent is 0. When it is nil and Members are given,
	// Match counts each candidate's slots that start within RecentWindow
	// of Now, which the slots must then cover.
	Recent map[string]int
	// Unreliable counts each interpreter's late cancellations and no-shows
	// in the last year, by interpreter ID; absent is 0.
	Unreliable map[string]int
	// Now is when the match is made. Only Validate reads it, to refuse a
	// slot that has already ended; every rule is judged at the interview,
	// not at Now, so re-running an old match gives the same answer.
	Now time.Time
}

// Candidate is an interpreter who passes every hard rule, with a score that
// is the sum of its factors' points, and warnings for the booker.
type Candidate struct {
	// Interpreter is the record judged, shared with the input (an element
	// of Pool, or a member's profile's): never change it.
	Interpreter *data.Interpreter
	Score       int
	Factors     []data.Factor
	Warnings    []data.Reason
}

// Snapshot returns the candidate's score, factors and warnings as a booking
// keeps them.
func (c Candidate) Snapshot() data.MatchSnapshot {
	return data.MatchSnapshot{Score: c.Score, Factors: c.Factors, Warnings: c.Warnings}
}

// Excluded is an interpreter who speaks the child's language or a related
// variety but fails at least one hard rule; Reasons lists every rule failed.
type Excluded struct {
	// Interpreter is the record judged, shared as Candidate's is.
	Interpreter *data.Interpreter
	Reasons     []data.Reason
	// NextAvailable, when the interpreter is ruled out only by time (as
	// unavailable, off duty, or both), is the earliest start at or after the
	// requested one, at most 14 days later, where the same duration fits
	// around their confirmed bookings (travel buffer included) and within
	// their declared hours, clear of their declared unavailability. Zero
	// otherwise, or when nothing fits.
	NextAvailable time.Time
}

// Result is the outcome of Match: candidates ranked by score, highest first
// (equal scores by interpreter ID), and excluded interpreters by ID.
//
// A Result judged from members (Input.Members) holds its candidates,
// excluded, factors, warnings and reasons in arrays the next match may
// reuse once Release is called: a caller that calls it copies first what
// it keeps. Not calling it is safe; the arrays are then collected.
type Result struct {
	Candidates []Candidate
	Excluded   []Excluded

	scratch *scratch
}

// Release hands the arrays of r to the next match over members. r, and
// every slice read from it (a candidate's Factors and Warnings, an
// excluded interpreter's Reasons), must not be used after it; the
// interpreters they point to are the input's and stay valid. Release on
// a Result that is not from members, or a second time, does nothing;
// but a copy of a Result must not be released too, or two matches would
// fill the same arrays.
func (r *Result) Release() {
	if r.scratch != nil {
		r.scratch.release()
	}
	*r = Result{}
}

// RecentWindow is how far before and after now the fair spread factor
// counts an interpreter's bookings (Input.Recent).
const RecentWindow = 30 * 24 * time.Hour

// nextAvailableWithin bounds the search for Excluded.NextAvailable.
const nextAvailableWithin = 14 * 24 * time.Hour

// Match judges every interpreter of in.Pool who speaks one of the child's
// languages or a related variety, and ranks the candidates. It returns a
// *data.ValidationError (matching data.ErrInvalid) when in or p cannot be
// judged (see Input.Validate).
func Match(in Input, p Policy) (Result, error) {
	m, err := newMatcher(&in, p)
	if err != nil {
		return Result{}, err
	}
	if in.Members != nil {
		return m.matchMembers(), nil
	}
	// Speakers in ID order: excluded interpreters are reported in that
	// order, and candidates with equal scores too.
	type speaker struct {
		i       int
		lang    langResult
		reasons []data.Reason
	}
	var speakers []speaker
	for i := range in.Pool {
		if l := m.language(&in.Pool[i]); l.accepted || l.related {
			speakers = append(speakers, speaker{i: i, lang: l})
		}
	}
	slices.SortStableFunc(speakers, func(a, b speaker) int { return strings.Compare(in.Pool[a.i].ID, in.Pool[b.i].ID) })
	ids := make([]string, len(speakers))
	for j, s := range speakers {
		ids[j] = in.Pool[s.i].ID
	}
	m.indexBookings(ids)

	excluded := 0
	for j := range speakers {
		s := &speakers[j]
		if s.reasons = m.hardRules(&in.Pool[s.i], s.lang); len(s.reasons) > 0 {
			excluded++
		}
	}
	var res Result
	var cands []Candidate
	if excluded > 0 {
		res.Excluded = make([]Excluded, 0, excluded)
	}
	if n := len(speakers) - excluded; n > 0 {
		cands = make([]Candidate, 0, n)
	}
	for _, s := range speakers {
		interp := &in.Pool[s.i]
		if len(s.reasons) == 0 {
			cands = append(cands, m.score(interp, s.lang, m.loadOf(interp.ID), m.community(interp).shared, m.in.Recent[interp.ID], m.comfortable[interp.ID]))
			continue
		}
		x := Excluded{Interpreter: interp, Reasons: s.reasons}
		if onlyTime(s.reasons) {
			x.NextAvailable = m.nextAvailable(&interp.Availability, m.spansOf(interp.ID))
		}
		res.Excluded = append(res.Excluded, x)
	}
	// Rank by score, stably so that equal scores keep ID order; sort
	// indices and move each (large) candidate once.
	if len(cands) > 0 {
		order := make([]int, len(cands))
		for j := range order {
			order[j] = j
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(cands[b].Score, cands[a].Score) })
		res.Candidates = make([]Candidate, len(cands))
		for j, k := range order {
			res.Candidates[j] = cands[k]
		}
	}
	return res, nil
}

// onlyTime reports whether reasons rule an interpreter out only by time:
// every one is unavailable or off_duty.
func onlyTime(reasons []data.Reason) bool {
	for _, r := range reasons {
		if r.Code != CodeUnavailable && r.Code != CodeOffDuty {
			return false
		}
	}
	return len(reasons) > 0
}

// Evaluate judges one interpreter exactly as Match would, for booking
// creation, which re-runs every hard rule for the chosen interpreter. in.Pool
// is not read. reasons is empty when the interpreter is a candidate; then c
// holds their score, factors and warnings. An interpreter who speaks none of
// the child's languages nor a related variety, whom Match would skip, gets
// language_mismatch among the reasons. The error is Match's.
func Evaluate(in Input, interp data.Interpreter, p Policy) (c Candidate, reasons []data.Reason, err error) {
	m, err := newMatcher(&in, p)
	if err != nil {
		return Candidate{}, nil, err
	}
	m.indexBookings([]string{interp.ID})
	l := m.language(&interp)
	if reasons = m.hardRules(&interp, l); len(reasons) > 0 {
		return Candidate{Interpreter: &interp}, reasons, nil
	}
	return m.score(&interp, l, m.loadOf(interp.ID), m.community(&interp).shared, in.Recent[interp.ID], m.comfortable[interp.ID]), nil, nil
}

// Validate reports, as a *data.ValidationError naming each field, what keeps
// in from being judged under p: a missing start, an end not after the start
// or not after Now, an interview type p has no valid requirement for, an
// unknown modality, an in_person request without an ISO 3166-2 region, a
// child with no (or an unreadable) language, or a policy allowance out of
// range (a negative one, a travel buffer over data.MaxBuffer).
func (in Input) Validate(p Policy) error {
	var fe []data.FieldError
	add := func(field, msg string) { fe = append(fe, data.FieldError{Field: field, Message: msg}) }
	switch {
	case in.Start.IsZero():
		add("start", "is required")
	case !in.End.After(in.Start):
		add("end", "must be after start")
	case !in.End.After(in.Now):
		add("end", "must not be in the past")
	}
	if r, ok := p.Requirements[in.InterviewType]; !ok {
		add("interviewType", fmt.Sprintf("%q is not an interview type the policy covers", in.InterviewType))
	} else if msg := checkRequirement(r); msg != "" {
		add("interviewType", "the policy's requirement "+msg)
	}
	if !slices.Contains(data.Modalities, in.Modality) {
		add("modality", "must be one of "+list(data.Modalities))
	} else if in.Modality == data.ModalityInPerson && !data.IsSubdivisionCode(normCode(in.Region)) {
		add("region", "an in_person interview needs an ISO 3166-2 region")
	}
	if len(in.Case.Child.Languages) == 0 {
		add("child.languages", "must list at least one language")
	}
	for i, l := range in.Case.Child.Languages {
		if !parseVariety(l).ok {
			add(fmt.Sprintf("child.languages[%d]", i), fmt.Sprintf("%q is not a language tag", l))
		}
	}
	if p.TravelBuffer < 0 {
		add("policy.travelBuffer", "must not be negative")
	} else if p.TravelBuffer > data.MaxBuffer {
		add("policy.travelBuffer", fmt.Sprintf("must be at most %v", data.MaxBuffer))
	}
	if p.LapseWarningDays < 0 {
		add("policy.lapseWarningDays", "must not be negative")
	}
	for _, d := range []time.Duration{in.Plan.Briefing, in.Plan.Debrief, in.Plan.Arrive, in.Plan.Stagger} {
		if d < 0 || d > data.MaxSafetyStep {
			add("plan", fmt.Sprintf("each step must be from 0 to %v", data.MaxSafetyStep))
			break
		}
	}
	if p.Workload.PerDay < 0 || p.Workload.PerWeek < 0 || p.Workload.PerDay > data.MaxWorkloadCap || p.Workload.PerWeek > data.MaxWorkloadCap {
		add("policy.workload", fmt.Sprintf("caps must be from 0 to %d", data.MaxWorkloadCap))
	}
	if p.WellbeingDays < 0 || p.WellbeingDays > maxWellbeingDays {
		add("policy.wellbeingDays", fmt.Sprintf("must be from 0 to %d", maxWellbeingDays))
	}
	if len(fe) > 0 {
		return &data.ValidationError{Errors: fe}
	}
	return nil
}

// checkRequirement returns what is wrong with a hand-built requirement, or "".
func checkRequirement(r Requirement) string {
	if !slices.Contains(data.ClearanceLevels, r.Clearance) {
		return fmt.Sprintf("names an unknown clearance level %q", r.Clearance)
	}
	for _, g := range r.Training {
		if len(g) == 0 {
			return "has an empty training group"
		}
		for _, k := range g {
			if !slices.Contains(data.TrainingKinds, k) {
				return fmt.Sprintf("names an unknown training kind %q", k)
			}
		}
	}
	for _, k := range r.Qualifications {
		if !slices.Contains(data.QualificationKinds, k) {
			return fmt.Sprintf("names an unknown qualification kind %q", k)
		}
	}
	return ""
}

// normCode normalises an ISO code for comparison: trimmed, upper case.
func normCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
