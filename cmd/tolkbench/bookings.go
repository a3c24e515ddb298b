package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The bookings phase books slots that cannot collide, so that every
// request can succeed and the phase measures booking, not refusal. Its
// window starts a day after the latest booking already stored from
// farAhead on (seeded bookings end within half a year; earlier load runs'
// bookings lie beyond), so repeated runs on one file never overlap (see
// bookingWindow).
const (
	farAhead = 200 * 24 * time.Hour
	// bookingSpan is how far the window reaches: the candidates are
	// matched at its end, so their credentials hold throughout.
	bookingSpan = 60 * 24 * time.Hour
	// slotStep separates an interpreter's slots; each booking lasts
	// bookingLength. One a day keeps within the policy's workload caps
	// (2 a day, 8 a week), so the phase measures booking, not refusal; an
	// interpreter booked once a day has about 30 bookings in the month a
	// booking's checks read (its week and wellbeing period back, 15 days
	// on).
	slotStep      = 24 * time.Hour
	bookingLength = 30 * time.Minute
)

// bookingPlan hands out the k-th booking of the phase: each candidate in
// turn, one slot later on every round, for the cases of the candidate's
// language in turn, so that no case gathers more bookings than a busy one
// would (a booking reads its case's history).
type bookingPlan struct {
	start time.Time
	cases [][]string // by language
	pairs []bookingPair
}

// bookingPair is a candidate and the language of the cases it is booked for.
type bookingPair struct {
	language    int
	interpreter string
}

// body returns the k-th booking request's body, or nil past the window.
func (p *bookingPlan) body(k int) []byte {
	pair, round := p.pairs[k%len(p.pairs)], k/len(p.pairs)
	if time.Duration(round)*slotStep >= bookingSpan {
		return nil
	}
	cases := p.cases[pair.language]
	start := p.start.Add(time.Duration(round) * slotStep)
	b := slotBody(start, bookingLength, 0)
	b["caseId"], b["interpreterId"] = cases[k%len(cases)], pair.interpreter
	// Several interpreters of one round may book one case's slot: each is
	// meant as an additional interpreter, so the run measures the
	// interpreter's overlap check, not the case's refusal.
	b["additional"] = true
	b["joinDetails"] = "https://meet.example.org/bench" // a video interview names its link
	raw, _ := json.Marshal(b)
	return raw
}

// slotBody is a match or booking request's body for a video social work
// interview; limit 0 leaves the limit out.
func slotBody(start time.Time, length time.Duration, limit int) map[string]any {
	b := map[string]any{
		"start": start.Format(time.RFC3339), "end": start.Add(length).Format(time.RFC3339),
		"interviewType": "social_work", "modality": "video",
	}
	if limit > 0 {
		b["limit"] = limit
	}
	return b
}

// planBookings finds the window, creates the cases to book for (new ones
// each run, so no case's history grows across runs) and matches one case
// of each language at the window's end for its candidates.
func (l *loader) planBookings(ctx context.Context) (*bookingPlan, error) {
	start, err := bookingWindow(func(t time.Time) (time.Time, error) {
		var page struct{ Items []struct{ Start time.Time } }
		err := l.callJSON(ctx, "GET", "/v1/bookings?limit=1&from="+url.QueryEscape(t.Format(time.RFC3339)), nil, http.StatusOK, &page)
		if err != nil || len(page.Items) == 0 {
			return time.Time{}, err
		}
		return page.Items[0].Start, nil
	})
	if err != nil {
		return nil, err
	}
	p := &bookingPlan{start: start}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	seen := map[string]bool{}
	for li, lang := range l.cfg.bookingLanguages {
		var cases []string
		for i := range l.cfg.bookingCases {
			body := map[string]any{
				"reference": fmt.Sprintf("LOAD-%s-%s-%03d", run, lang, i),
				"child":     map[string]any{"languages": []any{map[string]string{"tag": lang}}},
			}
			var c struct{ ID string }
			if err := l.callJSON(ctx, "POST", "/v1/cases", body, http.StatusCreated, &c); err != nil {
				return nil, err
			}
			cases = append(cases, c.ID)
		}
		p.cases = append(p.cases, cases)
		var m struct {
			Candidates []struct{ Interpreter struct{ ID string } }
		}
		req := slotBody(p.start.Add(bookingSpan), bookingLength, 100)
		if err := l.callJSON(ctx, "POST", "/v1/cases/"+cases[0]+"/matches", req, http.StatusOK, &m); err != nil {
			return nil, err
		}
		for _, c := range m.Candidates {
			if id := c.Interpreter.ID; !seen[id] { // one language per interpreter: slots never collide
				seen[id] = true
				p.pairs = append(p.pairs, bookingPair{language: li, interpreter: id})
			}
		}
	}
	if len(p.pairs) == 0 {
		return nil, errors.New("no interpreter is a candidate for the booking cases")
	}
	return p, nil
}

// bookingWindow returns the start of the bookings window: farAhead from
// today, or two days after the day of the latest booking starting later.
// firstFrom returns the start of the earliest booking of the organisation
// starting at or after t, or the zero time when there is none; the latest
// is found by a binary search of about 30 calls.
func bookingWindow(firstFrom func(t time.Time) (time.Time, error)) (time.Time, error) {
	from := time.Now().UTC().Truncate(24 * time.Hour).Add(farAhead)
	lo, err := firstFrom(from)
	if err != nil || lo.IsZero() {
		return from, err
	}
	// A booking starts at lo; none starts at or after hi.
	hi := lo.Add(10 * 365 * 24 * time.Hour)
	for hi.Sub(lo) > time.Minute {
		mid := lo.Add(hi.Sub(lo) / 2)
		next, err := firstFrom(mid)
		switch {
		case err != nil:
			return time.Time{}, err
		case next.IsZero():
			hi = mid
		default:
			lo = next
		}
	}
	return lo.Truncate(24 * time.Hour).Add(48 * time.Hour), nil
}
