package matching

import (
	"fmt"
	"strings"

	"github.com/tolk/tolk/data"
)

// The factor codes of a candidate's score, in the order Candidate.Factors
// lists them. A factor worth 0 points is left out.
const (
	FactorContinuity           = "continuity"
	FactorLanguage             = "language"
	FactorTraumaInformed       = "trauma_informed"
	FactorTraffickingTraining  = "trafficking_training"
	FactorChildProtection      = "child_protection_level"
	FactorQualification        = "qualification"
	FactorChildInterviews      = "child_interviews"
	FactorTraffickingCases     = "trafficking_cases"
	FactorPreferredGender      = "preferred_gender"
	FactorFairSpread           = "fair_spread"
	FactorReliability          = "reliability"
	FactorCommunityLinkPenalty = "community_link"
	FactorRecentWorkload       = "recent_workload"
)

// RecentWorkloadWords is all a requester is told of the recent_workload
// factor: its explanation (a distressing interview) is for coordinators.
const RecentWorkloadWords = "recent workload"

// The points of each factor. Continuity outweighs all other bonuses
// together (at most 99), so an interpreter the child was comfortable with
// comes first unless penalised for unreliability or shared ties. Nothing
// rewards shared community, nationality or ethnicity: a shared country or
// region link only ever costs points.
const (
	pointsContinuity          = 100 // a completed booking in this case the child was comfortable in
	pointsTraumaInformed      = 8   // trauma-informed training, when not required
	pointsTraffickingTraining = 6   // trafficking and modern slavery training, when not required
	pointsPerCPLevel          = 3   // per child protection level above the lowest required (at most 9)
	childInterviewsPerPoint   = 5   // 1 point per 5 child interviews...
	traffickingCasesPerPoint  = 2   // ...and per 2 trafficking cases,
	maxExperiencePoints       = 10  // each capped at 10
	pointsPreferredGender     = 10  // the child's preferred (not required) gender
	maxFairSpread             = 10  // with no recent bookings...
	pointsPerRecentBooking    = -2  // ...less 2 per booking in the 30 days either side of now, down to 0
	pointsPerUnreliable       = -5  // per late cancellation or no-show in the last year
	pointsPerSharedLink       = -10 // per distinct country or region link shared with the child
	pointsRecentDistress      = -15 // a distressing interview in the policy's wellbeing period
)

// languagePoints gives the points of meeting the child's language number
// child (0: preferred) at level m, before proficiency: the preferred language
// exactly 20, a variety of it 12; another of the child's languages exactly
// 10, a variety of it 6.
func languagePoints(child int, m langMatch) int {
	switch {
	case child == 0 && m == matchExact:
		return 20
	case child == 0:
		return 12
	case m == matchExact:
		return 10
	}
	return 6
}

// proficiencyPoints adds to languagePoints by the interpreter's proficiency.
var proficiencyPoints = map[data.Proficiency]int{
	data.ProficiencyNative:       6,
	data.ProficiencyFluent:       4,
	data.ProficiencyProfessional: 2,
}

// qualificationPoints scores the best qualification held on the interview's
// day, whether or not the interview type requires one.
var qualificationPoints = map[data.QualificationKind]int{
	data.QualificationNRPSIFull:    10,
	data.QualificationDPSILaw:      10,
	data.QualificationDPSI:         8,
	data.QualificationNRPSIInterim: 5,
	data.QualificationCIOL:         4,
	data.QualificationOther:        2,
}

// score returns the candidate with its factors, score and warnings. It is
// called only for an interpreter who passes every hard rule, with their
// workload around the interview and the country and region links they
// share with the child (communityCheck.shared), and how many bookings they
// have within RecentWindow of now (Input.Recent), and whether the child
// was comfortable with them in this case before (matcher.comfortable).
func (m *matcher) score(in *data.Interpreter, lang langResult, load workload, shared []data.CommunityLinkKind, recent int, comfortable bool) Candidate {
	c := Candidate{Interpreter: in}
	// Factors go into one array shared by the match's candidates, each
	// candidate's capped at its own length (see carve).
	first := len(m.factorBuf)
	add := func(code string, pts int, reason string) {
		if pts != 0 {
			m.factorBuf = append(m.factorBuf, data.Factor{Factor: code, Points: pts, Reason: reason})
			c.Score += pts
		}
	}

	firstWarning := len(m.warnBuf)
	warn := func(code, msg string) { m.warnBuf = append(m.warnBuf, data.Reason{Code: code, Message: msg}) }

	if comfortable {
		add(FactorContinuity, pointsContinuity, "interpreted for this child before and the child was comfortable")
	}
	add(FactorLanguage, lang.points, m.languageReason(lang))

	cp := 0
	var lapsing uint64 // the requirement's training groups that lapse soon, by index
	for _, t := range in.Training {
		if m.held(t.Completed, t.Expires) {
			cp = max(cp, cpLevel(t.Kind))
		}
	}
	for _, k := range []data.TrainingKind{data.TrainingTraumaInformed, data.TrainingTrafficking} {
		if _, ok := m.bestTraining(in, []data.TrainingKind{k}); !ok || m.required[k] {
			continue
		}
		if k == data.TrainingTraumaInformed {
			add(FactorTraumaInformed, pointsTraumaInformed, "trauma-informed training, beyond what this interview requires")
		} else {
			add(FactorTraffickingTraining, pointsTraffickingTraining, "trafficking and modern slavery training, beyond what this interview requires")
		}
	}
	if cp > m.minCP {
		add(FactorChildProtection, pointsPerCPLevel*(cp-m.minCP), m.say(sayChildProtection, cp, func() string {
			return fmt.Sprintf("child protection training at level %d, above the level %d required", cp, m.minCP)
		}))
	}
	for i, g := range m.req.Training {
		if exp, _ := m.bestTraining(in, g); !exp.IsZero() && exp.Before(m.lapseBy) {
			lapsing |= 1 << i
		}
	}

	best := data.QualificationKind("")
	for _, q := range in.Qualifications {
		if m.held(q.Awarded, q.Expires) && qualificationPoints[q.Kind] > qualificationPoints[best] {
			best = q.Kind
		}
	}
	add(FactorQualification, qualificationPoints[best], m.sayQualification(best))

	if n := max(in.Experience.ChildInterviews, 0); n > 0 {
		add(FactorChildInterviews, min(n/childInterviewsPerPoint, maxExperiencePoints), m.say(sayChildInterviews, n, func() string { return fmt.Sprintf("%d interviews with children", n) }))
	}
	if n := max(in.Experience.TraffickingCases, 0); n > 0 {
		add(FactorTraffickingCases, min(n/traffickingCasesPerPoint, maxExperiencePoints), m.say(sayTraffickingCases, n, func() string { return fmt.Sprintf("%d trafficking cases", n) }))
	}
	if w := m.in.Case.Child.InterpreterGender; !w.Required && w.Preference != "" && in.Gender == w.Preference {
		add(FactorPreferredGender, pointsPreferredGender, m.say(sayPreferredGender, 0, func() string { return fmt.Sprintf("%s, as the child prefers", w.Preference) }))
	}
	recent = max(recent, 0)
	add(FactorFairSpread, max(maxFairSpread+pointsPerRecentBooking*recent, 0), m.say(sayFairSpread, recent, func() string { return fairSpreadReason(recent) }))
	if n := m.in.Unreliable[in.ID]; n > 0 {
		add(FactorReliability, pointsPerUnreliable*n, fmt.Sprintf("%d late cancellations or no-shows in the last year", n))
	}
	// Recent workload: a distressing interview marked within the
	// wellbeing period, or a week already half full of child interviews.
	// Both cost the same points and read to requesters in the same two
	// words, so the factor never tells them of the flag.
	if !load.distressed.IsZero() {
		d := load.distressed
		until := data.LondonDate(d.AddDate(0, 0, m.p.WellbeingDays))
		add(FactorRecentWorkload, pointsRecentDistress, fmt.Sprintf("marked an interview as distressing on %s: ranked lower until %s, and a debrief is offered", data.LondonDate(d), until))
	} else if busy := busyWeek(m.p.Workload); busy > 0 && load.week >= busy {
		add(FactorRecentWorkload, pointsRecentDistress, m.say(sayBusyWeek, load.week, func() string {
			return fmt.Sprintf("already has %d child interviews this week (the cap is %d): ranked lower so the work is shared", load.week, m.p.Workload.PerWeek)
		}))
	}
	if sh := shared; len(sh) > 0 {
		add(FactorCommunityLinkPenalty, pointsPerSharedLink*len(sh), "shares a declared community link with the child (a country or region)")
		warn(CodeCommunityLink, "shares a declared community link with the child (a country or region); not a conflict, as the child has not asked to avoid their community")
	}

	if v := in.Clearance.ValidUntil; v.Before(m.lapseBy) {
		warn(CodeClearanceLapsing, m.say(sayClearanceLapsing, 0, func() string {
			return fmt.Sprintf("clearance lapses within %d days after the interview", m.p.LapseWarningDays)
		}))
	}
	switch d := m.in.End.Sub(m.in.Start); {
	case m.p.VeryLongSession > 0 && d > m.p.VeryLongSession:
		warn(CodeLongSession, m.say(sayLongSession, 2, func() string {
			return fmt.Sprintf("the interview lasts longer than %s: book two interpreters or split it", minutes(m.p.VeryLongSession))
		}))
	case m.p.LongSession > 0 && d > m.p.LongSession:
		warn(CodeLongSession, m.say(sayLongSession, 1, func() string {
			return fmt.Sprintf("the interview lasts longer than %s: plan a break for the interpreter", minutes(m.p.LongSession))
		}))
	}
	if lapsing != 0 {
		warn(CodeTrainingLapsing, m.say(sayTrainingLapsing, int(lapsing), func() string {
			var names []string
			for i, g := range m.req.Training {
				if lapsing&(1<<i) != 0 {
					names = append(names, orList(g))
				}
			}
			return fmt.Sprintf("required training lapses within %d days after the interview: %s", m.p.LapseWarningDays, strings.Join(names, "; "))
		}))
	}
	if len(m.warnBuf) > firstWarning {
		c.Warnings = m.warnBuf[firstWarning:len(m.warnBuf):len(m.warnBuf)]
	}
	if len(m.factorBuf) > first {
		c.Factors = m.factorBuf[first:len(m.factorBuf):len(m.factorBuf)]
	}
	return c
}

// fairSpreadReason says what fair spread counted: bookings in the 30 days
// either side of today, fewer earning more.
func fairSpreadReason(n int) string {
	noun := "bookings"
	if n == 1 {
		noun = "booking"
	}
	return fmt.Sprintf("fair spread of work: %d %s in the 30 days before and after today", n, noun)
}

// languageReason explains the language factor without naming the child's
// other details: the interpreter's language, how it meets which child language,
// and the proficiency.
func (m *matcher) languageReason(l langResult) string {
	k := langReasonKey{l.tag, l.child, l.level, l.prof}
	if s, ok := m.langWords[k]; ok {
		return s
	}
	if m.langWords == nil {
		m.langWords = map[langReasonKey]string{}
	}
	s := m.wordLanguage(l)
	m.langWords[k] = s
	return s
}

// langReasonKey is what languageReason's words depend on.
type langReasonKey struct {
	tag   string
	child int
	level langMatch
	prof  data.Proficiency
}

// wordLanguage words languageReason.
func (m *matcher) wordLanguage(l langResult) string {
	which := "the child's preferred language"
	if l.child > 0 {
		which = "another of the child's languages"
	}
	if l.level == matchVariety {
		return fmt.Sprintf("speaks %s, a variety of %s, %s (%s)", data.LanguageName(l.tag), data.LanguageName(m.in.Case.Child.Languages[l.child]), which, l.prof)
	}
	return fmt.Sprintf("speaks %s, %s (%s)", data.LanguageName(l.tag), which, l.prof)
}

// busyWeek is how many child interviews in a London week make it a busy
// one for the recent_workload factor: half the weekly cap, rounded up; 0
// (never) without a weekly cap.
func busyWeek(c data.WorkloadCaps) int {
	if c.PerWeek <= 0 {
		return 0
	}
	return (c.PerWeek + 1) / 2
}

// What say keeps words of, with the number they depend on.
const (
	sayChildProtection = iota
	sayChildInterviews
	sayTraffickingCases
	sayPreferredGender
	sayFairSpread
	sayClearanceLapsing
	sayBusyWeek
	sayLongSession
	sayTrainingLapsing
	sayWorkloadLimit
)

// sayKey is one of say's words: its kind and number.
type sayKey struct{ kind, n int }

// say returns the words of kind for n, built by word the first time in a
// match: a register's candidates share most of their numbers, and
// formatting them anew for each was most of scoring's cost.
func (m *matcher) say(kind, n int, word func() string) string {
	k := sayKey{kind, n}
	if s, ok := m.words[k]; ok {
		return s
	}
	if m.words == nil {
		m.words = map[sayKey]string{}
	}
	s := word()
	m.words[k] = s
	return s
}

// sayQualification is the qualification factor's reason.
func (m *matcher) sayQualification(k data.QualificationKind) string {
	i := data.QualificationIndex(k) + 1 // 0: none held
	return m.say(sayQualificationHeld, i, func() string { return "holds " + data.Words(k) })
}

// sayQualificationHeld keys sayQualification's words.
const sayQualificationHeld = sayWorkloadLimit + 1
