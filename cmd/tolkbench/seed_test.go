package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
	"github.com/tolk/tolk/matching"
)

// TestSeedAvailability seeds a small file with --availability. Every
// interpreter declares hours that pass Validate, the records are otherwise
// those of a file seeded without it, and matching reads them: at a slot in
// one speaker's week away, exactly the speakers away then are excluded as
// off duty (with a next available start after their week), while others
// stay candidates; on a Sunday, when no one works, no one is a candidate.
func TestSeedAvailability(t *testing.T) {
	// Both files are seeded as of one moment: their dates (training,
	// clearance, agreements) count from its day, and two seeds a few
	// seconds apart either side of midnight UTC would differ in them.
	now := time.Now()
	seedClock = func() time.Time { return now }
	t.Cleanup(func() { seedClock = time.Now })
	plain, _ := seedFile(t)
	db := filepath.Join(t.TempDir(), "availability.db")
	var out bytes.Buffer
	if err := runCmd(t, []string{"seed", "--db", db, "--interpreters", "400", "--cases", "40", "--bookings", "2000", "--availability"}, &out); err != nil {
		t.Fatal(err)
	}
	var sd seeded
	if err := json.Unmarshal(out.Bytes(), &sd); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}

	all, speakers := readInterpreters(t, db)
	away := 0
	for _, in := range all {
		if err := in.Validate(); err != nil {
			t.Errorf("%s: %v", in.ID, err)
		}
		if a := in.Availability; a.TimeZone != "Europe/London" || len(a.Weekly) < 5 {
			t.Errorf("%s declares %+v, want Europe/London hours on weekdays at least", in.ID, a)
		}
		if len(in.Availability.Unavailable) > 0 {
			away++
		}
	}
	if away < len(all)/20 || away > len(all)/5 {
		t.Errorf("%d of %d interpreters have a week away, want about one in ten", away, len(all))
	}
	withoutHours, _ := readInterpreters(t, plain)
	ignore := cmpopts.IgnoreFields(data.Interpreter{}, "Availability", "CreatedAt", "UpdatedAt", "Vetting.DecidedAt")
	if diff := cmp.Diff(withoutHours, all, cmp.AllowUnexported(data.Date{}), ignore); diff != "" {
		t.Errorf("the interpreters differ from those seeded without --availability (-without +with):\n%s", diff)
	}

	// A weekday slot at 10:00 in London within the first speaker's week away.
	i := slices.IndexFunc(speakers, func(in data.Interpreter) bool { return len(in.Availability.Unavailable) > 0 })
	if i < 0 {
		t.Fatal("no speaker of the Sorani case's languages has a week away; seed more")
	}
	leave := speakers[i].Availability.Unavailable[0]
	slot := leave.Start.In(data.London)
	for slot.Weekday() == time.Saturday || slot.Weekday() == time.Sunday {
		slot = slot.AddDate(0, 0, 1)
	}
	slot = slot.Add(10 * time.Hour)
	awayThen := map[string]data.Period{}
	for _, in := range speakers {
		for _, u := range in.Availability.Unavailable {
			if u.Start.Before(slot.Add(90*time.Minute)) && slot.Before(u.End) {
				awayThen[in.ID] = u
			}
		}
	}

	l := &loader{cfg: loadConfig{base: serveFile(t, db), key: sd.SocialWorkerKey}, client: http.DefaultClient}
	weekday := matchAt(t, l, sd.SoraniCaseID, slot)
	if len(weekday.Candidates) == 0 {
		t.Errorf("no candidates at %v, a weekday within everyone's hours", slot)
	}
	offDuty := map[string]bool{}
	for _, x := range weekday.Excluded {
		k := slices.IndexFunc(x.Reasons, func(r reason) bool { return r.Code == matching.CodeOffDuty })
		if k < 0 {
			continue
		}
		offDuty[x.Interpreter.ID] = true
		u, ok := awayThen[x.Interpreter.ID]
		switch {
		case !ok:
			t.Errorf("%s is off duty at %v, when they are neither away nor out of hours: %+v", x.Interpreter.ID, slot, x.Reasons)
		case !strings.Contains(x.Reasons[k].Message, "declared a time they cannot work"):
			t.Errorf("%s: off_duty says %q, want their time away", x.Interpreter.ID, x.Reasons[k].Message)
		case len(x.Reasons) == 1 && (x.NextAvailable == nil || x.NextAvailable.Before(u.End)):
			t.Errorf("%s is away until %v but next available at %v", x.Interpreter.ID, u.End, x.NextAvailable)
		}
	}
	for id := range awayThen {
		if !offDuty[id] {
			t.Errorf("%s is away at %v but not excluded as off duty", id, slot)
		}
	}
	if !offDuty[speakers[i].ID] {
		t.Errorf("%s, away from %v to %v, is not off duty at %v", speakers[i].ID, leave.Start, leave.End, slot)
	}

	sunday := time.Now().In(data.London).AddDate(0, 0, 1)
	for sunday.Weekday() != time.Sunday {
		sunday = sunday.AddDate(0, 0, 1)
	}
	sunday = time.Date(sunday.Year(), sunday.Month(), sunday.Day(), 10, 0, 0, 0, data.London)
	res := matchAt(t, l, sd.SoraniCaseID, sunday)
	if len(res.Candidates) != 0 || len(res.Excluded) == 0 {
		t.Errorf("on a Sunday, %d candidates and %d excluded; want none and every speaker", len(res.Candidates), len(res.Excluded))
	}
	for _, x := range res.Excluded {
		if !slices.ContainsFunc(x.Reasons, func(r reason) bool {
			return r.Code == matching.CodeOffDuty && strings.Contains(r.Message, "outside the working hours")
		}) {
			t.Errorf("%s is not off duty on a Sunday: %+v", x.Interpreter.ID, x.Reasons)
		}
	}
}

// reason is a reason in a match's answer.
type reason struct{ Code, Message string }

// matchAnswer is what a test reads of a match's answer.
type matchAnswer struct {
	Candidates []struct{ Interpreter struct{ ID string } }
	Excluded   []struct {
		Interpreter   struct{ ID string }
		Reasons       []reason
		NextAvailable *time.Time
	}
	ExcludedNext string
}

// matchAt asks the service for the seeded Sorani case's candidates for 90
// minutes by video from start, and every excluded interpreter (following
// the answer's cursor).
func matchAt(t *testing.T, l *loader, caseID string, start time.Time) matchAnswer {
	t.Helper()
	body := slotBody(start.UTC(), 90*time.Minute, 100)
	body["excludedLimit"] = 100
	var all matchAnswer
	for page := 0; ; page++ {
		var res matchAnswer
		if err := l.callJSON(t.Context(), "POST", "/v1/cases/"+caseID+"/matches", body, http.StatusOK, &res); err != nil {
			t.Fatal(err)
		}
		if page == 0 {
			all.Candidates = res.Candidates
		}
		all.Excluded = append(all.Excluded, res.Excluded...)
		if res.ExcludedNext == "" {
			return all
		}
		if page > 100 {
			t.Fatal("the excluded's cursor does not end")
		}
		body["excludedAfter"] = res.ExcludedNext
	}
}

// readInterpreters returns every interpreter of a seeded file in ID order,
// and the speakers of the seeded Sorani case's languages and related
// varieties (its match's pool).
func readInterpreters(t *testing.T, db string) (all, speakers []data.Interpreter) {
	t.Helper()
	s, err := bolt.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(t.Context())
	list := func(q data.InterpreterQuery) []data.Interpreter {
		var out []data.Interpreter
		q.Limit = data.MaxPageSize
		for {
			page, err := s.ListInterpreters(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, page.Items...)
			if page.Next == "" {
				return out
			}
			q.After = page.Next
		}
	}
	all = list(data.InterpreterQuery{})
	c, err := s.Case(t.Context(), "bench-case-00000")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range matching.PoolLanguageKeys(c.Child.Languages) {
		for _, in := range list(data.InterpreterQuery{LanguageKey: key}) {
			if !slices.ContainsFunc(speakers, func(o data.Interpreter) bool { return o.ID == in.ID }) {
				speakers = append(speakers, in)
			}
		}
	}
	return all, speakers
}
