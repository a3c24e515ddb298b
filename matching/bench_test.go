package matching

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// benchInput builds a register of 10,000 interpreters, about 500 of whom
// speak Sorani or a related variety, with 100,000 bookings spread over the
// whole register from a day before the slot to 15 days after it.
func benchInput(b *testing.B) (in Input, speakers []data.Interpreter) {
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
		if i%20 == 0 {
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
		if i%20 == 0 {
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
