package reports

import (
	"bytes"
	"encoding/csv"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

var start = time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)

func booking(id, interpreter string, conf data.Confirmation, created time.Time) data.BookingFact {
	return data.BookingFact{ID: id, InterpreterID: interpreter, Start: start,
		Status: data.BookingConfirmed, Confirmation: conf, CreatedAt: created, UpdatedAt: created}
}

// TestSummary: a fixture of bookings and unmet need, counted by hand.
func TestSummary(t *testing.T) {
	made := start.Add(-72 * time.Hour)
	var tl Tally
	// Four filled offers, after 1, 2, 3 and 10 hours.
	for i, h := range []int{1, 2, 3, 10} {
		b := booking(string(rune('a'+i)), "in-1", data.ConfirmationOffer, made.Add(time.Duration(h)*time.Hour))
		if i == 3 {
			b.InterpreterID = "in-2"
		}
		b.OfferedAt = made
		tl.AddBooking(b)
	}
	// A direct booking, cancelled 2 hours before the start (late); one
	// cancelled 3 days before (not late); one completed, not attended;
	// all three recorded before outcome codes were kept.
	late := booking("d", "in-3", data.ConfirmationDirect, made)
	late.Status, late.UpdatedAt = data.BookingCancelled, start.Add(-2*time.Hour)
	tl.AddBooking(late)
	early := booking("e", "in-3", data.ConfirmationOffer, made.Add(time.Hour))
	early.Status, early.UpdatedAt = data.BookingCancelled, start.Add(-72*time.Hour)
	early.OfferedAt = made
	tl.AddBooking(early)
	missed := booking("f", "in-2", data.ConfirmationOffer, made.Add(time.Hour))
	missed.Status, missed.Recorded, missed.OfferedAt = data.BookingCompleted, true, made
	tl.AddBooking(missed)
	// The offers: six filled (the bookings above made by offers), two
	// unfilled, one open, one cancelled; and three searches that found
	// nobody. An unfilled offer's unmet need adds nothing to its offer.
	for _, st := range []data.OfferStatus{data.OfferFilled, data.OfferFilled, data.OfferFilled, data.OfferFilled, data.OfferFilled,
		data.OfferFilled, data.OfferUnfilled, data.OfferUnfilled, data.OfferOpen, data.OfferCancelled} {
		tl.AddOffer(data.OfferFact{Status: st})
	}
	tl.AddNeed(data.UnmetNeed{Source: data.NeedOffer})
	for range 3 {
		tl.AddNeed(data.UnmetNeed{Source: data.NeedSearch})
	}
	got := tl.Summary()
	want := Summary{
		Requests: 11, Filled: 7, Unfilled: 2, Open: 1, Withdrawn: 1, FillRate: 7.0 / 11, Direct: 1,
		// Six offer fills: 1, 1, 1, 2, 3, 10 hours.
		TimeToFill:    Durations{Count: 6, Median: time.Hour, P90: 10 * time.Hour},
		Cancellations: Cancellations{Total: 2, Late: 1, Unrecorded: 2},
		NotAttended:   1, Searches: 3,
		// in-1: 3, in-2: 2 (one completed); cancelled bookings hold no time.
		Workload: Workload{Interpreters: 2, Min: 2, Median: 2, Max: 3, Bookings: 5},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if empty := (&Tally{}); empty.Summary().FillRate != 0 {
		t.Error("an empty period's fill rate is not 0")
	}
}

// TestSummaryOutcomeCodes: cancellations count by the party and lateness
// their codes say (not by when they were last changed), withdrawals by a
// rule apart, no-shows by who did not come, incidents whatever the
// outcome, and offers withdrawn late by their code; a fixture counted by
// hand.
func TestSummaryOutcomeCodes(t *testing.T) {
	made := start.Add(-72 * time.Hour)
	var tl Tally
	ended := func(id string, st data.BookingStatus, code data.OutcomeCode) data.BookingFact {
		b := booking(id, "in-"+id, data.ConfirmationDirect, made)
		// Every one changed long before the start: lateness comes from
		// the code alone.
		b.Status, b.Code, b.UpdatedAt = st, code, made
		if st == data.BookingCompleted {
			b.Recorded, b.Attended = true, code == data.OutcomeAttended
		}
		return b
	}
	for _, b := range []data.BookingFact{
		ended("a", data.BookingCancelled, data.OutcomeCancelledByRequester),
		ended("b", data.BookingCancelled, data.OutcomeCancelledByRequesterLate),
		ended("c", data.BookingCancelled, data.OutcomeCancelledByRequesterLate),
		ended("d", data.BookingCancelled, data.OutcomeCancelledByInterpreter),
		ended("e", data.BookingCancelled, data.OutcomeCancelledByInterpreterLate),
		ended("f", data.BookingCancelled, data.OutcomeWithdrawnByRule),
		ended("g", data.BookingCompleted, data.OutcomeChildDidNotAttend),
		ended("h", data.BookingCompleted, data.OutcomeInterpreterNoShow),
		ended("i", data.BookingCompleted, data.OutcomeInterpreterNoShow),
		ended("j", data.BookingCompleted, data.OutcomeCoordinationError),
		ended("k", data.BookingCompleted, data.OutcomeAttended),
		ended("l", data.BookingCompleted, data.OutcomeAttended),
	} {
		if b.ID == "l" || b.ID == "h" { // alone with the child: an incident, attended or not
			b.Incident = true
		}
		tl.AddBooking(b)
	}
	for _, c := range []data.OutcomeCode{data.OutcomeCancelledByRequester, data.OutcomeCancelledByRequesterLate, data.OutcomeCancelledByRequesterLate} {
		tl.AddOffer(data.OfferFact{Status: data.OfferCancelled, Code: c})
	}
	tl.AddOffer(data.OfferFact{Status: data.OfferUnfilled, Code: data.OutcomeUnfilled})
	got := tl.Summary()
	want := Cancellations{
		Total: 6, Late: 3,
		Requester: PartyCount{Total: 3, Late: 2}, Interpreter: PartyCount{Total: 2, Late: 1},
		WithdrawnByRule: 1,
	}
	if diff := cmp.Diff(want, got.Cancellations); diff != "" {
		t.Errorf("cancellations (-want +got):\n%s", diff)
	}
	if got.NoShows != (NoShows{Child: 1, Interpreter: 2}) || got.CoordinationErrors != 1 || got.NotAttended != 4 || got.Incidents != 2 {
		t.Errorf("no-shows %+v, coordination errors %d, not attended %d, incidents %d; want {1 2}, 1, 4, 2",
			got.NoShows, got.CoordinationErrors, got.NotAttended, got.Incidents)
	}
	if got.Requests != 16 || got.Withdrawn != 3 || got.WithdrawnLate != 2 || got.Unfilled != 1 {
		t.Errorf("requests %d, withdrawn %d (late %d), unfilled %d; want 16, 3 (2), 1", got.Requests, got.Withdrawn, got.WithdrawnLate, got.Unfilled)
	}
}

func TestRank(t *testing.T) {
	for _, c := range []struct {
		in      []int
		p, want int
	}{{nil, 50, 0}, {[]int{7}, 90, 7}, {[]int{1, 2}, 50, 1}, {[]int{1, 2, 3, 4}, 50, 2}, {[]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9}, {[]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 90, 10}} {
		if got := rank(c.in, c.p); got != c.want {
			t.Errorf("rank(%v, %d) = %d, want %d", c.in, c.p, got, c.want)
		}
	}
}

// TestNeedTable: entries count under their language and main reason.
func TestNeedTable(t *testing.T) {
	var nc NeedCounts
	nc.Add(data.UnmetNeed{Language: "ti"})
	nc.Add(data.UnmetNeed{Language: "ti", Reasons: []data.ReasonCount{{Code: "declined", Count: 2}, {Code: "expired", Count: 2}, {Code: "unavailable", Count: 1}}})
	nc.Add(data.UnmetNeed{Language: "ckb", Reasons: []data.ReasonCount{{Code: "declined", Count: 1}, {Code: "unavailable", Count: 3}}})
	tb := nc.Table()
	if !cmp.Equal(tb.Languages, []string{"ckb", "ti"}) || !cmp.Equal(tb.Reasons, []string{"declined", "no_speaker", "unavailable"}) {
		t.Fatalf("rows %v, columns %v", tb.Languages, tb.Reasons)
	}
	want := [][]int{{0, 0, 1}, {1, 1, 0}}
	for i := range want {
		for j := range want[i] {
			if tb.Cells[i][j].Value != want[i][j] {
				t.Errorf("cell %s/%s = %d, want %d", tb.Languages[i], tb.Reasons[j], tb.Cells[i][j].Value, want[i][j])
			}
		}
	}
	if tb.LanguageTotals[1].Value != 2 || tb.Total.Value != 3 {
		t.Errorf("totals: ti %d, all %d", tb.LanguageTotals[1].Value, tb.Total.Value)
	}
}

// TestSuppressRandomTables is a property test: for random tables, what a
// shareable table shows is the truth, shows no count from 1 to 4, and
// lets no suppressed count be worked out: solving the table's sums (each
// row and column adds up to its margin) for the hidden counts from the
// shown ones determines none of them.
func TestSuppressRandomTables(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 2026))
	suppressedSome := 0
	for n := range 2000 {
		R, C := 1+rng.IntN(5), 1+rng.IntN(5)
		values := make([][]int, R)
		for i := range values {
			values[i] = make([]int, C)
			for j := range values[i] {
				switch rng.IntN(4) {
				case 0:
				case 1:
					values[i][j] = 1 + rng.IntN(4)
				default:
					values[i][j] = rng.IntN(30)
				}
			}
		}
		langs, reasons := make([]string, R), make([]string, C)
		truth := tableOf(langs, reasons, values)
		shown := Suppress(truth)
		tg, sg := gridOf(truth), gridOf(shown)
		hidden := map[[2]int]int{} // grid position → index of the unknown
		for i := range sg.v {
			for j := range sg.v[i] {
				switch c := countAt(shown, i, j); {
				case c.Suppressed:
					hidden[[2]int{i, j}] = len(hidden)
				case c.Value != tg.v[i][j]:
					t.Fatalf("table %d: shows %d at %d,%d, truth %d", n, c.Value, i, j, tg.v[i][j])
				case c.Value > 0 && c.Value < Threshold:
					t.Fatalf("table %d: shows %d at %d,%d", n, c.Value, i, j)
				}
			}
		}
		if len(hidden) > 0 {
			suppressedSome++
		}
		for pos, k := range hidden {
			if determined(tg, hidden, k) {
				t.Fatalf("table %d (%v): the hidden count at %v (%d) can be worked out from what is shown", n, values, pos, tg.v[pos[0]][pos[1]])
			}
		}
	}
	if suppressedSome < 1000 {
		t.Errorf("only %d of 2000 tables needed suppression: the test tests little", suppressedSome)
	}
}

// countAt is the grid entry i, j of t (margins last).
func countAt(t NeedTable, i, j int) Count {
	R, C := len(t.Languages), len(t.Reasons)
	switch {
	case i < R && j < C:
		return t.Cells[i][j]
	case i < R:
		return t.LanguageTotals[i]
	case j < C:
		return t.ReasonTotals[j]
	}
	return t.Total
}

// determined reports whether unknown k is fixed by the table's sums: the
// unit vector of k lies in the row space of the sums' coefficients over
// the unknowns (Gaussian elimination: adding it does not raise the rank).
func determined(g grid, hidden map[[2]int]int, k int) bool {
	R, C := len(g.v)-1, len(g.v[0])-1
	var rows [][]float64
	line := func(cells [][2]int, total [2]int) {
		row := make([]float64, len(hidden))
		any := false
		for _, p := range cells {
			if u, ok := hidden[p]; ok {
				row[u]++
				any = true
			}
		}
		if u, ok := hidden[total]; ok {
			row[u]--
			any = true
		}
		if any {
			rows = append(rows, row)
		}
	}
	for i := range R + 1 {
		var cells [][2]int
		for j := range C {
			cells = append(cells, [2]int{i, j})
		}
		line(cells, [2]int{i, C})
	}
	for j := range C + 1 {
		var cells [][2]int
		for i := range R {
			cells = append(cells, [2]int{i, j})
		}
		line(cells, [2]int{R, j})
	}
	unit := make([]float64, len(hidden))
	unit[k] = 1
	return rankOf(rows) == rankOf(append(clone(rows), unit))
}

func clone(rows [][]float64) [][]float64 {
	out := make([][]float64, len(rows))
	for i, r := range rows {
		out[i] = append([]float64(nil), r...)
	}
	return out
}

func rankOf(m [][]float64) int {
	m = clone(m)
	r := 0
	for c := 0; len(m) > 0 && c < len(m[0]); c++ {
		p := -1
		for i := r; i < len(m); i++ {
			if math.Abs(m[i][c]) > 1e-9 {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		m[r], m[p] = m[p], m[r]
		for i := range m {
			if i != r && math.Abs(m[i][c]) > 1e-9 {
				f := m[i][c] / m[r][c]
				for j := range m[i] {
					m[i][j] -= f * m[r][j]
				}
			}
		}
		r++
	}
	return r
}

// TestSuppressTigrinya: two Tigrinya entries, each under its own reason:
// every count is under 5, so all are hidden.
func TestSuppressTigrinya(t *testing.T) {
	var nc NeedCounts
	nc.Add(data.UnmetNeed{Language: "ti"})
	nc.Add(data.UnmetNeed{Language: "ti", Reasons: []data.ReasonCount{{Code: "declined", Count: 1}}})
	s := Suppress(nc.Table())
	if !s.LanguageTotals[0].Suppressed || !s.Total.Suppressed || !s.Cells[0][0].Suppressed || !s.Cells[0][1].Suppressed {
		t.Errorf("shared: %+v", s)
	}
	big := NeedCounts{}
	for range 12 {
		big.Add(data.UnmetNeed{Language: "ar"})
	}
	if s := Suppress(big.Table()); s.Total.Suppressed || s.Total.Value != 12 {
		t.Errorf("a count of 12 alone: %+v", s.Total)
	}
}

// TestCSV: RFC 4180 quoting, CRLF, and formulas arriving as text
// (encoding/csv drops a bare CR inside a field when it writes CRLF).
func TestCSV(t *testing.T) {
	var buf bytes.Buffer
	rows := [][]string{
		{`=HYPERLINK("x")`, "+1", "-2", "@SUM(A1)", "\tTab", "\rCR", "plain", "a,b", `say "hi"`, "Ærø–ü"},
	}
	if err := WriteCSV(&buf, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, rows); err != nil {
		t.Fatal(err)
	}
	want := "a,b,c,d,e,f,g,h,i,j\r\n" + `"'=HYPERLINK(""x"")",'+1,'-2,'@SUM(A1)` + ",'\tTab,\"'CR\",plain,\"a,b\",\"say \"\"hi\"\"\",Ærø–ü\r\n"
	if got := buf.String(); got != want {
		t.Errorf("CSV:\n%q\nwant\n%q", got, want)
	}
	back, err := csv.NewReader(&buf).ReadAll()
	if err != nil || back[1][0] != `'=HYPERLINK("x")` || back[1][7] != "a,b" {
		t.Errorf("read back: %q, %v", back, err)
	}
}
