package app

import (
	"context"
	"fmt"
	"slices"
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
	// Limit bounds the candidates returned (1-MaxMatchLimit, 0 for
	// DefaultMatchLimit); every excluded interpreter is always returned
	// with its reasons.
	Limit int
}

// Limits on the candidates a match returns.
const (
	// DefaultMatchLimit is how many candidates a match returns unless asked.
	DefaultMatchLimit = 20
	// MaxMatchLimit is the most candidates a match returns.
	MaxMatchLimit = 100
)

// MatchResult is matching's answer, with interpreters in the reduced view.
type MatchResult struct {
	Candidates []Candidate
	Excluded   []Excluded
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
	switch {
	case req.Limit == 0:
		req.Limit = DefaultMatchLimit
	case req.Limit < 1 || req.Limit > MaxMatchLimit:
		return MatchResult{}, invalid("limit", fmt.Sprintf("must be an integer from 1 to %d", MaxMatchLimit))
	}
	in, err := a.matchInput(ctx, c, matching.Request{
		Case: c, Start: req.Start.UTC(), End: req.End.UTC(), InterviewType: req.InterviewType,
		Modality: req.Modality, Region: req.Region,
	})
	if err != nil {
		return MatchResult{}, err
	}
	res, err := matching.Match(in, a.policy)
	if err != nil {
		return MatchResult{}, err
	}
	out := MatchResult{Candidates: []Candidate{}, Excluded: []Excluded{}}
	for i, cand := range res.Candidates {
		if i == req.Limit {
			break
		}
		out.Candidates = append(out.Candidates, Candidate{Interpreter: reduced(cand.Interpreter), Score: cand.Score, Factors: cand.Factors, Warnings: cand.Warnings})
	}
	for _, ex := range res.Excluded {
		out.Excluded = append(out.Excluded, Excluded{Interpreter: reduced(ex.Interpreter), Reasons: ex.Reasons, NextAvailable: ex.NextAvailable})
	}
	return out, nil
}

// recentWindow is how far back, and ahead, the fair-spread factor counts
// bookings.
const recentWindow = 30 * 24 * time.Hour

// matchInput gathers what matching needs for one request, checking the
// request first so a bad one costs no reads.
func (a *App) matchInput(ctx context.Context, c data.Case, req matching.Request) (matching.Input, error) {
	now := a.now()
	in := matching.Input{Request: req, Now: now}
	if err := checkSlot(req, now); err != nil {
		return in, err
	}
	if err := in.Validate(a.policy); err != nil {
		return in, err
	}
	seen := map[string]bool{}
	for _, key := range matching.PoolLanguageKeys(c.Child.Languages) {
		q := data.InterpreterQuery{LanguageKey: key, Limit: data.MaxPageSize}
		for {
			page, err := a.store.ListInterpreters(ctx, q)
			if err != nil {
				return in, err
			}
			for _, it := range page.Items {
				if !seen[it.ID] {
					seen[it.ID] = true
					in.Pool = append(in.Pool, it)
				}
			}
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
	}
	return in, a.complete(ctx, &in, c)
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
	from := earliest(in.Start.Add(-24*time.Hour), in.Now.Add(-recentWindow))
	to := latest(in.Start.Add(15*24*time.Hour), in.Now.Add(recentWindow))
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
	if in.History, err = a.caseHistory(ctx, c); err != nil {
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
