package data

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// UnmetNeed records one request for an interpreter that went unmet: a
// search (a match) that found no eligible interpreter, or an offer that
// ended unfilled. It says what was needed and why nobody could take it,
// and nothing about the child beyond the language: no case, no reference,
// no age band, no community link. Entries are only ever inserted, in the
// write that decides them (Change.UnmetNeed), so a report counts what
// happened, not what someone remembered to record.
type UnmetNeed struct {
	// ID is derived from what the entry is about (see SearchNeedID and
	// OfferNeedID): a repeat of the same request is the same entry, and
	// its insert lands nothing.
	ID           string
	Organisation string
	Source       NeedSource
	// Language is the child's preferred language, a canonical BCP 47 tag.
	Language      string
	InterviewType InterviewType
	Modality      Modality
	Region        string // ISO 3166-2, for in-person interviews
	// Start is when the interview was to start: the need's date, by which
	// reports select it.
	Start time.Time
	// RecordedAt is when the search ran, or the offer ended.
	RecordedAt time.Time
	// Reasons counts why interpreters could not take it: a hard rule's
	// code (matching's), declined, expired, or NeedNoSpeaker; by code.
	Reasons []ReasonCount
}

// ReasonCount is how many interpreters one reason ruled out of a request.
type ReasonCount struct {
	Code  string
	Count int
}

// NeedSource says what found a need unmet.
type NeedSource string

// The sources of unmet need.
const (
	// NeedSearch is a match that found no eligible interpreter.
	NeedSearch NeedSource = "search"
	// NeedOffer is an offer that ended unfilled.
	NeedOffer NeedSource = "offer"
)

// NeedSources lists every NeedSource.
var NeedSources = []NeedSource{NeedSearch, NeedOffer}

// The reason codes of unmet need beside matching's hard rules.
const (
	// NeedNoSpeaker is a search that found nobody on the register
	// speaking the language or a related variety.
	NeedNoSpeaker = "no_speaker"
	// NeedDeclined and NeedExpired count an unfilled offer's invitations
	// that were declined, or not answered in time.
	NeedDeclined = "declined"
	NeedExpired  = "expired"
)

// SearchNeedWindow is how long a repeated search for the same case and
// slot counts once: searches in one clock hour (UTC) are one entry.
const SearchNeedWindow = time.Hour

// SearchNeedID is the ID of the unmet need of a search made at at for a
// case's slot: the same case, slot, interview type, modality and region
// searched again within the same clock hour give the same ID. It sorts by
// the interview's start.
func SearchNeedID(caseID string, start, end time.Time, it InterviewType, m Modality, region string, at time.Time) string {
	hour := at.UTC().Truncate(SearchNeedWindow)
	return DerivedIDAt(start, "unmet", "search", caseID, Timestamp(start).Format(time.RFC3339Nano),
		Timestamp(end).Format(time.RFC3339Nano), string(it), string(m), region, hour.Format(time.RFC3339))
}

// OfferNeedID is the ID of the unmet need of an unfilled offer: one per
// offer, however often its last move is written.
func OfferNeedID(offerID string, start time.Time) string {
	return DerivedIDAt(start, "unmet", "offer", offerID)
}

// CountReasons returns counts as ReasonCounts ordered by code, leaving
// out codes counted zero times.
func CountReasons(counts map[string]int) []ReasonCount {
	out := make([]ReasonCount, 0, len(counts))
	for code, n := range counts {
		if n > 0 {
			out = append(out, ReasonCount{Code: code, Count: n})
		}
	}
	slices.SortFunc(out, func(a, b ReasonCount) int { return cmp.Compare(a.Code, b.Code) })
	return out
}

// Bounds of an entry of unmet need.
const (
	// MaxNeedReasons bounds the reason codes one entry counts.
	MaxNeedReasons = 50
	// MaxReasonCodeLength bounds a reason code.
	MaxReasonCodeLength = 40
)

// Validate checks an entry's invariants and returns a *ValidationError
// naming each field that breaks one.
func (n UnmetNeed) Validate() error {
	var p problems
	if n.ID == "" {
		p.add("id", "is required")
	} else {
		p.text("id", n.ID, MaxIDLength, oneLine)
	}
	if !organisationPattern.MatchString(n.Organisation) {
		p.add("organisation", "must be an organisation name")
	}
	if !oneOf(n.Source, NeedSources) {
		p.add("source", "must be one of "+list(NeedSources))
	}
	if n.Language == "" {
		p.add("language", "is required")
	} else {
		p.text("language", n.Language, MaxCodeLength, oneLine)
	}
	if !oneOf(n.InterviewType, InterviewTypes) {
		p.add("interviewType", "must be one of "+list(InterviewTypes))
	}
	if !oneOf(n.Modality, Modalities) {
		p.add("modality", "must be one of "+list(Modalities))
	}
	p.text("region", n.Region, MaxCodeLength, oneLine)
	if (Booking{Start: n.Start, End: n.Start.Add(time.Minute)}).CheckStorable() != nil || n.Start.IsZero() {
		p.add("start", "must be in the years 1 to 9999")
	}
	if n.RecordedAt.IsZero() {
		p.add("recordedAt", "is required")
	}
	if len(n.Reasons) > MaxNeedReasons {
		p.add("reasons", "counts too many codes")
	}
	for i, r := range n.Reasons {
		if r.Code == "" || r.Count < 1 {
			p.add("reasons", "each needs a code and a count of at least 1")
			break
		}
		if i > 0 && n.Reasons[i-1].Code >= r.Code {
			p.add("reasons", "must be ordered by code, each once")
			break
		}
		p.text("reasons", r.Code, MaxReasonCodeLength, oneLine)
	}
	return p.err()
}

// UnmetNeedQuery selects one organisation's unmet need, or the whole
// register's, whose interview starts in [From, To), by start then ID.
type UnmetNeedQuery struct {
	// Organisation names the organisation; Register, instead, asks for
	// every organisation's entries. Exactly one of them is set.
	Organisation string
	Register     bool
	From, To     time.Time
	// After is a cursor returned as Page.Next.
	After string
	Limit int
}

// UnmetNeedStore keeps the record of unmet need. Entries land only with
// the change that decides them (Change.UnmetNeed), and are never updated.
type UnmetNeedStore interface {
	// ListUnmetNeed returns the entries matching q, by start then ID, off
	// an index by organisation and start (by start alone for the
	// register): its cost follows the page. ErrInvalid without an
	// organisation or register (or with both), or with a cursor it did not
	// issue.
	ListUnmetNeed(ctx context.Context, q UnmetNeedQuery) (Page[UnmetNeed], error)
}
