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

	busy   busyIndex
	starts []time.Time // nextAvailable's candidate starts, reused
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
	}
	m.lapseBy = m.endDay.AddDays(p.LapseWarningDays)
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
	for _, b := range in.History {
		switch {
		case b.Outcome == nil:
		case !b.Outcome.ChildComfortable:
			m.declined[b.InterpreterID] = true
		case b.Status == data.BookingCompleted && b.Outcome.Attended:
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
	var r langResult
	for _, s := range in.Languages {
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

// span is a time an interpreter is busy: a confirmed booking widened by the
// travel buffer when it or the requested interview is in person.
type span struct{ from, to time.Time }

// busyIndex holds the spans of the judged interpreters, grouped by
// interpreter: spans[off[k]:off[k+1]] belong to the interpreter in slot k.
type busyIndex struct {
	slot  map[string]int
	off   []int
	spans []span
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
	next := slices.Clone(b.off[:len(b.off)-1])
	for _, h := range hits {
		bk := &m.in.Bookings[h.booking]
		var buf time.Duration
		if m.inPerson || bk.Modality == data.ModalityInPerson {
			buf = m.p.TravelBuffer
		}
		b.spans[next[h.slot]] = span{bk.Start.Add(-buf), bk.End.Add(buf)}
		next[h.slot]++
	}
	m.busy = b
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
	for _, s := range spans {
		if s.from.Before(end) && start.Before(s.to) {
			return false
		}
	}
	return true
}

// nextAvailable returns the earliest start at or after the requested one,
// no more than nextAvailableWithin later, at which the requested duration
// fits between the interpreter's busy spans and their availability covers
// it; zero when none does. Just before the earliest such start, something
// held the interview back that no longer does from that start on: a busy
// span or an unavailable period ended, or the declared hours began (see
// data.Availability.Starts). So those, with the requested start, are the
// only starts tried, in order. They are gathered a day at a time: most
// interpreters fit within a day, and working out the declared hours' starts
// for all 14 days would cost more than judging them.
func (m *matcher) nextAvailable(in *data.Interpreter) time.Time {
	spans := m.spansOf(in.ID)
	av := &in.Availability
	declared := av.Declared()
	d := m.in.End.Sub(m.in.Start)
	end := m.in.Start.Add(nextAvailableWithin).Add(time.Nanosecond) // the last start included
	for from := m.in.Start; from.Before(end); from = from.Add(nextAvailableStep) {
		until := from.Add(nextAvailableStep)
		if until.After(end) {
			until = end
		}
		starts := m.starts[:0]
		if from.Equal(m.in.Start) {
			starts = append(starts, from)
		}
		for _, s := range spans {
			if !s.to.Before(from) && s.to.Before(until) {
				starts = append(starts, s.to)
			}
		}
		if declared {
			starts = av.AppendStarts(starts, from, until)
		}
		slices.SortFunc(starts, time.Time.Compare)
		m.starts = starts
		for _, st := range starts {
			if free(spans, st, st.Add(d)) && av.Covers(st, st.Add(d)) {
				return st
			}
		}
	}
	return time.Time{}
}

// nextAvailableStep is how much of nextAvailable's window is searched at a
// time.
const nextAvailableStep = 24 * time.Hour
