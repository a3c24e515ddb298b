package matching

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// benchInput builds a register of 10,000 interpreters, about 500 of whom
// speak Sorani or a related variety, with 100,000 bookings spread over the
// whole register from a day before the slot to 15 days after it.
func benchInput(b *testing.B) (in Input, speakers []data.Interpreter) {
	return benchRegister(b, func(i int) bool { return i%20 == 0 })
}

// benchRegister builds benchInput's register, with the interpreters for
// whom speaks holds speaking Sorani or a related variety.
func benchRegister(b *testing.B, speaks func(i int) bool) (in Input, speakers []data.Interpreter) {
	b.Helper()
	r := rand.New(rand.NewPCG(9, 10))
	related := []string{"ckb", "ckb", "ckb", "kmr", "ku"}
	others := []string{"ar", "apd", "arz", "ti", "am", "fa", "prs", "ps", "sq", "vi", "ro", "pl", "so", "om", "ur", "bn", "pa", "zh", "yue", "uk", "ru", "es", "fr", "pt", "tr"}
	in = testInput()
	in.Modality = data.ModalityInPerson
	in.Recent, in.Unreliable = map[string]int{}, map[string]int{}
	for i := range 10_000 {
		it := perfect(fmt.Sprintf("i%05d", i))
		it.Languages = []data.LanguageSkill{{Tag: pick(r, others), Proficiency: pick(r, data.Proficiencies)}, {Tag: "en", Proficiency: data.ProficiencyFluent}}
		if speaks(i) {
			it.Languages[0].Tag = pick(r, related)
		}
		it.Gender = pick(r, data.Genders)
		it.Training = append(it.Training,
			data.Training{Kind: data.TrainingTraumaInformed, Completed: data.MustDate("2024-01-01"), Expires: data.MustDate("2026-06-25")},
			data.Training{Kind: data.TrainingTrafficking, Completed: data.MustDate("2024-01-01")})
		it.Qualifications = append(it.Qualifications, data.Qualification{Kind: data.QualificationCIOL})
		it.CommunityLinks = []data.CommunityLink{{Kind: data.LinkCountry, Value: pick(r, []string{"IQ", "IR", "TR", "SY", "GB"})}, {Kind: data.LinkTown, Value: pick(r, []string{"Erbil", "Ranya", "Duhok", "Mosul", "Qamishli", "Sulaymaniyah"})}}
		it.Experience = data.Experience{ChildInterviews: r.IntN(60), TraffickingCases: r.IntN(20), Years: r.IntN(25)}
		if r.IntN(10) == 0 {
			it.Vetting.Status = data.VettingSuspended
		}
		in.Pool = append(in.Pool, it)
		if speaks(i) {
			speakers = append(speakers, it)
		}
		in.Recent[it.ID] = r.IntN(6)
		if r.IntN(10) == 0 {
			in.Unreliable[it.ID] = 1
		}
	}
	for i := range 100_000 {
		id := in.Pool[r.IntN(len(in.Pool))].ID
		s := testStart.Add(-24*time.Hour + time.Duration(r.IntN(16*24*4))*15*time.Minute)
		bk := booking(fmt.Sprintf("b%06d", i), id, s, s.Add(time.Duration(1+r.IntN(6))*30*time.Minute), pick(r, data.Modalities))
		if r.IntN(10) == 0 {
			bk.Status = data.BookingCancelled
		}
		in.Bookings = append(in.Bookings, bk)
	}
	return in, speakers
}

// BenchmarkMatchRegister passes the whole register of 10,000 as the pool.
func BenchmarkMatchRegister(b *testing.B) {
	in, _ := benchInput(b)
	p := DefaultPolicy()
	for b.Loop() {
		if _, err := Match(in, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatchSpeakers passes only the ~500 speakers, as the app does.
func BenchmarkMatchSpeakers(b *testing.B) {
	in, speakers := benchInput(b)
	in.Pool = speakers
	p := DefaultPolicy()
	var res Result
	for b.Loop() {
		var err error
		if res, err = Match(in, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(res.Candidates)), "candidates")
	b.ReportMetric(float64(len(res.Excluded)), "excluded")
}

// BenchmarkMatchSpeakersOwnBookings passes the ~500 speakers and only their
// bookings, as a store query by interpreter and time would return them.
func BenchmarkMatchSpeakersOwnBookings(b *testing.B) {
	in, speakers := benchInput(b)
	in.Pool = speakers
	ids := map[string]bool{}
	for _, s := range speakers {
		ids[s.ID] = true
	}
	var own []data.Booking
	for _, bk := range in.Bookings {
		if ids[bk.InterpreterID] {
			own = append(own, bk)
		}
	}
	in.Bookings = own
	p := DefaultPolicy()
	for b.Loop() {
		if _, err := Match(in, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(own)), "bookings")
}

// BenchmarkEvaluate re-judges one interpreter with their own bookings, as
// booking creation does.
func BenchmarkEvaluate(b *testing.B) {
	in, speakers := benchInput(b)
	interp := speakers[0]
	var own []data.Booking
	for _, bk := range in.Bookings {
		if bk.InterpreterID == interp.ID {
			own = append(own, bk)
		}
	}
	in.Bookings = own
	p := DefaultPolicy()
	for b.Loop() {
		if _, _, err := Evaluate(in, interp, p); err != nil {
			b.Fatal(err)
		}
	}
}

// withAvailability returns a copy of pool in which every interpreter has
// declared hours, in one of a few zones, and two to four unavailable
// periods within a month either side of the slot. Unless covering, about
// one in four is off duty at testStart (out of hours in New York, or on
// leave), most of them with a NextAvailable to find; covering keeps the
// same hours and periods but moves New York's hours and the periods that
// meet the slot, so that no one is off duty and only the cost of judging
// shows.
func withAvailability(pool []data.Interpreter, covering bool) []data.Interpreter {
	r := rand.New(rand.NewPCG(11, 12))
	out := slices.Clone(pool)
	for i := range out {
		a := &out[i].Availability
		switch n := r.IntN(20); {
		case n < 10:
			a.TimeZone, a.Weekly = "Europe/London", weekly("09:00", "17:00", weekdays...)
		case n < 13:
			a.Weekly = slices.Concat(weekly("08:00", "12:00", allWeek...), weekly("12:00", "20:00", allWeek...))
		case n < 16:
			a.TimeZone, a.Weekly = "Europe/Berlin", weekly("09:00", "18:00", weekdays...)
		case n < 18:
			a.TimeZone, a.Weekly = "Asia/Kolkata", weekly("10:00", "19:00", weekdays...)
		case covering:
			a.TimeZone, a.Weekly = "America/New_York", weekly("05:00", "17:00", weekdays...)
		default:
			a.TimeZone, a.Weekly = "America/New_York", weekly("09:00", "17:00", weekdays...)
		}
		for range 2 + r.IntN(3) {
			s := testStart.Add(time.Duration(r.IntN(60*24)-30*24) * time.Hour)
			e := s.Add(time.Duration(1+r.IntN(10*24)) * time.Hour)
			if covering && s.Before(testEnd) && testStart.Before(e) {
				s, e = s.AddDate(0, 2, 0), e.AddDate(0, 2, 0)
			}
			a.Unavailable = append(a.Unavailable, data.Period{Start: s, End: e})
		}
	}
	return out
}

// BenchmarkMatchAvailability compares Match over the ~500 speakers with no
// availability declared ("none"), with availability declared for every one
// that leaves everyone on duty ("covering": the cost of judging it), and
// with a realistic one ("declared": fewer candidates to score, a
// NextAvailable to find for each interpreter off duty): with all 100,000
// bookings (as BenchmarkMatchSpeakers) and with only the speakers' own (as
// BenchmarkMatchSpeakersOwnBookings). Each iteration runs the three in
// turn, in a rotating order, and times each; the medians of those times are
// reported (none-ns/op, ...) with covering's and declared's time over
// none's (covering-%, declared-%). On a shared machine the three meet the
// same load, so the ratios hold where ns/op alone would not.
func BenchmarkMatchAvailability(b *testing.B) {
	in, speakers := benchInput(b)
	in.Pool = speakers
	ids := map[string]bool{}
	for _, s := range speakers {
		ids[s.ID] = true
	}
	own := in
	own.Bookings = nil
	for _, bk := range in.Bookings {
		if ids[bk.InterpreterID] {
			own.Bookings = append(own.Bookings, bk)
		}
	}
	pools := [][]data.Interpreter{speakers, withAvailability(speakers, true), withAvailability(speakers, false)}
	names := []string{"none", "covering", "declared"}
	p := DefaultPolicy()
	for _, bookings := range []struct {
		name string
		in   Input
	}{{"all-bookings", in}, {"own-bookings", own}} {
		b.Run(bookings.name, func(b *testing.B) {
			var took [3][]time.Duration
			var res [3]Result
			turn := 0
			for b.Loop() {
				for k := range 3 {
					v := (turn + k) % 3
					in := bookings.in
					in.Pool = pools[v]
					t0 := time.Now()
					r, err := Match(in, p)
					took[v] = append(took[v], time.Since(t0))
					if err != nil {
						b.Fatal(err)
					}
					res[v] = r
				}
				turn++
			}
			var median [3]float64
			for v, name := range names {
				slices.Sort(took[v])
				median[v] = float64(took[v][len(took[v])/2].Nanoseconds())
				b.ReportMetric(median[v], name+"-ns/op")
			}
			b.ReportMetric(100*(median[1]/median[0]-1), "covering-%")
			b.ReportMetric(100*(median[2]/median[0]-1), "declared-%")
			offDuty, next := 0, 0
			for _, x := range res[2].Excluded {
				if slices.ContainsFunc(x.Reasons, func(r data.Reason) bool { return r.Code == CodeOffDuty }) {
					offDuty++
				}
				if !x.NextAvailable.IsZero() {
					next++
				}
			}
			b.ReportMetric(float64(len(res[0].Candidates)), "none-candidates")
			b.ReportMetric(float64(len(res[2].Candidates)), "declared-candidates")
			b.ReportMetric(float64(offDuty), "declared-off-duty")
			b.ReportMetric(float64(next), "declared-next-available")
		})
	}
}

// national is a register of 10,000 with 835 speakers of Sorani or a related
// variety, as tolkbench seeds: 835 of every 10,000 interpreters. It
// returns the input as the app builds it from records (the speakers and
// their own bookings) and the same as a data.PoolStore's members.
func national(b *testing.B) (records, fast Input) {
	in, speakers := benchRegister(b, func(i int) bool { return i*835%10_000 < 835 })
	ids := map[string]bool{}
	for _, s := range speakers {
		ids[s.ID] = true
	}
	var own []data.Booking
	for _, bk := range in.Bookings {
		if ids[bk.InterpreterID] {
			own = append(own, bk)
		}
	}
	records = in
	records.Pool, records.Bookings = speakers, own
	fast = records
	fast.Members, fast.Pool, fast.Bookings = members(records), nil, nil
	return records, fast
}

// BenchmarkMatchNationalRecords judges the 835 speakers from their records
// and bookings: the plain path, the baseline of BenchmarkMatchNational.
func BenchmarkMatchNationalRecords(b *testing.B) {
	in, _ := national(b)
	benchMatch(b, in)
}

// BenchmarkMatchNational judges the same 835 speakers as members: their
// profiles and sorted slots, the fast path a store's MatchPool feeds.
func BenchmarkMatchNational(b *testing.B) {
	_, in := national(b)
	benchMatch(b, in)
}

// benchMatch runs Match on in, and reports the process's CPU time per
// match beside the wall time (cpu-ns/op; the machine may be shared).
func benchMatch(b *testing.B, in Input) {
	p := DefaultPolicy()
	var res Result
	var cpu0 time.Duration
	n := 0
	for b.Loop() {
		if n == 0 {
			cpu0 = cpuTime()
		}
		n++
		res.Release() // as the service does, once it has copied its page
		var err error
		if res, err = Match(in, p); err != nil {
			b.Fatal(err)
		}
	}
	if cpu := cpuTime(); cpu > 0 {
		b.ReportMetric(float64(cpu-cpu0)/float64(n), "cpu-ns/op")
	}
	b.ReportMetric(float64(len(res.Candidates)), "candidates")
	b.ReportMetric(float64(len(res.Excluded)), "excluded")
}
