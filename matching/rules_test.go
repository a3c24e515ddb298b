package matching

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

func TestPerfectIsCandidate(t *testing.T) {
	in := testInput()
	in.Pool = []data.Interpreter{perfect("a")}
	r := match(t, in)
	if len(r.Candidates) != 1 || len(r.Excluded) != 0 {
		t.Fatalf("Match = %+v, want one candidate", r)
	}
	if c := r.Candidates[0]; len(c.Warnings) != 0 {
		t.Errorf("warnings = %v, want none", c.Warnings)
	}
}

// TestEachRuleAlone breaks a perfect interpreter (or the case around them)
// in one way and expects exactly that rule's code, from Match and Evaluate.
func TestEachRuleAlone(t *testing.T) {
	type fix = func(in *Input, i *data.Interpreter)
	tests := []struct {
		name string
		code string
		fix  fix
	}{
		{"pending", CodeNotApproved, func(_ *Input, i *data.Interpreter) { i.Vetting.Status = data.VettingPending }},
		{"suspended", CodeNotApproved, func(_ *Input, i *data.Interpreter) { i.Vetting.Status = data.VettingSuspended }},
		{"rejected", CodeNotApproved, func(_ *Input, i *data.Interpreter) { i.Vetting.Status = data.VettingRejected }},
		{"no clearance", CodeClearanceInvalid, func(_ *Input, i *data.Interpreter) { i.Clearance = data.Clearance{} }},
		{"standard clearance", CodeClearanceInvalid, func(_ *Input, i *data.Interpreter) { i.Clearance.Level = data.ClearanceStandard }},
		{"clearance expired", CodeClearanceInvalid, func(_ *Input, i *data.Interpreter) { i.Clearance.ValidUntil = data.MustDate("2026-06-09") }},
		{"clearance below policy", CodeClearanceInvalid, func(in *Input, _ *data.Interpreter) { in.InterviewType = "barred" }},
		{"no abe training", CodeTrainingMissing, func(_ *Input, i *data.Interpreter) { i.Training = i.Training[:1] }},
		{"child protection l1 only", CodeTrainingMissing, func(_ *Input, i *data.Interpreter) { i.Training[0].Kind = data.TrainingChildProtectionL1 }},
		{"child protection expired", CodeTrainingMissing, func(_ *Input, i *data.Interpreter) { i.Training[0].Expires = data.MustDate("2026-06-09") }},
		{"training completed after", CodeTrainingMissing, func(_ *Input, i *data.Interpreter) { i.Training[1].Completed = data.MustDate("2026-06-11") }},
		{"no qualification", CodeQualificationMissing, func(_ *Input, i *data.Interpreter) { i.Qualifications = nil }},
		{"interim only", CodeQualificationMissing, func(_ *Input, i *data.Interpreter) { i.Qualifications[0].Kind = data.QualificationNRPSIInterim }},
		{"qualification expired", CodeQualificationMissing, func(_ *Input, i *data.Interpreter) { i.Qualifications[0].Expires = data.MustDate("2026-06-01") }},
		{"kurmanji for sorani", CodeLanguageMismatch, func(_ *Input, i *data.Interpreter) { i.Languages[0].Tag = "kmr" }},
		{"kurdish for sorani", CodeLanguageMismatch, func(_ *Input, i *data.Interpreter) { i.Languages[0].Tag = "ku" }},
		{"listed in case", CodeExcludedByCase, func(in *Input, i *data.Interpreter) {
			in.Case.ExcludedInterpreters = []data.CaseExclusion{{InterpreterID: i.ID, Reason: "knows the uncle"}}
		}},
		{"child declined", CodeExcludedByCase, func(in *Input, i *data.Interpreter) {
			b := booking("h1", i.ID, testStart.AddDate(0, -1, 0), testStart.AddDate(0, -1, 0).Add(time.Hour), data.ModalityVideo)
			b.Status, b.Outcome = data.BookingCompleted, &data.Outcome{Attended: true, ChildComfortable: false}
			in.History = []data.Sitting{b.Sitting()}
		}},
		{"town", CodeCommunityConflict, link(data.LinkTown, "RANYA")},
		{"town accented", CodeCommunityConflict, link(data.LinkTown, " Rányá ")},
		{"family", CodeCommunityConflict, link(data.LinkFamily, "family  qadir")},
		{"place of worship", CodeCommunityConflict, link(data.LinkPlaceOfWorship, "Mosque of the old bazaar")},
		{"organisation", CodeCommunityConflict, link(data.LinkOrganisation, "LUCKY STAR CAR WASH")},
		{"case reference", CodeCommunityConflict, link(data.LinkCase, "sw-2026-0042")},
		{"linked reference", CodeCommunityConflict, link(data.LinkCase, "op-kestrel-7")},
		{"country when avoiding", CodeCommunityConflict, func(in *Input, i *data.Interpreter) {
			in.Case.Child.AvoidOwnCommunity = true
			link(data.LinkCountry, "iq")(in, i)
		}},
		{"region when avoiding", CodeCommunityConflict, func(in *Input, i *data.Interpreter) {
			in.Case.Child.AvoidOwnCommunity = true
			link(data.LinkRegion, "IQ-SU")(in, i)
		}},
		{"no agreement", CodeAgreementMissing, func(_ *Input, i *data.Interpreter) { i.Agreements = data.Agreements{} }},
		{"gender required", CodeGenderMismatch, func(in *Input, _ *data.Interpreter) {
			in.Case.Child.InterpreterGender = data.GenderWish{Preference: data.GenderMale, Required: true}
		}},
		{"overlapping booking", CodeUnavailable, func(in *Input, i *data.Interpreter) {
			in.Bookings = []data.Booking{booking("b1", i.ID, testStart.Add(time.Hour), testEnd.Add(time.Hour), data.ModalityVideo)}
		}},
		{"booking inside travel buffer", CodeUnavailable, func(in *Input, i *data.Interpreter) {
			in.Bookings = []data.Booking{booking("b1", i.ID, testStart.Add(-time.Hour), testStart.Add(-29*time.Minute), data.ModalityVideo)}
		}},
		{"no in person", CodeModalityUnsupported, func(_ *Input, i *data.Interpreter) { i.Modalities = i.Modalities[1:] }},
		{"region not covered", CodeModalityUnsupported, func(in *Input, _ *data.Interpreter) { in.Region = "GB-MAN" }},
		{"phone not offered", CodeModalityUnsupported, func(in *Input, i *data.Interpreter) {
			in.Modality, i.Modalities = data.ModalityPhone, i.Modalities[:2]
		}},
	}
	p := DefaultPolicy()
	p.Requirements["barred"] = Requirement{Clearance: data.ClearanceEnhancedBarredChildren}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, interp := testInput(), perfect("a")
			tt.fix(&in, &interp)
			in.Pool = []data.Interpreter{interp}
			r, err := Match(in, p)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Excluded) != 1 || len(r.Candidates) != 0 {
				t.Fatalf("Match: %d candidates, %d excluded; want a excluded", len(r.Candidates), len(r.Excluded))
			}
			if diff := cmp.Diff([]string{tt.code}, codes(r.Excluded[0].Reasons)); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
			_, rs, err := Evaluate(in, interp, p)
			if err != nil || !cmp.Equal(rs, r.Excluded[0].Reasons) {
				t.Errorf("Evaluate = %v, %v; want Match's reasons %v", rs, err, r.Excluded[0].Reasons)
			}
			for _, rs := range r.Excluded[0].Reasons {
				for _, secret := range []string{"Ranya", "Qadir", "Bazaar", "Lucky", "uncle", "001234567890", "IQ-SU", "kestrel", "0042"} {
					if strings.Contains(strings.ToLower(rs.Message), strings.ToLower(secret)) {
						t.Errorf("message %q reveals %q", rs.Message, secret)
					}
				}
			}
		})
	}
}

func link(kind data.CommunityLinkKind, value string) func(*Input, *data.Interpreter) {
	return func(_ *Input, i *data.Interpreter) {
		i.CommunityLinks = append(i.CommunityLinks, data.CommunityLink{Kind: kind, Value: value})
	}
}

func TestEveryReasonReported(t *testing.T) {
	in, a := testInput(), perfect("a")
	a.Vetting.Status = data.VettingSuspended
	a.Agreements = data.Agreements{}
	a.CommunityLinks = []data.CommunityLink{{Kind: data.LinkTown, Value: "Ranya"}}
	a.Regions = nil
	a.Availability.Weekly = weekly("13:00", "17:00", weekdays...)
	in.Bookings = []data.Booking{booking("b1", "a", testStart, testEnd, data.ModalityVideo)}
	in.Pool = []data.Interpreter{a}
	r := match(t, in)
	want := []string{CodeNotApproved, CodeCommunityConflict, CodeAgreementMissing, CodeUnavailable, CodeModalityUnsupported, CodeOffDuty}
	if len(r.Excluded) != 1 {
		t.Fatalf("excluded = %+v", r.Excluded)
	}
	if diff := cmp.Diff(want, codes(r.Excluded[0].Reasons)); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
	if !r.Excluded[0].NextAvailable.IsZero() {
		t.Errorf("NextAvailable set for an interpreter excluded for more than availability")
	}
}

// TestCredentialDayInLondon: a credential valid until a date covers an
// interview ending any time that day in Europe/London, in BST and in GMT.
func TestCredentialDayInLondon(t *testing.T) {
	tests := []struct {
		name  string
		until string
		end   time.Time
		valid bool
	}{
		{"BST last minute", "2026-06-30", time.Date(2026, 6, 30, 22, 59, 0, 0, time.UTC), true},
		{"BST after midnight local", "2026-06-30", time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC), false},
		{"BST midnight local", "2026-06-30", time.Date(2026, 6, 30, 23, 0, 0, 0, time.UTC), false},
		{"BST day before", "2026-06-29", time.Date(2026, 6, 30, 8, 0, 0, 0, time.UTC), false},
		{"GMT last minute", "2026-01-31", time.Date(2026, 1, 31, 23, 59, 0, 0, time.UTC), true},
		{"GMT midnight", "2026-01-31", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), false},
		{"GMT morning", "2026-01-31", time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC), true},
	}
	creds := []struct {
		code string
		set  func(*data.Interpreter, data.Date)
	}{
		{CodeClearanceInvalid, func(i *data.Interpreter, d data.Date) { i.Clearance.ValidUntil = d }},
		{CodeTrainingMissing, func(i *data.Interpreter, d data.Date) { i.Training[0].Expires = d }},
		{CodeQualificationMissing, func(i *data.Interpreter, d data.Date) { i.Qualifications[0].Expires = d }},
	}
	for _, tt := range tests {
		for _, c := range creds {
			t.Run(tt.name+"/"+c.code, func(t *testing.T) {
				in, a := testInput(), perfect("a")
				in.Start, in.End, in.Now = tt.end.Add(-time.Hour), tt.end, tt.end.Add(-48*time.Hour)
				c.set(&a, data.MustDate(tt.until))
				_, rs := evaluate(t, in, a)
				want := []string{c.code}
				if tt.valid {
					want = nil
				}
				if diff := cmp.Diff(want, codes(rs)); diff != "" {
					t.Errorf("reasons (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestAvailabilityBoundaries: adjacent bookings do not overlap; the travel
// buffer applies when either booking is in person, on both sides.
func TestAvailabilityBoundaries(t *testing.T) {
	const (
		video    = data.ModalityVideo
		inPerson = data.ModalityInPerson
	)
	tests := []struct {
		name       string
		req, exist data.Modality
		start, end time.Time
		free       bool
	}{
		{"video adjacent before", video, video, testStart.Add(-time.Hour), testStart, true},
		{"video adjacent after", video, video, testEnd, testEnd.Add(time.Hour), true},
		{"video one minute over", video, video, testStart.Add(-time.Hour), testStart.Add(time.Minute), false},
		{"video inside", video, video, testStart.Add(time.Minute), testEnd.Add(-time.Minute), false},
		{"video around", video, video, testStart.Add(-time.Hour), testEnd.Add(time.Hour), false},
		{"in person just outside buffer before", inPerson, video, testStart.Add(-time.Hour), testStart.Add(-30 * time.Minute), true},
		{"in person inside buffer before", inPerson, video, testStart.Add(-time.Hour), testStart.Add(-29 * time.Minute), false},
		{"in person just outside buffer after", inPerson, video, testEnd.Add(30 * time.Minute), testEnd.Add(time.Hour), true},
		{"in person inside buffer after", inPerson, video, testEnd.Add(29 * time.Minute), testEnd.Add(time.Hour), false},
		{"existing in person inside buffer", video, inPerson, testEnd.Add(10 * time.Minute), testEnd.Add(time.Hour), false},
		{"existing in person just outside", video, inPerson, testEnd.Add(30 * time.Minute), testEnd.Add(time.Hour), true},
		{"phone near phone", data.ModalityPhone, data.ModalityPhone, testEnd.Add(time.Minute), testEnd.Add(time.Hour), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := testInput()
			in.Modality = tt.req
			in.Bookings = []data.Booking{booking("b1", "a", tt.start, tt.end, tt.exist)}
			_, rs := evaluate(t, in, perfect("a"))
			if got := len(rs) == 0; got != tt.free {
				t.Errorf("free = %v (%v), want %v", got, rs, tt.free)
			}
		})
	}
}

func TestBookingsIgnored(t *testing.T) {
	in := testInput()
	cancelled := booking("b2", "a", testStart, testEnd, data.ModalityVideo)
	cancelled.Status = data.BookingCancelled
	completed := booking("b3", "a", testStart, testEnd, data.ModalityVideo)
	completed.Status = data.BookingCompleted
	in.Bookings = []data.Booking{
		booking("self", "a", testStart, testEnd, data.ModalityInPerson), // the booking being rescheduled
		booking("b1", "someone-else", testStart, testEnd, data.ModalityInPerson),
		cancelled,
	}
	in.IgnoreBookingID = "self"
	if _, rs := evaluate(t, in, perfect("a")); len(rs) != 0 {
		t.Errorf("reasons = %v, want none", rs)
	}
	in.IgnoreBookingID = ""
	if _, rs := evaluate(t, in, perfect("a")); !cmp.Equal(codes(rs), []string{CodeUnavailable}) {
		t.Errorf("reasons = %v, want unavailable", rs)
	}
	// A completed booking still holds the interpreter's time: its outcome
	// may be recorded before it ends.
	in.IgnoreBookingID = "self"
	in.Bookings = append(in.Bookings, completed)
	if _, rs := evaluate(t, in, perfect("a")); !cmp.Equal(codes(rs), []string{CodeUnavailable}) {
		t.Errorf("with a completed booking in the slot: reasons = %v, want unavailable", rs)
	}
}

func TestNextAvailable(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name     string
		modality data.Modality
		bookings [][2]time.Time
		want     time.Time
	}{
		{"after one booking, buffer", data.ModalityInPerson, [][2]time.Time{{testStart, testStart.Add(time.Hour)}},
			testStart.Add(time.Hour + 30*time.Minute)},
		{"after one booking, video", data.ModalityVideo, [][2]time.Time{{testStart, testStart.Add(time.Hour)}},
			testStart.Add(time.Hour)},
		{"gap too small, next one", data.ModalityVideo, [][2]time.Time{
			{testStart, testStart.Add(time.Hour)},
			{testStart.Add(2 * time.Hour), testStart.Add(4 * time.Hour)}, // 1h gap, 2h needed
			{testStart.Add(7 * time.Hour), testStart.Add(8 * time.Hour)},
		}, testStart.Add(4 * time.Hour)},
		{"fits exactly in a gap", data.ModalityVideo, [][2]time.Time{
			{testStart.Add(-time.Hour), testStart.Add(time.Hour)},
			{testStart.Add(3 * time.Hour), testStart.Add(5 * time.Hour)},
		}, testStart.Add(time.Hour)},
		{"unsorted bookings", data.ModalityVideo, [][2]time.Time{
			{testStart.Add(3 * time.Hour), testStart.Add(5 * time.Hour)},
			{testStart.Add(-time.Hour), testStart.Add(time.Hour)},
			{testStart.Add(2 * time.Hour), testStart.Add(3 * time.Hour)},
		}, testStart.Add(5 * time.Hour)},
		{"last start within 14 days", data.ModalityVideo, [][2]time.Time{{testStart, testStart.Add(14 * day)}},
			testStart.Add(14 * day)},
		{"nothing within 14 days", data.ModalityVideo, [][2]time.Time{{testStart, testStart.Add(14*day + time.Minute)}},
			time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := testInput()
			in.Modality = tt.modality
			for i, b := range tt.bookings {
				in.Bookings = append(in.Bookings, booking(string(rune('a'+i)), "a", b[0], b[1], tt.modality))
			}
			in.Pool = []data.Interpreter{perfect("a")}
			r := match(t, in)
			if len(r.Excluded) != 1 || !cmp.Equal(codes(r.Excluded[0].Reasons), []string{CodeUnavailable}) {
				t.Fatalf("excluded = %+v, want a as unavailable", r.Excluded)
			}
			if got := r.Excluded[0].NextAvailable; !got.Equal(tt.want) {
				t.Errorf("NextAvailable = %v, want %v", got, tt.want)
			}
			if !tt.want.IsZero() { // the suggested slot is indeed free
				in.Start, in.End = tt.want, tt.want.Add(testEnd.Sub(testStart))
				if _, rs := evaluate(t, in, perfect("a")); len(rs) != 0 {
					t.Errorf("at NextAvailable: %v", rs)
				}
			}
		})
	}
}

func TestGenderPreferenceNotRequired(t *testing.T) {
	in := testInput()
	in.Case.Child.InterpreterGender = data.GenderWish{Preference: data.GenderMale}
	if _, rs := evaluate(t, in, perfect("a")); len(rs) != 0 {
		t.Errorf("a preference excluded: %v", rs)
	}
}

func TestNotASpeaker(t *testing.T) {
	in, a := testInput(), perfect("a")
	a.Languages = []data.LanguageSkill{{Tag: "ti", Proficiency: data.ProficiencyNative}}
	in.Pool = []data.Interpreter{a}
	if r := match(t, in); len(r.Candidates)+len(r.Excluded) != 0 {
		t.Errorf("a non-speaker appears: %+v", r)
	}
	if _, rs := evaluate(t, in, a); !cmp.Equal(codes(rs), []string{CodeLanguageMismatch}) {
		t.Errorf("Evaluate reasons = %v, want language_mismatch", rs)
	}
}
