package matching

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tolk/tolk/data"
)

// Judging members (Input.Members) is Match's fast path, for a store that
// keeps each interpreter's profile and slots (data.PoolStore): it reads
// precomputed credential ranges, normalised links, modality bits and each
// interpreter's own sorted slots instead of the records and every booking
// of the pool, and works out each message once a match instead of once an
// interpreter. It applies the same rules in the same order with the same
// words as the plain path (rules.go), which stays for Evaluate and for
// callers that hold records; a property test (members_test.go) keeps the
// two in step on random pools.

// said keeps the messages one match has worded, by what they depend on,
// so that each is built once a match.
type said struct {
	status                                      map[data.VettingStatus]string
	clearance                                   [4]string // by below<<1 | lapsed
	training                                    map[uint64]string
	language                                    [2]string // by related
	exclusion                                   [4]string // by excluded<<1 | declined
	conflict                                    [8]string // by kinds<<2 | caseLink<<1 | avoided
	qual, gender, unavailable, modality, region string
}

// once returns *s, building it with f the first time.
func once(s *string, f func() string) string {
	if *s == "" {
		*s = f()
	}
	return *s
}

// memberRequirement is the requirement in the terms of profiles: each
// training group and the qualifications as kind indexes.
type memberRequirement struct {
	groups    [][]int
	quals     []int
	clearance int
	modality  uint8
}

func (m *matcher) memberRequirement() memberRequirement {
	r := memberRequirement{clearance: slices.Index(data.ClearanceLevels, m.req.Clearance), modality: data.ModalityBit(m.in.Modality)}
	for _, g := range m.req.Training {
		var ks []int
		for _, k := range g {
			ks = append(ks, data.TrainingIndex(k))
		}
		r.groups = append(r.groups, ks)
	}
	for _, k := range m.req.Qualifications {
		r.quals = append(r.quals, data.QualificationIndex(k))
	}
	return r
}

// heldOn reports whether any of ranges covers day d.
func heldOn(ranges []data.DateRange, d data.Date) bool {
	for _, r := range ranges {
		if r.Holds(d) {
			return true
		}
	}
	return false
}

// matchMembers is Match over in.Members. What it returns lives in a
// scratch drawn from scratchPool, which Result.Release hands back.
func (m *matcher) matchMembers() Result {
	in := m.in
	sc := scratchPool.Get().(*scratch)
	speakers := sc.speakers[:0]
	for i := range in.Members {
		mb := &in.Members[i]
		if l := m.languageOf(mb.Profile.Languages); l.accepted || l.related {
			speakers = append(speakers, speaker{mb: mb, lang: l})
		}
	}
	if !slices.IsSortedFunc(speakers, func(a, b speaker) int {
		return strings.Compare(a.mb.Profile.Interpreter.ID, b.mb.Profile.Interpreter.ID)
	}) {
		slices.SortStableFunc(speakers, func(a, b speaker) int {
			return strings.Compare(a.mb.Profile.Interpreter.ID, b.mb.Profile.Interpreter.ID)
		})
	}
	m.markTies(speakers)
	req := m.memberRequirement()
	lo, hi := m.judgedStarts()
	var w said
	// Every speaker's reasons go into one array, each one's capped at its
	// own length; grown here once so that none is copied as it grows.
	buf := slices.Grow(sc.reasons[:0], 2*len(speakers))
	excluded := 0
	for j := range speakers {
		s := &speakers[j]
		var busy bool
		busy, s.load = m.slotsAround(data.SlotsFrom(s.mb.Slots, lo, hi))
		start := len(buf)
		buf, s.shared = m.memberRules(buf, &w, &req, s.mb.Profile, s.lang, busy, s.load, s.ties)
		if len(buf) > start {
			s.reasons = buf[start:len(buf):len(buf)]
			excluded++
		}
	}
	res := Result{scratch: sc}
	m.factorBuf = slices.Grow(sc.factors[:0], factorsPerCandidate*(len(speakers)-excluded))
	m.warnBuf = sc.warnings[:0]
	res.Excluded = slices.Grow(sc.excluded[:0], excluded)
	cands := slices.Grow(sc.unranked[:0], len(speakers)-excluded)
	for _, s := range speakers {
		interp := s.mb.Profile.Interpreter
		if len(s.reasons) == 0 {
			recent := 0
			if in.Recent != nil {
				recent = in.Recent[interp.ID]
			} else {
				recent = len(data.SlotsFrom(s.mb.Slots, in.Now.Add(-RecentWindow), in.Now.Add(RecentWindow)))
			}
			cands = append(cands, m.score(interp, s.lang, s.load, s.shared, recent, s.ties&tieComfortable != 0))
			continue
		}
		x := Excluded{Interpreter: interp, Reasons: s.reasons}
		if onlyTime(s.reasons) {
			x.NextAvailable = m.nextAvailable(&interp.Availability, m.slotSpans(s.mb.Slots))
		}
		res.Excluded = append(res.Excluded, x)
	}
	if len(cands) > 0 {
		order := sc.order[:0]
		for j := range cands {
			order = append(order, j)
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(cands[b].Score, cands[a].Score) })
		res.Candidates = slices.Grow(sc.ranked[:0], len(cands))
		for _, k := range order {
			res.Candidates = append(res.Candidates, cands[k])
		}
		sc.order = order
	}
	// Keep what grew for the next match.
	sc.speakers, sc.reasons, sc.factors, sc.warnings = speakers, buf, m.factorBuf, m.warnBuf
	sc.excluded, sc.unranked, sc.ranked = res.Excluded, cands, res.Candidates
	if res.Excluded != nil && len(res.Excluded) == 0 {
		res.Excluded = nil
	}
	if res.Candidates != nil && len(res.Candidates) == 0 {
		res.Candidates = nil
	}
	return res
}

// scratch holds the arrays one match over members fills: as long as the
// pool (speakers, their reasons, the excluded) or the candidates (their
// factors, warnings, ranking). Allocating them anew for every match was
// most of what a match allocated, and the collector then had to reclaim
// it while 32 social workers waited; so a Result made from members keeps
// its scratch until Release hands it to the next match.
type scratch struct {
	speakers          []speaker
	reasons, warnings []data.Reason
	factors           []data.Factor
	excluded          []Excluded
	unranked, ranked  []Candidate
	order             []int
}

// scratchPool keeps scratches between matches.
var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// release drops the references the scratch holds to one match's members
// and interpreters, so they are not kept alive, and puts it back.
func (sc *scratch) release() {
	clear(sc.speakers[:cap(sc.speakers)])
	clear(sc.excluded[:cap(sc.excluded)])
	clear(sc.unranked[:cap(sc.unranked)])
	clear(sc.ranked[:cap(sc.ranked)])
	scratchPool.Put(sc)
}

// judgedStarts bounds the starts of the slots slotsAround needs to see:
// those whose held time (with a travel buffer) can meet the interview's,
// which no stored booking can outside [lo, hi) since none lasts longer
// than data.MaxBookingDuration, has a plan step longer than
// data.MaxSafetyStep or meets a buffer over data.MaxBuffer (what a store's
// overlap check relies on too: data.Booking.OverlapWindow); those starting
// in the interview's London week; and the distressing ones ending in the
// wellbeing period before it. The rest of a member's slots only matter to
// nextAvailable.
func (m *matcher) judgedStarts() (lo, hi time.Time) {
	reach := data.MaxBuffer + 2*data.MaxSafetyStep
	lo = m.from.Add(-data.MaxBookingDuration - reach)
	if w := m.wellFrom.Add(-data.MaxBookingDuration); w.Before(lo) {
		lo = w
	}
	if m.weekFrom.Before(lo) {
		lo = m.weekFrom
	}
	hi = m.to.Add(reach)
	if m.weekTo.After(hi) {
		hi = m.weekTo
	}
	if m.in.Start.After(hi) {
		hi = m.in.Start
	}
	return lo, hi
}

// speaker is a member who speaks the child's language or a related
// variety, as matchMembers judges them.
type speaker struct {
	mb      *data.PoolMember
	lang    langResult
	reasons []data.Reason
	load    workload
	shared  []data.CommunityLinkKind
	ties    tie
}

// tie is what the case says of an interpreter: excluded by the case, or
// the child declined or was comfortable with them (matcher's
// excludedIDs, declined, comfortable), as bits.
type tie uint8

const (
	tieExcluded tie = 1 << iota
	tieDeclined
	tieComfortable
)

// markTies sets each speaker's ties. The case names few interpreters and
// the speakers are in ID order, so each named one is found by binary
// search, instead of every speaker being looked up in three maps.
func (m *matcher) markTies(speakers []speaker) {
	for _, set := range []struct {
		ids map[string]bool
		t   tie
	}{{m.excludedIDs, tieExcluded}, {m.declined, tieDeclined}, {m.comfortable, tieComfortable}} {
		for id, ok := range set.ids {
			if !ok {
				continue
			}
			i, found := slices.BinarySearchFunc(speakers, id, func(s speaker, id string) int { return strings.Compare(s.mb.Profile.Interpreter.ID, id) })
			for ; found && i < len(speakers) && speakers[i].mb.Profile.Interpreter.ID == id; i++ {
				speakers[i].ties |= set.t
			}
		}
	}
}

// factorsPerCandidate is room enough for most candidates' factors.
const factorsPerCandidate = 8

// slotsAround judges one interpreter's slots as indexBookings and the
// availability rule judge their bookings: whether one holds the
// interview's time (travel buffer included) and their workload around it.
func (m *matcher) slotsAround(slots []data.Slot) (busy bool, w workload) {
	for i := range slots {
		s := &slots[i]
		if m.in.IgnoreBookingID != "" && s.BookingID == m.in.IgnoreBookingID {
			continue
		}
		from, to := m.slotSpan(s)
		if from.Before(m.to) && m.from.Before(to) {
			busy = true
		}
		if !s.Start.Before(m.weekFrom) && s.Start.Before(m.weekTo) {
			w.week++
			if !s.Start.Before(m.dayFrom) && s.Start.Before(m.dayTo) {
				w.day++
			}
		}
		if s.Distressing && !s.End.Before(m.wellFrom) && s.End.Before(m.in.Start) && s.End.After(w.distressed) {
			w.distressed = s.End
		}
	}
	return busy, w
}

// slotSpan is the time a slot keeps its interpreter busy: what it holds,
// widened by the travel buffer when it or the interview is in person.
func (m *matcher) slotSpan(s *data.Slot) (time.Time, time.Time) {
	if m.inPerson || s.InPerson {
		return s.HeldFrom.Add(-m.p.TravelBuffer), s.HeldUntil.Add(m.p.TravelBuffer)
	}
	return s.HeldFrom, s.HeldUntil
}

// slotSpans returns the busy spans of slots, in a buffer reused from one
// call to the next.
func (m *matcher) slotSpans(slots []data.Slot) []span {
	m.spanBuf = m.spanBuf[:0]
	for i := range slots {
		s := &slots[i]
		if m.in.IgnoreBookingID != "" && s.BookingID == m.in.IgnoreBookingID {
			continue
		}
		from, to := m.slotSpan(s)
		m.spanBuf = append(m.spanBuf, span{from, to})
	}
	return m.spanBuf
}

// memberRules appends to rs a reason for every hard rule the member fails,
// as hardRules does for a record, and returns the country and region links
// they share with the child (for score).
func (m *matcher) memberRules(rs []data.Reason, w *said, req *memberRequirement, p *data.Profile, lang langResult, busy bool, load workload, ties tie) ([]data.Reason, []data.CommunityLinkKind) {
	add := func(code, msg string) { rs = append(rs, data.Reason{Code: code, Message: msg}) }
	in := p.Interpreter

	if !p.Approved {
		msg, ok := w.status[in.Vetting.Status]
		if !ok {
			msg = notApprovedMessage(in.Vetting.Status)
			if w.status == nil {
				w.status = map[data.VettingStatus]string{}
			}
			w.status[in.Vetting.Status] = msg
		}
		add(CodeNotApproved, msg)
	}
	if in.Clearance.Level == "" {
		add(CodeClearanceInvalid, noClearanceMessage)
	} else {
		below := p.ClearanceLevel < req.clearance
		lapsed := in.Clearance.ValidUntil.IsZero() || in.Clearance.ValidUntil.Before(m.endDay)
		if below || lapsed {
			k := 0
			if below {
				k |= 2
			}
			if lapsed {
				k |= 1
			}
			add(CodeClearanceInvalid, once(&w.clearance[k], func() string { return m.clearanceMessage(below, lapsed) }))
		}
	}
	var missing uint64
	for i, g := range req.groups {
		held := false
		for _, k := range g {
			if k >= 0 && heldOn(p.Training[k], m.endDay) {
				held = true
				break
			}
		}
		if !held {
			missing |= 1 << i
		}
	}
	if missing != 0 {
		msg, ok := w.training[missing]
		if !ok {
			var names []string
			for i, g := range m.req.Training {
				if missing&(1<<i) != 0 {
					names = append(names, orList(g))
				}
			}
			msg = trainingMessage(names)
			if w.training == nil {
				w.training = map[uint64]string{}
			}
			w.training[missing] = msg
		}
		add(CodeTrainingMissing, msg)
	}
	if len(req.quals) > 0 && !slices.ContainsFunc(req.quals, func(k int) bool { return k >= 0 && heldOn(p.Qualifications[k], m.endDay) }) {
		add(CodeQualificationMissing, once(&w.qual, m.qualificationMessage))
	}
	if !lang.accepted {
		k := 0
		if lang.related {
			k = 1
		}
		add(CodeLanguageMismatch, once(&w.language[k], func() string { return m.languageMessage(lang.related) }))
	}
	if ex, dec := ties&tieExcluded != 0, ties&tieDeclined != 0; ex || dec {
		k := 0
		if ex {
			k |= 2
		}
		if dec {
			k |= 1
		}
		add(CodeExcludedByCase, once(&w.exclusion[k], func() string { return caseExclusionMessage(ex, dec) }))
	}
	c := m.communityOf(p.Links, true)
	if c.conflict() {
		k := 0
		if len(c.conflictKinds) > 0 {
			k |= 4
		}
		if c.caseLink {
			k |= 2
		}
		if c.avoid && len(c.shared) > 0 {
			k |= 1
		}
		add(CodeCommunityConflict, once(&w.conflict[k], c.conflictMessage))
	}
	if !p.Signed {
		add(CodeAgreementMissing, agreementMessage)
	}
	if g := m.in.Case.Child.InterpreterGender; g.Required && g.Preference != "" && in.Gender != g.Preference {
		add(CodeGenderMismatch, once(&w.gender, func() string { return genderMessage(g.Preference) }))
	}
	if busy {
		add(CodeUnavailable, once(&w.unavailable, m.unavailableMessage))
	}
	if p.Modalities&req.modality == 0 {
		add(CodeModalityUnsupported, once(&w.modality, m.modalityMessage))
	} else if m.inPerson && !slices.Contains(p.Regions, m.region) {
		add(CodeModalityUnsupported, once(&w.region, m.regionMessage))
	}
	if msg := m.offDuty(&in.Availability); msg != "" {
		add(CodeOffDuty, msg)
	}
	if msg := m.workloadLimit(load); msg != "" {
		add(CodeWorkloadLimit, msg)
	}
	return rs, c.shared
}
