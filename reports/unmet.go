package reports

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/tolk/tolk/data"
)

// NeedTable is unmet need by language (rows) and reason (columns): each
// entry of unmet need counts once, under its language and its main reason
// (MainReason), so every row and column adds up to its total and the table
// can be protected for sharing (Suppress).
type NeedTable struct {
	Languages []string // the rows, in order of tag
	Reasons   []string // the columns, in order of code
	// Cells[i][j] counts the entries of language i whose main reason is
	// reason j; LanguageTotals, ReasonTotals and Total are the margins.
	Cells          [][]Count
	LanguageTotals []Count
	ReasonTotals   []Count
	Total          Count
}

// Count is one published number: Suppressed hides Value in a shareable
// report (Value is then zero).
type Count struct {
	Value      int
	Suppressed bool
}

// MainReason is what an entry of unmet need counts under: the reason that
// ruled out the most interpreters, the first by code on a tie;
// data.NeedNoSpeaker for an entry without reasons.
func MainReason(n data.UnmetNeed) string {
	best := data.ReasonCount{Code: data.NeedNoSpeaker}
	for _, r := range n.Reasons {
		if r.Count > best.Count || r.Count == best.Count && best.Count > 0 && r.Code < best.Code {
			best = r
		}
	}
	return best.Code
}

// NeedCounts gathers entries of unmet need into a NeedTable. The zero
// NeedCounts is empty and ready.
type NeedCounts struct {
	counts map[[2]string]int
}

// Add counts one entry.
func (nc *NeedCounts) Add(n data.UnmetNeed) {
	if nc.counts == nil {
		nc.counts = map[[2]string]int{}
	}
	nc.counts[[2]string{n.Language, MainReason(n)}]++
}

// Table returns the table of what was added, with its margins.
func (nc *NeedCounts) Table() NeedTable {
	var t NeedTable
	for k := range nc.counts {
		if !slices.Contains(t.Languages, k[0]) {
			t.Languages = append(t.Languages, k[0])
		}
		if !slices.Contains(t.Reasons, k[1]) {
			t.Reasons = append(t.Reasons, k[1])
		}
	}
	slices.Sort(t.Languages)
	slices.Sort(t.Reasons)
	values := make([][]int, len(t.Languages))
	for i, l := range t.Languages {
		values[i] = make([]int, len(t.Reasons))
		for j, r := range t.Reasons {
			values[i][j] = nc.counts[[2]string{l, r}]
		}
	}
	return tableOf(t.Languages, t.Reasons, values)
}

// tableOf is the table of these cells, its margins summed.
func tableOf(languages, reasons []string, values [][]int) NeedTable {
	t := NeedTable{Languages: languages, Reasons: reasons, LanguageTotals: make([]Count, len(languages)), ReasonTotals: make([]Count, len(reasons))}
	t.Cells = make([][]Count, len(languages))
	for i := range languages {
		t.Cells[i] = make([]Count, len(reasons))
		for j := range reasons {
			v := values[i][j]
			t.Cells[i][j].Value = v
			t.LanguageTotals[i].Value += v
			t.ReasonTotals[j].Value += v
			t.Total.Value += v
		}
	}
	return t
}

// Row is one language's line of a NeedTable, as JSON and CSV list it.
type Row struct {
	Language string
	Total    Count
	Reasons  []Cell
}

// Cell is one reason's count in a Row.
type Cell struct {
	Reason string
	Count  Count
}

// Rows returns the table's rows, by language, each with every reason.
func (t NeedTable) Rows() []Row {
	rows := make([]Row, len(t.Languages))
	for i, l := range t.Languages {
		rows[i] = Row{Language: l, Total: t.LanguageTotals[i]}
		for j, r := range t.Reasons {
			rows[i].Reasons = append(rows[i].Reasons, Cell{Reason: r, Count: t.Cells[i][j]})
		}
	}
	return rows
}

// Threshold is the smallest count a shareable report shows: counts from 1
// to Threshold-1 are suppressed.
const Threshold = 5

// Suppress returns the table as it may be shared outside the
// organisation: every count from 1 to Threshold-1 suppressed (primary),
// cells and margins alike, and then enough others (secondary) that no
// suppressed count can be worked out from what is shown. Zeros are not
// suppressed on their own account (a zero discloses nobody) but may be
// suppressed to protect others.
//
// The table with its margins is a grid of (languages+1) × (reasons+1)
// counts in which every row and every column adds up (a margin is the
// sum of its line). Take rows and columns as the nodes of a graph and
// each suppressed count as an edge between its row and its column: a
// suppressed count can be worked out from the shown ones exactly when its
// edge lies on no cycle (it is a bridge); one on a cycle can move up and
// down that cycle, alternately, without changing a single sum. So
// Suppress adds suppressions until no suppressed count is a bridge:
// for a bridge at (r, c) it suppresses the cheapest rectangle (r, c'),
// (r', c), (r', c') that puts it on a 4-cycle (cheapest: the smallest sum
// of counts newly hidden). A grid entirely suppressed has no bridge, so
// this ends.
func Suppress(t NeedTable) NeedTable {
	g := gridOf(t)
	for i := range g.v {
		for j := range g.v[i] {
			if g.v[i][j] > 0 && g.v[i][j] < Threshold {
				g.s[i][j] = true
			}
		}
	}
	for {
		r, c, ok := g.bridge()
		if !ok {
			break
		}
		g.cover(r, c)
	}
	return g.table(t)
}

// grid is a table with its margins as the last row and column: v the
// values, s which are suppressed.
type grid struct {
	v [][]int
	s [][]bool
}

func gridOf(t NeedTable) grid {
	R, C := len(t.Languages), len(t.Reasons)
	g := grid{v: make([][]int, R+1), s: make([][]bool, R+1)}
	for i := range R + 1 {
		g.v[i], g.s[i] = make([]int, C+1), make([]bool, C+1)
		for j := range C + 1 {
			switch {
			case i < R && j < C:
				g.v[i][j] = t.Cells[i][j].Value
			case i < R:
				g.v[i][j] = t.LanguageTotals[i].Value
			case j < C:
				g.v[i][j] = t.ReasonTotals[j].Value
			default:
				g.v[i][j] = t.Total.Value
			}
		}
	}
	return g
}

// table is t with the grid's suppressions: suppressed values zeroed.
func (g grid) table(t NeedTable) NeedTable {
	R, C := len(t.Languages), len(t.Reasons)
	out := tableOf(t.Languages, t.Reasons, func() [][]int {
		vs := make([][]int, R)
		for i := range R {
			vs[i] = g.v[i][:C]
		}
		return vs
	}())
	hide := func(c *Count, i, j int) {
		if g.s[i][j] {
			*c = Count{Suppressed: true}
		}
	}
	for i := range R {
		for j := range C {
			hide(&out.Cells[i][j], i, j)
		}
		hide(&out.LanguageTotals[i], i, C)
	}
	for j := range C {
		hide(&out.ReasonTotals[j], R, j)
	}
	hide(&out.Total, R, C)
	return out
}

// bridge returns a suppressed entry that lies on no cycle of the graph of
// suppressed entries (rows and columns as nodes), if there is one.
func (g grid) bridge() (int, int, bool) {
	for i := range g.s {
		for j := range g.s[i] {
			if g.s[i][j] && !g.connectedWithout(i, j) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// connectedWithout reports whether row r and column c are connected
// through suppressed entries other than (r, c).
func (g grid) connectedWithout(r, c int) bool {
	R, C := len(g.s), len(g.s[0])
	seenRow, seenCol := make([]bool, R), make([]bool, C)
	seenRow[r] = true
	rows := []int{r}
	for len(rows) > 0 {
		i := rows[len(rows)-1]
		rows = rows[:len(rows)-1]
		for j := range C {
			if !g.s[i][j] || seenCol[j] || i == r && j == c {
				continue
			}
			if j == c {
				return true
			}
			seenCol[j] = true
			for k := range R {
				if g.s[k][j] && !seenRow[k] {
					seenRow[k] = true
					rows = append(rows, k)
				}
			}
		}
	}
	return false
}

// cover suppresses the cheapest rectangle that puts (r, c) on a cycle.
func (g grid) cover(r, c int) {
	type choice struct{ i, j, cost int }
	best := choice{-1, -1, 0}
	for i := range g.s {
		for j := range g.s[i] {
			if i == r || j == c {
				continue
			}
			cost := 0
			for _, p := range [][2]int{{r, j}, {i, c}, {i, j}} {
				if !g.s[p[0]][p[1]] {
					cost += g.v[p[0]][p[1]] + 1 // +1: fewer hidden counts on a tie of sums
				}
			}
			if best.i < 0 || cmp.Compare(cost, best.cost) < 0 {
				best = choice{i, j, cost}
			}
		}
	}
	for _, p := range [][2]int{{r, best.j}, {best.i, c}, {best.i, best.j}} {
		g.s[p[0]][p[1]] = true
	}
}

// NeedCSVHeader is the header of unmet need as CSV, stable.
var NeedCSVHeader = []string{"language", "reason", "count"}

// CSVRows is the table as CSV rows under NeedCSVHeader: a row per
// language and reason, a "total" row per language, then "all" rows for
// the reasons' totals and the grand total; a suppressed count reads
// "suppressed".
func (t NeedTable) CSVRows() [][]string {
	var rows [][]string
	for _, r := range t.Rows() {
		for _, cell := range r.Reasons {
			rows = append(rows, []string{r.Language, cell.Reason, cell.Count.String()})
		}
		rows = append(rows, []string{r.Language, "total", r.Total.String()})
	}
	for j, reason := range t.Reasons {
		rows = append(rows, []string{"all", reason, t.ReasonTotals[j].String()})
	}
	return append(rows, []string{"all", "total", t.Total.String()})
}

// String is the count as a report shows it: its value, or "suppressed".
func (c Count) String() string {
	if c.Suppressed {
		return "suppressed"
	}
	return strconv.Itoa(c.Value)
}
