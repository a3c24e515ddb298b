package app

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/matching"
)

// MatchRequest is the interview a social worker seeks an interpreter for.
type MatchRequest struct {
	Start, End    time.Time
	InterviewType data.InterviewType
	Modality      data.Modality
	Region        string
	// Limit bounds the candidates returned, best first (1-MaxMatchLimit,
	// 0 for DefaultMatchLimit).
	Limit int
	// ExcludedLimit bounds the excluded interpreters returned, nearest to
	// eligible first (1-MaxMatchLimit, 0 for DefaultMatchLimit), and
	// ExcludedAfter, a MatchResult's ExcludedNext, continues after the last
	// one a previous answer showed.
	ExcludedLimit int
	ExcludedAfter string
}

// Limits on the candidates a match returns.
const (
	// DefaultMatchLimit is how many candidates a match returns unless asked.
	DefaultMatchLimit = 20
	// MaxMatchLimit is the most candidates, or excluded interpreters, a
	// match returns.
	MaxMatchLimit = 100
	// MaxMatchCursorLength bounds a cursor of the excluded (ExcludedAfter).
	MaxMatchCursorLength = 200
)

// MatchResult is matching's answer, with interpreters in the reduced view,
// sized for people: a national register has hundreds of speakers of one
// language, most of them excluded, and nobody reads 700 exclusions one by
// one. So the answer holds the best candidates, how many interpreters
// each rule excluded, and a page of the excluded nearest to eligible
// first (see excludedOrder), with a cursor for the next.
type MatchResult struct {
	Candidates []Candidate
	// CandidateCount is how many interpreters pass every rule, of whom
	// Candidates are the first.
	CandidateCount int
	// ExcludedCounts is, for each reason code, how many excluded
	// interpreters fail that rule (one with two reasons counts under
	// both); ExcludedCount is how many are excluded.
	ExcludedCounts map[string]int
	ExcludedCount  int
	Excluded       []Excluded
	// ExcludedNext continues the excluded after this page (the request's
	// ExcludedAfter), or is "" when this page is the last.
	ExcludedNext string
}

// Candidate is a ranked interpreter who passes every hard rule.
type Candidate struct {
	Interpreter Interpreter
	Score       int
	Factors     []data.Factor
	Warnings    []data.Reason
}

// Excluded is an interpreter who speaks the language (or a related variety)
// but fails a hard rule, with every reason.
type Excluded struct {
	Interpreter   Interpreter
	Reasons       []data.Reason
	NextAvailable time.Time // zero unless excluded only as unavailable
}

// Match ranks the interpreters for an interview of a case of the actor's
// organisation. It reads, through indexes, the speakers of the child's
// languages and related varieties, their confirmed bookings around the
// slot, and the case's history; never the whole store.
func (a *App) Match(ctx context.Context, actor data.User, caseID string, req MatchRequest) (MatchResult, error) {
	c, err := a.GetCase(ctx, actor, caseID)
	if err != nil {
		return MatchResult{}, err
	}
	if err := c.CheckOpen(); err != nil {
		return MatchResult{}, err
	}
	if err := notTransferred(c); err != nil {
		return MatchResult{}, err
	}
	for _, l := range []struct {
		field string
		n     *int
	}{{"limit", &req.Limit}, {"excludedLimit", &req.ExcludedLimit}} {
		switch {
		case *l.n == 0:
			*l.n = DefaultMatchLimit
		case *l.n < 1 || *l.n > MaxMatchLimit:
			return MatchResult{}, invalid(l.field, fmt.Sprintf("must be an integer from 1 to %d", MaxMatchLimit))
		}
	}
	var after excludedKey
	if req.ExcludedAfter != "" {
		var ok bool
		if after, ok = parseExcludedKey(req.ExcludedAfter); !ok {
			return MatchResult{}, invalid("excludedAfter", "is not a cursor a match answered (excludedNext)")
		}
	}
	// What follows is the match's work: in turns (see matchTurn), once
	// the request has passed the checks above.
	release, err := a.matchTurn(ctx)
	if err != nil {
		return MatchResult{}, err
	}
	defer release()
	in, err := a.matchMembers(ctx, c, matching.Request{
		Case: c, Start: req.Start.UTC(), End: req.End.UTC(), InterviewType: req.InterviewType,
		Modality: req.Modality, Region: req.Region, Plan: a.policy.Plan(req.InterviewType, req.Modality),
	})
	if err != nil {
		return MatchResult{}, err
	}
	res, err := matching.Match(in, a.policy)
	if err != nil {
		return MatchResult{}, err
	}
	// The answer copies what it shows out of res, whose arrays the next
	// match reuses once released.
	defer res.Release()
	out := MatchResult{Candidates: make([]Candidate, 0, min(req.Limit, len(res.Candidates))), ExcludedCounts: map[string]int{},
		CandidateCount: len(res.Candidates), ExcludedCount: len(res.Excluded)}
	for _, cand := range res.Candidates[:min(req.Limit, len(res.Candidates))] {
		var factors []data.Factor // copies: cand's live in arrays the next match reuses
		if actor.Role == data.RoleCoordinator {
			factors = slices.Clone(cand.Factors)
		} else {
			factors = requesterFactors(cand.Factors)
		}
		out.Candidates = append(out.Candidates, Candidate{Interpreter: reduced(*cand.Interpreter), Score: cand.Score, Factors: factors, Warnings: slices.Clone(cand.Warnings)})
	}
	for _, ex := range res.Excluded {
		for k, r := range ex.Reasons { // one rule failed twice counts once
			if !slices.ContainsFunc(ex.Reasons[:k], func(o data.Reason) bool { return o.Code == r.Code }) {
				out.ExcludedCounts[r.Code]++
			}
		}
	}
	if len(res.Candidates) == 0 {
		if err := a.recordSearchNeed(ctx, actor, c, req, out.ExcludedCounts); err != nil {
			return MatchResult{}, err
		}
	}
	page := nearestExcluded(res.Excluded, after, req.ExcludedAfter != "", req.ExcludedLimit+1)
	if len(page) > req.ExcludedLimit {
		page = page[:req.ExcludedLimit]
		out.ExcludedNext = keyOf(res.Excluded[page[len(page)-1]]).String()
	}
	out.Excluded = make([]Excluded, 0, len(page))
	for _, i := range page {
		ex := res.Excluded[i]
		out.Excluded = append(out.Excluded, Excluded{Interpreter: reduced(*ex.Interpreter), Reasons: slices.Clone(ex.Reasons), NextAvailable: ex.NextAvailable})
	}
	return out, nil
}

// nearestExcluded returns the indexes of the first n of excluded in
// excludedKey order, after the key after when hasAfter: a page of the
// excluded nearest to eligible. It keeps the n smallest keys seen in
// order as it goes, so that a page of 20 out of 700 sorts 20, not 700.
func nearestExcluded(excluded []matching.Excluded, after excludedKey, hasAfter bool, n int) []int {
	page := make([]int, 0, n)
	keys := make([]excludedKey, 0, n)
	for i, ex := range excluded {
		k := keyOf(ex)
		if hasAfter && k.compare(after) <= 0 {
			continue
		}
		if len(keys) == n && k.compare(keys[n-1]) >= 0 {
			continue
		}
		at, _ := slices.BinarySearchFunc(keys, k, excludedKey.compare)
		if len(keys) == n {
			keys, page = keys[:n-1], page[:n-1]
		}
		keys, page = slices.Insert(keys, at, k), slices.Insert(page, at, i)
	}
	return page
}

// matchTurn waits for a turn at working out a match (Config.MatchTurns)
// and returns what ends it; it fails only when ctx ends first.
//
// Turns, because a match is a millisecond or so of CPU and 32 social
// workers asking at once on 2 cores made the Go scheduler serve them in
// no particular order: measured with wrk, the p99 was 150-170 ms for a
// p50 of 19-24 ms, some requests waiting behind many later ones. Waiting
// for a turn on a channel serves them in the order they came (a
// channel's waiting senders go first in, first out), at the same rate
// with as many turns as cores (README, Performance).
func (a *App) matchTurn(ctx context.Context) (func(), error) {
	if a.matchTurns == nil {
		return func() {}, nil
	}
	select {
	case a.matchTurns <- struct{}{}:
	default: // ctx.Done may start a timer: only when waiting
		select {
		case a.matchTurns <- struct{}{}:
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for a turn to match: %w", ctx.Err())
		}
	}
	return func() { <-a.matchTurns }, nil
}

// excludedKey orders the excluded nearest to eligible first: those ruled
// out only by time (who have a next available time), soonest available
// first; then by how few rules they fail; then by ID, so that the order
// is total and a cursor (the key of the last one shown) continues it
// whatever changed in between.
type excludedKey struct {
	timeOnly bool
	next     time.Time
	reasons  int
	id       string
}

func keyOf(ex matching.Excluded) excludedKey {
	return excludedKey{timeOnly: !ex.NextAvailable.IsZero(), next: ex.NextAvailable.UTC(), reasons: len(ex.Reasons), id: ex.Interpreter.ID}
}

func (k excludedKey) compare(o excludedKey) int {
	if k.timeOnly != o.timeOnly {
		if k.timeOnly {
			return -1
		}
		return 1
	}
	if c := k.next.Compare(o.next); c != 0 {
		return c
	}
	if c := cmp.Compare(k.reasons, o.reasons); c != 0 {
		return c
	}
	return strings.Compare(k.id, o.id)
}

// String is the key as a cursor: opaque to clients, URL-safe.
func (k excludedKey) String() string {
	t := int64(0)
	if k.timeOnly {
		t = k.next.UnixNano()
	}
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%t|%d|%d|%s", k.timeOnly, t, k.reasons, k.id)))
}

// parseExcludedKey reads a cursor String wrote.
func parseExcludedKey(s string) (excludedKey, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(s) > MaxMatchCursorLength {
		return excludedKey{}, false
	}
	parts := strings.SplitN(string(b), "|", 4)
	if len(parts) != 4 || parts[3] == "" {
		return excludedKey{}, false
	}
	timeOnly, err1 := strconv.ParseBool(parts[0])
	t, err2 := strconv.ParseInt(parts[1], 10, 64)
	n, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || n < 0 || (t != 0) != timeOnly {
		return excludedKey{}, false
	}
	k := excludedKey{timeOnly: timeOnly, reasons: n, id: parts[3]}
	if timeOnly {
		k.next = time.Unix(0, t).UTC()
	}
	return k, true
}

// recentWindow is how far back, and ahead, the fair-spread factor counts
// bookings.
const recentWindow = matching.RecentWindow

// matchMembers gathers what matching needs for one request, checking the
// request first so a bad one costs no reads: the speakers of the child's
// languages and related varieties as the store's pool (data.PoolStore),
// each one's profile and slots, which the store keeps from one match to
// the next while they stand (matching's fast path; Evaluate, judging one
// interpreter for a booking, reads the record and its bookings).
func (a *App) matchMembers(ctx context.Context, c data.Case, req matching.Request) (matching.Input, error) {
	now := a.now()
	in := matching.Input{Request: req, Now: now}
	if err := checkSlot(req, now); err != nil {
		return in, err
	}
	if err := in.Validate(a.policy); err != nil {
		return in, err
	}
	from, to := a.bookingsWindow(in)
	members, err := a.store.MatchPool(ctx, matching.PoolLanguageKeys(c.Child.Languages), from, to)
	if err != nil {
		return in, err
	}
	in.Members = onRegister(members)
	if in.Members == nil {
		in.Members = []data.PoolMember{}
	}
	// in.Recent stays nil: matching counts each candidate's slots within
	// matching.RecentWindow of now, which the window read covers.
	return in, a.completeCase(ctx, &in, c)
}

// onRegister returns the members still on the register: an interpreter
// who left it is never a candidate, and not listed among the excluded.
// The store's slice may be shared with other calls, so it is copied, not
// filtered in place, when someone is left out.
func onRegister(members []data.PoolMember) []data.PoolMember {
	left := func(m data.PoolMember) bool { return m.Profile.Interpreter.Vetting.Status == data.VettingLeft }
	if !slices.ContainsFunc(members, left) {
		return members
	}
	out := make([]data.PoolMember, 0, len(members))
	for _, m := range members {
		if !left(m) {
			out = append(out, m)
		}
	}
	return out
}

// bookingsWindow is the range of starts of the bookings a match reads:
// what the rules need around the slot (matching.BookingsFrom to 15 days
// after it) and the 30 days either side of now (fair spread: work already
// given and work to come).
func (a *App) bookingsWindow(in matching.Input) (from, to time.Time) {
	return earliest(matching.BookingsFrom(in.Start, a.policy), in.Now.Add(-recentWindow)),
		latest(in.Start.Add(15*24*time.Hour), in.Now.Add(recentWindow))
}

// complete reads what the hard rules and the factors need beyond the
// pool's records, for one request: the pool's bookings around the slot
// (and in the 30 days either side of now, for fair spread: work already
// given and work to come), the case's history, and the
// interpreters who declined the case's offers declaring a conflict (kept
// out of it as if the case excluded them: the reason shows only to
// coordinators, on the offer).
func (a *App) complete(ctx context.Context, in *matching.Input, c data.Case) error {
	ids := make([]string, len(in.Pool))
	for i, it := range in.Pool {
		ids[i] = it.ID
	}
	from, to := a.bookingsWindow(*in)
	bookings, err := a.store.ConfirmedBookings(ctx, ids, from, to)
	if err != nil {
		return err
	}
	in.Bookings = bookings
	in.Recent = map[string]int{}
	for _, b := range bookings {
		if !b.Start.Before(in.Now.Add(-recentWindow)) && b.Start.Before(in.Now.Add(recentWindow)) {
			in.Recent[b.InterpreterID]++
		}
	}
	return a.completeCase(ctx, in, c)
}

// completeCase reads the case's history and the interpreters who declined
// its offers declaring a conflict (see complete).
func (a *App) completeCase(ctx context.Context, in *matching.Input, c data.Case) error {
	var err error
	if in.History, err = a.caseSittings(ctx, c); err != nil {
		return err
	}
	conflicts, err := a.declaredConflicts(ctx, c)
	if err != nil {
		return err
	}
	if len(conflicts) > 0 {
		in.Case.ExcludedInterpreters = append(slices.Clone(in.Case.ExcludedInterpreters), conflicts...)
	}
	return nil
}

// latest returns the later of two instants.
func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// earliest returns the earlier of two instants.
func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
