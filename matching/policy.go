package matching

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tolk/tolk/data"
)

// Requirement is what one interview type requires of an interpreter. Every
// requirement is a hard rule: failing it excludes the interpreter.
type Requirement struct {
	// Clearance is the lowest acceptable clearance level (see
	// data.ClearanceLevels, weakest first).
	Clearance data.ClearanceLevel
	// Training lists groups of training kinds; each group is satisfied by any
	// one of its kinds, and every group must be satisfied. {{l2, l3}} reads
	// "child protection level 2 or higher".
	Training [][]data.TrainingKind
	// Qualifications is satisfied by any one of its kinds; empty means no
	// qualification is required.
	Qualifications []data.QualificationKind
}

// Policy is the matching policy: what each interview type requires and the
// allowances around time. DefaultPolicy gives the values of SPEC.md; a file
// read by ParsePolicy overrides them.
type Policy struct {
	// Requirements holds one Requirement per interview type. A request for
	// an interview type missing here is refused (see Input.Validate).
	Requirements map[data.InterviewType]Requirement
	// TravelBuffer is kept free around in_person bookings, on both sides:
	// from 0 to data.MaxBuffer.
	TravelBuffer time.Duration
	// LapseWarningDays: a clearance or required training whose last valid
	// day falls less than this many days after the interview's day is warned
	// about (clearance_lapsing, training_lapsing).
	LapseWarningDays int

	// The fields of a case that matching screens against interpreters'
	// community links (the child's links, avoidOwnCommunity, the reference
	// and the linked references) can be used to learn those links: change
	// them, match again, and see who is excluded. So their changes are
	// limited, per UK day, and told to coordinators when frequent.

	// CaseLinkChangesPerDay bounds the changes of one case's screened
	// fields a day: at least 1.
	CaseLinkChangesPerDay int
	// UserLinkChangesPerDay bounds the cases one user creates with, or
	// changes, screened fields a day: at least 1.
	UserLinkChangesPerDay int
	// LinkChurnNoticeAfter: each change of a case's screened fields beyond
	// this many in a day is a notice to the organisation's coordinators
	// (0: every change is).
	LinkChurnNoticeAfter int

	// Plans holds each interview type's safety plan: briefing, debrief and
	// staggered departure (Arrive is ArriveBefore's, set by Plan). An
	// interview type missing here has no plan.
	Plans map[data.InterviewType]data.SafetyPlan
	// ArriveBefore is how long before the briefing an interpreter arrives
	// in person (video and phone are joined at the briefing).
	ArriveBefore time.Duration
	// Workload caps each interpreter's child interviews a day and a week
	// (hard rule workload_limit; zero: no cap).
	Workload data.WorkloadCaps
	// LongSession and VeryLongSession are the interview lengths past which
	// a candidate is warned long_session: plan a break; use two
	// interpreters or split the interview.
	LongSession, VeryLongSession time.Duration
	// WellbeingDays is how long after a distressing interview ends its
	// interpreter is ranked lower (factor recent_workload; never excluded).
	WellbeingDays int
	// LateCancellation is how close to its start a cancellation is late
	// (its outcome code ends in _late): from 0 to
	// data.MaxLateCancellation.
	LateCancellation time.Duration
}

// Plan returns the safety plan of an interview of type t by modality m:
// the type's plan, with ArriveBefore for in-person interviews.
func (p Policy) Plan(t data.InterviewType, m data.Modality) data.SafetyPlan {
	plan := p.Plans[t]
	plan.Arrive = 0
	if m == data.ModalityInPerson {
		plan.Arrive = p.ArriveBefore
	}
	return plan
}

// DefaultPolicy returns the default policy of SPEC.md: enhanced clearance
// for every interview type, the training and qualifications of its table, a
// 30-minute travel buffer and a 30-day lapse warning; changes of a case's
// screened fields limited to 5 a day per case and 20 a day per user, each
// beyond the third of a case in a day told to coordinators; safety plans of
// 15 minutes' briefing and debrief for ABE and age assessment interviews
// and 10 for the others, leaving 10 minutes after the child, arriving 5
// minutes before the briefing in person; at most 2 child interviews a day
// and 8 a week; long_session past 60 and 120 minutes; 14 days ranked
// lower after a distressing interview; and a cancellation late under 24
// hours before the start.
// Each call returns new maps and slices, so callers may change them.
func DefaultPolicy() Policy {
	cp1 := []data.TrainingKind{data.TrainingChildProtectionL1, data.TrainingChildProtectionL2, data.TrainingChildProtectionL3}
	cp2 := []data.TrainingKind{data.TrainingChildProtectionL2, data.TrainingChildProtectionL3}
	one := func(k data.TrainingKind) []data.TrainingKind { return []data.TrainingKind{k} }
	return Policy{
		Requirements: map[data.InterviewType]Requirement{
			data.InterviewABEPolice: {
				Clearance:      data.ClearanceEnhanced,
				Training:       [][]data.TrainingKind{cp2, one(data.TrainingABEInterviewing)},
				Qualifications: []data.QualificationKind{data.QualificationDPSI, data.QualificationDPSILaw, data.QualificationNRPSIFull},
			},
			data.InterviewSocialWork: {
				Clearance: data.ClearanceEnhanced,
				Training:  [][]data.TrainingKind{slices.Clone(cp2), one(data.TrainingTrafficking)},
			},
			data.InterviewAgeAssessment: {
				Clearance: data.ClearanceEnhanced,
				Training:  [][]data.TrainingKind{slices.Clone(cp2), one(data.TrainingTrafficking)},
			},
			data.InterviewHealth: {
				Clearance: data.ClearanceEnhanced,
				Training:  [][]data.TrainingKind{cp1},
			},
			data.InterviewLegal: {
				Clearance:      data.ClearanceEnhanced,
				Training:       [][]data.TrainingKind{slices.Clone(cp1)},
				Qualifications: []data.QualificationKind{data.QualificationDPSILaw, data.QualificationNRPSIFull},
			},
		},
		TravelBuffer:          30 * time.Minute,
		LapseWarningDays:      30,
		CaseLinkChangesPerDay: 5,
		UserLinkChangesPerDay: 20,
		LinkChurnNoticeAfter:  3,
		Plans: map[data.InterviewType]data.SafetyPlan{
			data.InterviewABEPolice:     {Briefing: 15 * time.Minute, Debrief: 15 * time.Minute, Stagger: 10 * time.Minute},
			data.InterviewSocialWork:    {Briefing: 10 * time.Minute, Debrief: 10 * time.Minute, Stagger: 10 * time.Minute},
			data.InterviewAgeAssessment: {Briefing: 15 * time.Minute, Debrief: 15 * time.Minute, Stagger: 10 * time.Minute},
			data.InterviewHealth:        {Briefing: 10 * time.Minute, Debrief: 10 * time.Minute, Stagger: 10 * time.Minute},
			data.InterviewLegal:         {Briefing: 10 * time.Minute, Debrief: 10 * time.Minute, Stagger: 10 * time.Minute},
		},
		ArriveBefore:    5 * time.Minute,
		Workload:        data.WorkloadCaps{PerDay: 2, PerWeek: 8},
		LongSession:     60 * time.Minute,
		VeryLongSession: 120 * time.Minute,
		WellbeingDays:   14,

		LateCancellation: data.DefaultLateCancellation,
	}
}

// ParsePolicy reads a policy file, YAML or JSON (JSON is read as YAML), and
// returns DefaultPolicy overridden by what the file sets. Every key is
// optional; an interview type the file does not mention keeps its default
// requirement, and a field the file does not set for a type it mentions
// keeps its default too. An empty list clears a list ("qualifications: []"
// requires no qualification). Training items are a kind, or a list of kinds
// any one of which satisfies the item. Durations use Go's syntax (30m, 1h).
//
//	travelBuffer: 45m       # kept free around in_person bookings
//	lapseWarningDays: 30    # warn when a credential lapses this soon after
//	caseLinkChangesPerDay: 5  # changes of one case's screened fields a day
//	userLinkChangesPerDay: 20 # cases one user sets screened fields of a day
//	linkChurnNoticeAfter: 3   # tell coordinators of each change past this
//	arriveBefore: 5m        # in person, before the briefing
//	workload: {perDay: 2, perWeek: 8}  # child interviews per interpreter
//	longSession: 60m        # warn: plan a break
//	veryLongSession: 120m   # warn: two interpreters or a split
//	wellbeingDays: 14       # ranked lower after a distressing interview
//	lateCancellation: 24h   # a cancellation this close to the start is late
//	safety:
//	  abe_police: {briefing: 15m, debrief: 15m, departAfterChild: 10m}
//	requirements:
//	  abe_police:
//	    clearance: enhanced_barred_children
//	    training:
//	      - [child_protection_l2, child_protection_l3]
//	      - abe_interviewing
//	      - trauma_informed
//	    qualifications: [dpsi, dpsi_law, nrpsi_full]
//	  health:
//	    qualifications: [dpsi]
//
// Unknown keys, duplicated keys, unknown interview types, clearance levels,
// training or qualification kinds, empty training groups, negative values
// and a travel buffer over data.MaxBuffer (the most a store's overlap check
// allows for) are errors; each names its line and key path, e.g.
// `line 3: requirements.abe_police.clearance: "super" is not a clearance level (one of ...)`.
func ParsePolicy(b []byte) (Policy, error) {
	p := DefaultPolicy()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return p, nil
	} else if err != nil {
		return Policy{}, fmt.Errorf("policy: %w", err)
	}
	if err := dec.Decode(new(yaml.Node)); !errors.Is(err, io.EOF) {
		return Policy{}, errors.New("policy: the file must hold one document")
	}
	var pe policyErrors
	root := deref(&doc)
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = deref(root.Content[0])
	}
	if isNull(root) {
		return p, nil
	}
	pe.mapping(root, "", func(key string, v *yaml.Node) {
		switch key {
		case "travelBuffer":
			d, err := time.ParseDuration(v.Value)
			switch {
			case v.Kind != yaml.ScalarNode || err != nil:
				pe.add(v, key, fmt.Sprintf("%q is not a duration such as 30m", v.Value))
			case d < 0:
				pe.add(v, key, "must not be negative")
			case d > data.MaxBuffer:
				pe.add(v, key, fmt.Sprintf("must be at most %v", data.MaxBuffer))
			default:
				p.TravelBuffer = d
			}
		case "lapseWarningDays":
			pe.count(v, key, 0, "days", &p.LapseWarningDays)
		case "caseLinkChangesPerDay":
			pe.count(v, key, 1, "changes", &p.CaseLinkChangesPerDay)
		case "userLinkChangesPerDay":
			pe.count(v, key, 1, "changes", &p.UserLinkChangesPerDay)
		case "linkChurnNoticeAfter":
			pe.count(v, key, 0, "changes", &p.LinkChurnNoticeAfter)
		case "arriveBefore":
			pe.duration(v, key, data.MaxSafetyStep, &p.ArriveBefore)
		case "lateCancellation":
			pe.duration(v, key, data.MaxLateCancellation, &p.LateCancellation)
		case "longSession":
			pe.duration(v, key, data.MaxBookingDuration, &p.LongSession)
		case "veryLongSession":
			pe.duration(v, key, data.MaxBookingDuration, &p.VeryLongSession)
		case "wellbeingDays":
			pe.count(v, key, 0, "days", &p.WellbeingDays)
			if p.WellbeingDays > maxWellbeingDays {
				pe.add(v, key, fmt.Sprintf("must be at most %d", maxWellbeingDays))
			}
		case "workload":
			pe.mapping(v, key, func(k string, cv *yaml.Node) {
				switch k {
				case "perDay":
					pe.count(cv, key+"."+k, 0, "interviews", &p.Workload.PerDay)
				case "perWeek":
					pe.count(cv, key+"."+k, 0, "interviews", &p.Workload.PerWeek)
				default:
					pe.unknown(cv, key+"."+k)
				}
			})
			if p.Workload.PerDay > data.MaxWorkloadCap || p.Workload.PerWeek > data.MaxWorkloadCap {
				pe.add(v, key, fmt.Sprintf("caps must be at most %d", data.MaxWorkloadCap))
			}
		case "safety":
			pe.mapping(v, key, func(it string, sv *yaml.Node) {
				t := data.InterviewType(it)
				if !slices.Contains(data.InterviewTypes, t) {
					pe.add(sv, key+"."+it, "is not an interview type (one of "+list(data.InterviewTypes)+")")
					return
				}
				plan := p.Plans[t]
				pe.mapping(sv, key+"."+it, func(k string, dv *yaml.Node) {
					kp := key + "." + it + "." + k
					switch k {
					case "briefing":
						pe.duration(dv, kp, data.MaxSafetyStep, &plan.Briefing)
					case "debrief":
						pe.duration(dv, kp, data.MaxSafetyStep, &plan.Debrief)
					case "departAfterChild":
						pe.duration(dv, kp, data.MaxSafetyStep, &plan.Stagger)
					default:
						pe.unknown(dv, kp)
					}
				})
				p.Plans[t] = plan
			})
		case "requirements":
			pe.mapping(v, key, func(it string, rv *yaml.Node) {
				t := data.InterviewType(it)
				if !slices.Contains(data.InterviewTypes, t) {
					pe.add(rv, key+"."+it, "is not an interview type (one of "+list(data.InterviewTypes)+")")
					return
				}
				p.Requirements[t] = pe.requirement(rv, key+"."+it, p.Requirements[t])
			})
		default:
			pe.unknown(v, key)
		}
	})
	if err := errors.Join(pe...); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// maxWellbeingDays bounds the policy's WellbeingDays: matching reads a
// pool's bookings that far back.
const maxWellbeingDays = 60

// duration reads a duration from 0 to most into d.
func (pe *policyErrors) duration(v *yaml.Node, key string, most time.Duration, d *time.Duration) {
	x, err := time.ParseDuration(v.Value)
	switch {
	case v.Kind != yaml.ScalarNode || err != nil:
		pe.add(v, key, fmt.Sprintf("%q is not a duration such as 30m", v.Value))
	case x < 0:
		pe.add(v, key, "must not be negative")
	case x > most:
		pe.add(v, key, fmt.Sprintf("must be at most %v", most))
	default:
		*d = x
	}
}

// count reads a whole number of at least min (of what the unit names)
// into n.
func (pe *policyErrors) count(v *yaml.Node, key string, min int, unit string, n *int) {
	i, err := strconv.Atoi(v.Value)
	switch {
	case v.Kind != yaml.ScalarNode || err != nil:
		pe.add(v, key, fmt.Sprintf("%q is not a whole number of %s", v.Value, unit))
	case i < 0:
		pe.add(v, key, "must not be negative")
	case i < min:
		pe.add(v, key, fmt.Sprintf("must be at least %d", min))
	default:
		*n = i
	}
}

// requirement reads one interview type's requirement over its default r.
func (pe *policyErrors) requirement(n *yaml.Node, path string, r Requirement) Requirement {
	pe.mapping(n, path, func(key string, v *yaml.Node) {
		kp := path + "." + key
		switch key {
		case "clearance":
			if l := data.ClearanceLevel(v.Value); v.Kind == yaml.ScalarNode && slices.Contains(data.ClearanceLevels, l) {
				r.Clearance = l
			} else {
				pe.add(v, kp, fmt.Sprintf("%q is not a clearance level (one of %s)", v.Value, list(data.ClearanceLevels)))
			}
		case "training":
			r.Training = [][]data.TrainingKind{}
			pe.sequence(v, kp, func(i int, item *yaml.Node) {
				ip := fmt.Sprintf("%s[%d]", kp, i)
				var group []data.TrainingKind
				if item.Kind == yaml.ScalarNode {
					group = append(group, kind(pe, item, ip, data.TrainingKinds, "training kind"))
				} else {
					pe.sequence(item, ip, func(j int, k *yaml.Node) {
						group = append(group, kind(pe, k, fmt.Sprintf("%s[%d]", ip, j), data.TrainingKinds, "training kind"))
					})
					if len(group) == 0 && item.Kind == yaml.SequenceNode {
						pe.add(item, ip, "must list at least one training kind")
					}
				}
				r.Training = append(r.Training, group)
			})
		case "qualifications":
			r.Qualifications = []data.QualificationKind{}
			pe.sequence(v, kp, func(i int, item *yaml.Node) {
				r.Qualifications = append(r.Qualifications, kind(pe, item, fmt.Sprintf("%s[%d]", kp, i), data.QualificationKinds, "qualification kind"))
			})
		default:
			pe.unknown(v, kp)
		}
	})
	return r
}

// policyErrors collects what is wrong with a policy file, each error naming
// its key path and line.
type policyErrors []error

func (pe *policyErrors) add(n *yaml.Node, path, msg string) {
	*pe = append(*pe, fmt.Errorf("line %d: %s: %s", n.Line, path, msg))
}

func (pe *policyErrors) unknown(n *yaml.Node, path string) {
	pe.add(n, path, "unknown key")
}

// mapping calls f for each key of a mapping node, reporting a node that is
// not a mapping, keys that are not plain strings and duplicated keys.
func (pe *policyErrors) mapping(n *yaml.Node, path string, f func(key string, v *yaml.Node)) {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		pe.add(n, orRoot(path), "must be a mapping of keys to values")
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		key := k.Value
		kp := key
		if path != "" {
			kp = path + "." + key
		}
		switch {
		case k.Kind != yaml.ScalarNode:
			pe.add(k, orRoot(path), "keys must be plain names")
		case seen[key]:
			pe.add(k, kp, "is given twice")
		default:
			seen[key] = true
			f(key, v)
		}
	}
}

// sequence calls f for each item of a sequence node.
func (pe *policyErrors) sequence(n *yaml.Node, path string, f func(i int, item *yaml.Node)) {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		pe.add(n, path, "must be a list")
		return
	}
	for i, item := range n.Content {
		f(i, deref(item))
	}
}

// kind reads a scalar that must be one of set.
func kind[T ~string](pe *policyErrors, n *yaml.Node, path string, set []T, what string) T {
	if v := T(n.Value); n.Kind == yaml.ScalarNode && slices.Contains(set, v) {
		return v
	}
	pe.add(n, path, fmt.Sprintf("%q is not a %s (one of %s)", n.Value, what, list(set)))
	return ""
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func orRoot(path string) string {
	if path == "" {
		return "policy"
	}
	return path
}

// list writes values as "a, b, c".
func list[T ~string](vs []T) string { return join(vs, ", ") }

func join[T ~string](vs []T, sep string) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, sep)
}
