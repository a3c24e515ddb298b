package matching

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tolk/tolk/data"
)

// The reason codes of the hard rules (SPEC.md, Matching). An interpreter
// failing any is excluded; Excluded.Reasons holds one reason per rule failed,
// in this order.
const (
	CodeNotApproved          = "not_approved"
	CodeClearanceInvalid     = "clearance_invalid"
	CodeTrainingMissing      = "training_missing"
	CodeQualificationMissing = "qualification_missing"
	CodeLanguageMismatch     = "language_mismatch"
	CodeExcludedByCase       = "excluded_by_case"
	CodeCommunityConflict    = "community_conflict"
	CodeAgreementMissing     = "agreement_missing"
	CodeGenderMismatch       = "gender_mismatch"
	CodeUnavailable          = "unavailable"
	CodeModalityUnsupported  = "modality_unsupported"
	CodeOffDuty              = "off_duty"
	CodeWorkloadLimit        = "workload_limit"
)

// HardRuleCodes lists the hard rules' codes in their order, for what must
// cover each (the pages' words for them).
var HardRuleCodes = []string{
	CodeNotApproved, CodeClearanceInvalid, CodeTrainingMissing, CodeQualificationMissing, CodeLanguageMismatch,
	CodeExcludedByCase, CodeCommunityConflict, CodeAgreementMissing, CodeGenderMismatch, CodeUnavailable,
	CodeModalityUnsupported, CodeOffDuty, CodeWorkloadLimit,
}

// The warning codes a candidate may carry.
const (
	CodeCommunityLink    = "community_link"
	CodeClearanceLapsing = "clearance_lapsing"
	CodeTrainingLapsing  = "training_lapsing"
	CodeLongSession      = "long_session"
)

// hardRules returns a reason for every hard rule the interpreter fails, in
// the order of the codes above. Messages name the rule and the requirement,
// never a sensitive value (no town, no certificate, no exclusion note).
func (m *matcher) hardRules(in *data.Interpreter, lang langResult) []data.Reason {
	var rs []data.Reason
	add := func(code, msg string) { rs = append(rs, data.Reason{Code: code, Message: msg}) }

	if in.Vetting.Status != data.VettingApproved {
		add(CodeNotApproved, notApprovedMessage(in.Vetting.Status))
	}
	if msg := m.clearanceProblem(in.Clearance); msg != "" {
		add(CodeClearanceInvalid, msg)
	}
	var missing []string
	for _, g := range m.req.Training {
		if _, ok := m.bestTraining(in, g); !ok {
			missing = append(missing, orList(g))
		}
	}
	if len(missing) > 0 {
		add(CodeTrainingMissing, trainingMessage(missing))
	}
	if len(m.req.Qualifications) > 0 && !m.hasQualification(in, m.req.Qualifications) {
		add(CodeQualificationMissing, m.qualificationMessage())
	}
	if !lang.accepted {
		add(CodeLanguageMismatch, m.languageMessage(lang.related))
	}
	if msg := m.caseExclusion(in.ID); msg != "" {
		add(CodeExcludedByCase, msg)
	}
	if c := m.community(in); c.conflict() {
		add(CodeCommunityConflict, c.conflictMessage())
	}
	if in.Agreements.ConfidentialitySigned.IsZero() {
		add(CodeAgreementMissing, agreementMessage)
	}
	if w := m.in.Case.Child.InterpreterGender; w.Required && w.Preference != "" && in.Gender != w.Preference {
		add(CodeGenderMismatch, genderMessage(w.Preference))
	}
	if !free(m.spansOf(in.ID), m.from, m.to) {
		add(CodeUnavailable, m.unavailableMessage())
	}
	if !slices.Contains(in.Modalities, m.in.Modality) {
		add(CodeModalityUnsupported, m.modalityMessage())
	} else if m.inPerson && !slices.ContainsFunc(in.Regions, func(r string) bool { return normCode(r) == m.region }) {
		add(CodeModalityUnsupported, m.regionMessage())
	}
	if msg := m.offDuty(&in.Availability); msg != "" {
		add(CodeOffDuty, msg)
	}
	if msg := m.workloadLimit(m.loadOf(in.ID)); msg != "" {
		add(CodeWorkloadLimit, msg)
	}
	return rs
}

// workloadLimit says which of the policy's caps this interview would take
// the interpreter past, or returns "".
func (m *matcher) workloadLimit(w workload) string {
	day, week := m.p.Workload.PerDay > 0 && w.day+1 > m.p.Workload.PerDay, m.p.Workload.PerWeek > 0 && w.week+1 > m.p.Workload.PerWeek
	if !day && !week {
		return ""
	}
	return m.say(sayWorkloadLimit, w.day<<32|w.week, func() string { return m.wordWorkload(w) })
}

// wordWorkload words workloadLimit.
func (m *matcher) wordWorkload(w workload) string {
	var p []string
	if c := m.p.Workload.PerDay; c > 0 && w.day+1 > c {
		p = append(p, fmt.Sprintf("already has %d child interviews that day; the policy allows %d a day", w.day, c))
	}
	if c := m.p.Workload.PerWeek; c > 0 && w.week+1 > c {
		p = append(p, fmt.Sprintf("already has %d child interviews that week; the policy allows %d a week", w.week, c))
	}
	return strings.Join(p, "; ")
}

// offDuty says why the interpreter's declared availability does not cover
// the slot, or returns "". An interpreter who declared nothing is never off
// duty. The message names the rule, never the hours or the dates.
func (m *matcher) offDuty(a *data.Availability) string {
	if !a.Declared() {
		return ""
	}
	var p []string
	if len(a.Weekly) > 0 {
		// One reading of each zone's clock at the slot's start serves the
		// whole pool.
		c, ok := m.clocks[a.TimeZone]
		if !ok {
			r, err := a.ReadClock(m.from)
			c = zoneClock{r, err == nil}
			m.clocks[a.TimeZone] = c
		}
		if !c.ok {
			p = append(p, "declared working hours in a time zone that cannot be read")
		} else if _, out := a.OutOfHoursFrom(c.reading, m.to); out {
			p = append(p, "the slot is outside the working hours they declared")
		}
	}
	if _, away := a.UnavailableUntil(m.from, m.to); away {
		p = append(p, "declared a time they cannot work that overlaps the slot")
	}
	return strings.Join(p, "; ")
}

// clearanceProblem says why a clearance does not meet the requirement
// through the interview's day, or returns "".
func (m *matcher) clearanceProblem(c data.Clearance) string {
	if c.Level == "" {
		return noClearanceMessage
	}
	below := slices.Index(data.ClearanceLevels, c.Level) < slices.Index(data.ClearanceLevels, m.req.Clearance)
	return m.clearanceMessage(below, c.ValidUntil.IsZero() || c.ValidUntil.Before(m.endDay))
}

// noClearanceMessage is clearance_invalid's message for no clearance.
const noClearanceMessage = "has no clearance on record"

// clearanceMessage is clearance_invalid's message for a clearance below
// the level required, or not valid through the interview's day, or both;
// "" for neither.
func (m *matcher) clearanceMessage(below, lapsed bool) string {
	var p []string
	if below {
		p = append(p, fmt.Sprintf("clearance level is below the %s this interview requires", data.Words(m.req.Clearance)))
	}
	if lapsed {
		p = append(p, "clearance is not valid through the day the interview ends")
	}
	return strings.Join(p, "; ")
}

// The messages of the hard rules, one function each, so that both ways of
// judging (Match over a pool of records, or over members) word them alike.

// notApprovedMessage is not_approved's message.
func notApprovedMessage(s data.VettingStatus) string {
	return fmt.Sprintf("vetting status is %s, not approved", orNone(string(s)))
}

// trainingMessage is training_missing's message for the groups missing,
// each written by orList.
func trainingMessage(missing []string) string {
	return "lacks required training valid through the interview: " + strings.Join(missing, "; ")
}

// qualificationMessage is qualification_missing's message.
func (m *matcher) qualificationMessage() string {
	return "lacks a required qualification valid through the interview: " + orList(m.req.Qualifications)
}

// languageMessage is language_mismatch's message for an interpreter who
// speaks a related variety, or none.
func (m *matcher) languageMessage(related bool) string {
	if related {
		return "speaks a related variety but not the child's: " + languageList(m.in.Case.Child.Languages)
	}
	return "speaks none of the child's languages: " + languageList(m.in.Case.Child.Languages)
}

// agreementMessage is agreement_missing's message.
const agreementMessage = "has not signed the confidentiality terms"

// genderMessage is gender_mismatch's message.
func genderMessage(g data.Gender) string {
	return fmt.Sprintf("the case requires a %s interpreter", g)
}

// unavailableMessage is unavailable's message.
func (m *matcher) unavailableMessage() string {
	msg := "has a confirmed booking that overlaps the slot (briefing and debrief included)"
	if m.p.TravelBuffer > 0 {
		msg += ", counting " + minutes(m.p.TravelBuffer) + " of travel either side of in-person bookings"
	}
	return msg
}

// modalityMessage and regionMessage are modality_unsupported's messages
// for a modality not offered and a region not covered in person.
func (m *matcher) modalityMessage() string {
	return fmt.Sprintf("does not offer %s interviews", data.Words(m.in.Modality))
}

// regionMessage: see modalityMessage.
func (m *matcher) regionMessage() string {
	return "does not work in person in " + data.RegionName(m.region)
}

// held reports whether a credential completed (or awarded) on from and
// valid until until (zero: no expiry) is held on the interview's day.
func (m *matcher) held(from, until data.Date) bool {
	return !from.After(m.endDay) && (until.IsZero() || !until.Before(m.endDay))
}

// bestTraining returns the expiry of the interpreter's training that
// satisfies the group for longest (zero: never expires), and whether any does.
func (m *matcher) bestTraining(in *data.Interpreter, group []data.TrainingKind) (expires data.Date, ok bool) {
	for _, t := range in.Training {
		if !slices.Contains(group, t.Kind) || !m.held(t.Completed, t.Expires) {
			continue
		}
		if !ok || t.Expires.IsZero() || (!expires.IsZero() && t.Expires.After(expires)) {
			expires = t.Expires
		}
		ok = true
	}
	return expires, ok
}

// hasQualification reports whether the interpreter holds any of kinds on the
// interview's day.
func (m *matcher) hasQualification(in *data.Interpreter, kinds []data.QualificationKind) bool {
	return slices.ContainsFunc(in.Qualifications, func(q data.Qualification) bool {
		return slices.Contains(kinds, q.Kind) && m.held(q.Awarded, q.Expires)
	})
}

// caseExclusion says why the case excludes the interpreter, or returns "".
// The exclusion's own reason is free text and is not repeated.
func (m *matcher) caseExclusion(id string) string {
	return caseExclusionMessage(m.excludedIDs[id], m.declined[id])
}

// caseExclusionMessage is excluded_by_case's message for an interpreter
// the case excludes, or the child declined, or both; "" for neither.
func caseExclusionMessage(excluded, declined bool) string {
	var p []string
	if excluded {
		p = append(p, "is excluded for this case")
	}
	if declined {
		p = append(p, "the child was not comfortable with them in an earlier interview")
	}
	return strings.Join(p, "; ")
}

// communityCheck is what an interpreter's declared links share with the case.
type communityCheck struct {
	conflictKinds []data.CommunityLinkKind // town, family, place_of_worship, organisation, case
	caseLink      bool                     // a case link to this case or a linked one
	avoid         bool                     // the child asked to avoid their own community
	shared        []data.CommunityLinkKind // country and region links shared, one per distinct value
}

// conflict reports whether the links are a community_conflict.
func (c communityCheck) conflict() bool {
	return len(c.conflictKinds) > 0 || c.caseLink || (c.avoid && len(c.shared) > 0)
}

// conflictMessage names the rule a conflict breaks, never the value, and
// not the kind of link either: the child's links are few, so "a town link"
// would tell a reader of the reduced view which town the interpreter
// declared. The full record says it to coordinators.
func (c communityCheck) conflictMessage() string {
	var p []string
	if len(c.conflictKinds) > 0 {
		p = append(p, "shares a declared community link with the child")
	}
	if c.caseLink {
		p = append(p, "has a declared link to this case or a linked case")
	}
	if c.avoid && len(c.shared) > 0 {
		p = append(p, "shares a declared community link with the child, who asked for an interpreter from outside their community")
	}
	return strings.Join(p, "; ")
}

// community compares the interpreter's declared links with the child's and
// the case's references, values normalised (codes upper-cased, text folded).
func (m *matcher) community(in *data.Interpreter) communityCheck {
	return m.communityOf(in.CommunityLinks, false)
}

// communityOf is community over declared links, their values already
// normalised (data.NormalizeLinkValue) when normalised is true.
func (m *matcher) communityOf(links []data.CommunityLink, normalised bool) communityCheck {
	c := communityCheck{avoid: m.in.Case.Child.AvoidOwnCommunity}
	if len(links) == 0 {
		return c
	}
	if m.links == nil { // folding is costly: only once someone declares a link
		m.links = map[data.CommunityLinkKind][]string{}
		for _, l := range m.in.Case.Child.CommunityLinks {
			if v := m.normLink(l); v != "" {
				m.links[l.Kind] = append(m.links[l.Kind], v)
			}
		}
		// A region lies in a country: a child from IQ-SU is from IQ.
		for _, r := range m.links[data.LinkRegion] {
			if c := regionCountry(r); c != "" && !slices.Contains(m.links[data.LinkCountry], c) {
				m.links[data.LinkCountry] = append(m.links[data.LinkCountry], c)
			}
		}
		for _, r := range append([]string{m.in.Case.Reference}, m.in.Case.LinkedReferences...) {
			if f := m.normLink(data.CommunityLink{Kind: data.LinkCase, Value: r}); f != "" {
				m.caseRefs = append(m.caseRefs, f)
			}
		}
	}
	// The distinct country and region values shared, in an array on the
	// stack: an interpreter declares few links.
	var sharedBuf [8]data.CommunityLink
	sharedValues := sharedBuf[:0]
	for _, l := range links {
		theirs := m.links[l.Kind]
		if l.Kind != data.LinkCase && len(theirs) == 0 && (l.Kind != data.LinkRegion || len(m.links[data.LinkCountry]) == 0) {
			continue // nothing to compare: skip folding
		}
		v := l.Value
		if !normalised {
			v = m.normLink(l)
		}
		if v == "" {
			continue
		}
		switch l.Kind {
		case data.LinkCountry, data.LinkRegion:
			key := data.CommunityLink{Kind: l.Kind, Value: v}
			if slices.Contains(theirs, v) && !slices.Contains(sharedValues, key) {
				sharedValues = append(sharedValues, key)
				c.shared = append(c.shared, l.Kind)
			}
			// An interpreter's region lies in a country the child may share.
			if cv := regionCountry(v); l.Kind == data.LinkRegion && cv != "" {
				key := data.CommunityLink{Kind: data.LinkCountry, Value: cv}
				if slices.Contains(m.links[data.LinkCountry], cv) && !slices.Contains(sharedValues, key) {
					sharedValues = append(sharedValues, key)
					c.shared = append(c.shared, data.LinkCountry)
				}
			}
		case data.LinkCase:
			if slices.Contains(m.caseRefs, v) || slices.Contains(theirs, v) {
				c.caseLink = true
			}
		default:
			if slices.Contains(theirs, v) && !slices.Contains(c.conflictKinds, l.Kind) {
				c.conflictKinds = append(c.conflictKinds, l.Kind)
			}
		}
	}
	return c
}

// regionCountry returns the country of an ISO 3166-2 code ("IQ-SU" → "IQ"),
// or "" when the code has no country part.
func regionCountry(region string) string {
	country, _, ok := strings.Cut(region, "-")
	if !ok {
		return ""
	}
	return country
}

// normLink returns a link's value in the form links are compared in:
// country and region codes trimmed and upper-cased, text folded with
// data.Fold. It remembers each text value it folded: registers repeat the
// same towns and organisations, and folding is costly.
func (m *matcher) normLink(l data.CommunityLink) string {
	if l.Kind == data.LinkCountry || l.Kind == data.LinkRegion {
		return data.NormalizeLinkValue(l)
	}
	v, ok := m.folded[l.Value]
	if !ok {
		v = data.NormalizeLinkValue(l)
		m.folded[l.Value] = v
	}
	return v
}

// minCPLevel returns the lowest child protection level a training group
// accepts (1 to 3), or 0 when the group holds no child protection training.
func minCPLevel(g []data.TrainingKind) int {
	lvl := 0
	for _, k := range g {
		if n := cpLevel(k); n > 0 && (lvl == 0 || n < lvl) {
			lvl = n
		}
	}
	return lvl
}

// cpLevel returns a child protection training's level, or 0.
func cpLevel(k data.TrainingKind) int {
	switch k {
	case data.TrainingChildProtectionL1:
		return 1
	case data.TrainingChildProtectionL2:
		return 2
	case data.TrainingChildProtectionL3:
		return 3
	}
	return 0
}

// orNone returns s, or "not set" when it is empty.
func orNone(s string) string {
	if s == "" {
		return "not set"
	}
	return s
}

// minutes writes a duration as "30 minutes" when it is whole minutes.
func minutes(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}

// orList writes kinds as "a or b or c".
func orList[T ~string](kinds []T) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = data.Words(k)
	}
	return strings.Join(s, " or ")
}

// languageList names a child's languages: "Kurdish (Sorani), Arabic".
func languageList(tags []string) string {
	s := make([]string, len(tags))
	for i, t := range tags {
		s[i] = data.LanguageName(t)
	}
	return strings.Join(s, ", ")
}
