package matching

import (
	"slices"
	"time"

	"github.com/tolk/tolk/data"
)

// matcher holds what one Match call works out once and reuses for every
// interpreter: the requirement, the interview's day in London, the child's
// parsed languages and normalised links, the case's exclusions and history,
// and the bookings indexed by interpreter.
type matcher struct {
	in       *Input
	p        Policy
	req      Requirement
	endDay   data.Date // the day the interview ends, in Europe/London
	lapseBy  data.Date // credentials whose last day is before this are lapsing
	inPerson bool
	region   string
	minCP    int // lowest child protection level the requirement accepts; 0: none required
	required map[data.TrainingKind]bool

	child  []variety
	tags   map[string]tagVerdict // interpreter tag → verdict, filled as met
	folded map[string]string     // link value → data.Fold of it, filled as met

	links       map[data.CommunityLinkKind][]string // the child's links, normalised; nil until needed
	caseRefs    []string                            // the case's reference and linked references, folded
	excludedIDs map[string]bool                     // case.ExcludedInterpreters
	declined    map[string]bool                     // an outcome the child was not comfortable in
	comfortable map[string]bool                     // a completed booking the child was comfortable in

	from, to         time.Time // the time the interview holds: Request.HeldFrom, HeldUntil
	dayFrom, dayTo   time.Time // the interview's London day
	weekFrom, weekTo time.Time // and week
	wellFrom         time.Time // distressing interviews ending from here to Start lower the rank

	busy    busyIndex
	starts  []time.Time // nextAvailable's candidate starts, reused
	spanBuf []span      // a member's spans for nextAvailable, reused

	factorBuf []data.Factor            // every candidate's factors (see score)
	warnBuf   []data.Reason            // and warnings
	words     map[sayKey]string        // see say
	langWords map[langReasonKey]string // see languageReason
	clocks    map[string]zoneClock     // each zone's clock at the slot's start, by zone name
}

// zoneClock is one zone's clock read at the slot's start; ok is false when
// the zone does not load.
type zoneClock struct {
	reading data.Reading
	ok      bool
}

func newMatcher(in *Input, p Policy) (*matcher, error) {
	if err := in.Validate(p); err != nil {
		return nil, err
	}
	m := &matcher{
		in:          in,
		p:           p,
		req:         p.Requirements[in.InterviewType],
		endDay:      data.LondonDate(in.End),
		inPerson:    in.Modality == data.ModalityInPerson,
		region:      normCode(in.Region),
		required:    map[data.TrainingKind]bool{},
		tags:        map[string]tagVerdict{},
		folded:      map[string]string{},
		excludedIDs: map[string]bool{},
		declined:    map[string]bool{},
		comfortable: map[string]bool{},
		clocks:      map[string]zoneClock{},
	}
	m.lapseBy = m.endDay.AddDays(p.LapseWarningDays)
	m.from, m.to = in.HeldFrom(), in.HeldUntil()
	m.dayFrom, m.dayTo = data.WorkDay(in.Start)
	m.weekFrom, m.weekTo = data.WorkWeek(in.Start)
	m.wellFrom = in.Start.AddDate(0, 0, -p.WellbeingDays)
	for _, g := range m.req.Training {
		if lvl := minCPLevel(g); lvl > m.minCP {
			m.minCP = lvl
		}
		for _, k := range g {
			m.required[k] = true
		}
	}
	for _, l := range in.Case.Child.Languages {
		m.child = append(m.child, parseVariety(l))
	}
	for _, x := range in.Case.ExcludedInterpreters {
		m.excludedIDs[x.InterpreterID] = true
	}
	// What the organisation that sent the case learned of the child
	// counts as this case's own history (a transferred case).
	for _, x := range in.Case.Continuity {
		if x.Comfortable {
			m.comfortable[x.InterpreterID] = true
		} else {
			m.declined[x.InterpreterID] = true
		}
	}
	for _, b := range in.History {
		switch {
		case !b.Recorded:
		case b.Attended && !b.ChildComfortable:
			// Only a child who met the interpreter can have been
			// uncomfortable with them.
			m.declined[b.InterpreterID] = true
		case b.Status == data.BookingCompleted && b.Attended:
			// Continuity needs an interview that happened: an interpreter
			// who did not turn up earns nothing, whatever else is recorded.
			m.comfortable[b.InterpreterID] = true
		}
	}
	return m, nil
}

// langResult is how an interpreter's languages meet the child's: accepted
// with the best skill's points (proficiency included), or only related.
type langResult struct {
	accepted bool
	related  bool
	level    langMatch
	child    int // index of the child's language met
	tag      string
	prof     data.Proficiency
	points   int
}

// language judges an interpreter's languages against the child's, parsing
// each distinct tag once per matcher.
func (m *matcher) language(in *data.Interpreter) langResult {
	return m.languageOf(in.Languages)
}

// languageOf is language over declared language skills.
func (m *matcher) languageOf(skills []data.LanguageSkill) langResult {
	var r langResult
	for _, s := range skills {
		v, ok := m.tags[s.Tag]
		if !ok {
			v = judgeTag(m.child, s.Tag)
			m.tags[s.Tag] = v
		}
		r.related = r.related || v.related
		if v.level < matchVariety {
			continue
		}
		if pts := v.points + proficiencyPoints[s.Proficiency]; !r.accepted || pts > r.points {
			r = langResult{accepted: true, related: r.related, level: v.level, child: v.child, tag: s.Tag, prof: s.Proficiency, points: pts}
		}
	}
	return r
}

// span is a time an interpreter is busy: the time a confirmed booking
// holds (its safety plan included) widened by the travel buffer when it or
// the requested interview is in person.
type span struct{ from, to time.Time }

// busyIndex holds the spans of the judged interpreters, grouped by
// interpreter: spans[off[k]:off[k+1]] belong to the interpreter in slot k;
// and what each has on the interview's day and week, and their latest
// distressing interview in the wellbeing period.
type busyIndex struct {
	slot  map[string]int
	off   []int
	spans []span
	load  []workload
}

// workload is one interpreter's bookings around the interview.
type workload struct {
	day, week  int       // bookings starting on the interview's London day, week
	distressed time.Time // end of the latest distressing interview in the wellbeing period; zero: none
}

// indexBookings groups the confirmed bookings of the interpreters with the
// given IDs in one pass over in.Bookings, skipping IgnoreBookingID.
func (m *matcher) indexBookings(ids []string) {
	b := busyIndex{slot: make(map[string]int, len(ids))}
	for _, id := range ids {
		if _, ok := b.slot[id]; !ok {
			b.slot[id] = len(b.slot)
		}
	}
	type hit struct{ slot, booking int }
	var hits []hit
	counts := make([]int, len(b.slot)+1)
	for i := range m.in.Bookings {
		bk := &m.in.Bookings[i]
		k, ok := b.slot[bk.InterpreterID] // first: most bookings are other interpreters'
		if !ok || !bk.Status.HoldsTime() || (m.in.IgnoreBookingID != "" && bk.ID == m.in.IgnoreBookingID) {
			continue
		}
		hits = append(hits, hit{k, i})
		counts[k+1]++
	}
	b.off = counts
	for k := 1; k < len(b.off); k++ {
		b.off[k] += b.off[k-1]
	}
	b.spans = make([]span, len(hits))
	b.load = make([]workload, len(b.slot))
	next := slices.Clone(b.off[:len(b.off)-1])
	for _, h := range hits {
		bk := &m.in.Bookings[h.booking]
		var buf time.Duration
		if m.inPerson || bk.Modality == data.ModalityInPerson {
			buf = m.p.TravelBuffer
		}
		b.spans[next[h.slot]] = span{bk.HeldFrom().Add(-buf), bk.HeldUntil().Add(buf)}
		next[h.slot]++
		w := &b.load[h.slot]
		if !bk.Start.Before(m.weekFrom) && bk.Start.Before(m.weekTo) {
			w.week++
			if !bk.Start.Before(m.dayFrom) && bk.Start.Before(m.dayTo) {
				w.day++
			}
		}
		if bk.Wellbeing != nil && bk.Wellbeing.Distressing && !bk.End.Before(m.wellFrom) && bk.End.Before(m.in.Start) && bk.End.After(w.distressed) {
			w.distressed = bk.End
		}
	}
	m.busy = b
}

// loadOf returns one interpreter's workload around the interview.
func (m *matcher) loadOf(id string) workload {
	k, ok := m.busy.slot[id]
	if !ok {
		return workload{}
	}
	return m.busy.load[k]
}

// spansOf returns the busy spans of one interpreter.
func (m *matcher) spansOf(id string) []span {
	k, ok := m.busy.slot[id]
	if !ok {
		return nil
	}
	return m.busy.spans[m.busy.off[k]:m.busy.off[k+1]]
}

// free reports whether [start, end) meets none of spans. Spans that only
// touch it (one ends as the other starts) do not meet it.
func free(spans []span, start, end time.Time) bool {
	_, busy := busyUntil(spans, start, end)
	return !busy
}

// busyUntil reports whether [start, end) meets any of spans and returns the
// latest end of those it meets.
func busyUntil(spans []span, start, end time.Time) (time.Time, bool) {
	var until time.Time
	busy := false
	for _, s := range spans {
		if s.from.Before(end) && start.Before(s.to) {
			if !busy || s.to.After(until) {
				until = s.to
			}
			busy = true
		}
	}
	return until, busy
}

// nextAvailable returns the earliest start at or after the requested one,
// no more than nextAvailableWithin later, at which the requested duration,
// with the time its safety plan holds around it, fits between the
// interpreter's busy spans and their availability covers it; zero when
// none does.
//
// It tries a start and, while something holds it back, moves on to the
// earliest start that thing allows, which no fitting start comes before:
// the latest end of the busy spans it meets, the latest end of the
// unavailable periods it meets, or, when part of it is outside the declared
// hours, the first of the availability's starts (data.Availability.Starts:
// where the hours may begin again) after the first instant outside them.
// Each move goes forward, so it ends, and the first start nothing holds
// back is the earliest.
func (m *matcher) nextAvailable(av *data.Availability, spans []span) time.Time {
	lead, tail := m.in.Plan.Lead(), m.in.Plan.Tail()
	d := m.in.End.Sub(m.in.Start) + lead + tail // held, from arrival to departure
	last := m.from.Add(nextAvailableWithin)
	for st := m.from; !st.After(last); {
		end := st.Add(d)
		if until, busy := busyUntil(spans, st, end); busy {
			st = until
		} else if until, away := av.UnavailableUntil(st, end); away {
			st = until
		} else if out, ok := av.OutOfHours(st, end); ok {
			if st, ok = m.nextStart(av, out, last); !ok {
				break
			}
		} else {
			return st.Add(lead) // the interview starts after the arrival and briefing
		}
	}
	return time.Time{}
}

// nextStart returns the first of the availability's starts after instant
// after and no later than last, working them out a day at a time (most
// come within one, and a fortnight's cost more than judging them).
func (m *matcher) nextStart(av *data.Availability, after, last time.Time) (time.Time, bool) {
	end := last.Add(time.Nanosecond) // last included
	for from := after.Add(time.Nanosecond); from.Before(end); {
		until := from.Add(24 * time.Hour)
		if until.After(end) {
			until = end
		}
		m.starts = av.AppendStarts(m.starts[:0], from, until)
		if len(m.starts) > 0 {
			return m.starts[0], true
		}
		from = until
	}
	return time.Time{}, false
}
