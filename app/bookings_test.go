package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/matching"
)

// TestBookingRoles: social workers and coordinators book and read
// bookings; admins, the bootstrap admin included, do not.
func TestBookingRoles(t *testing.T) {
	type op func(e *env, actor data.User, c data.Case, in app.Interpreter, b data.Booking) error
	ops := map[string]op{
		"CreateBooking": func(e *env, actor data.User, c data.Case, in app.Interpreter, _ data.Booking) error {
			_, _, err := e.app.CreateBooking(e.t.Context(), actor, request(c.ID, in.ID, 1))
			return err
		},
		"CreateBooking with a key": func(e *env, actor data.User, c data.Case, in app.Interpreter, _ data.Booking) error {
			nb := request(c.ID, in.ID, 1)
			nb.IdempotencyKey = "k1"
			_, _, err := e.app.CreateBooking(e.t.Context(), actor, nb)
			return err
		},
		"GetBooking": func(e *env, actor data.User, _ data.Case, _ app.Interpreter, b data.Booking) error {
			_, err := e.app.GetBooking(e.t.Context(), actor, b.ID)
			return err
		},
		"ListBookings": func(e *env, actor data.User, _ data.Case, _ app.Interpreter, _ data.Booking) error {
			_, err := e.app.ListBookings(e.t.Context(), actor, app.BookingFilter{})
			return err
		},
		"BookingInvite": func(e *env, actor data.User, _ data.Case, _ app.Interpreter, b data.Booking) error {
			_, err := e.app.BookingInvite(e.t.Context(), actor, b.ID)
			return err
		},
		"ChangeBooking": func(e *env, actor data.User, _ data.Case, _ app.Interpreter, b data.Booking) error {
			loc := "Room " + string(actor.Role)
			_, err := e.app.ChangeBooking(e.t.Context(), actor, b.ID, app.BookingChange{Location: &loc})
			return err
		},
		"CancelBooking": func(e *env, actor data.User, _ data.Case, _ app.Interpreter, b data.Booking) error {
			_, err := e.app.CancelBooking(e.t.Context(), actor, b.ID, "ill")
			return err
		},
		"RecordOutcome": func(e *env, actor data.User, _ data.Case, _ app.Interpreter, b data.Booking) error {
			_, err := e.app.RecordOutcome(e.t.Context(), actor, b.ID, app.Outcome{Attended: true, ChildComfortable: true, Checklist: allChecked()})
			return err
		},
	}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			for who := range newEnv(t).roles() {
				t.Run(who, func(t *testing.T) {
					e := newEnv(t) // each actor on a booking of their own
					actor := e.roles()[who]
					c := e.newCase(e.north[data.RoleSocialWorker], "NR-1")
					in := e.approved("hana")
					b := e.book(e.north[data.RoleSocialWorker], request(c.ID, in.ID, 0))
					if name == "RecordOutcome" {
						e.now = b.Start.Add(time.Minute)
					}
					want := allow
					if actor.Role == data.RoleAdmin {
						want = app.KindForbidden
					}
					expect(t, op(e, actor, c, in, b), want)
				})
			}
		})
	}
}

func TestCreateBooking(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	c := e.newCase(sw, "NR-1")
	in := e.approved("hana")
	nb := request(c.ID, in.ID, 0)
	nb.Modality, nb.Region, nb.Location = data.ModalityInPerson, " gb-lnd ", " Room 4 "
	nb.ID = "chosen-by-client"
	b, replayed, err := e.app.CreateBooking(ctx, sw, nb)
	if err != nil || replayed {
		t.Fatalf("CreateBooking = %v, replayed %v", err, replayed)
	}
	if b.ID == "chosen-by-client" || b.Organisation != "north" || b.CaseReference != "NR-1" || b.BookedBy != sw.ID ||
		b.Status != data.BookingConfirmed || b.Version != 1 || b.Region != "GB-LND" || b.Location != "Room 4" ||
		b.Buffer != matching.DefaultPolicy().TravelBuffer || b.Match.Score <= 0 || b.Idempotency != "" {
		t.Errorf("booked %+v", b)
	}
	if diff := cmp.Diff(b, e.booking(b.ID)); diff != "" {
		t.Errorf("stored (-answered +stored):\n%s", diff)
	}
	if diff := cmp.Diff([]data.Action{data.ActionBookingCreated}, e.actions(b.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

// TestBookingRequestRules: a request the rules refuse before judging the
// interpreter names its fields.
func TestBookingRequestRules(t *testing.T) {
	e := newEnv(t)
	sw := e.north[data.RoleSocialWorker]
	c := e.newCase(sw, "NR-1")
	in := e.approved("hana")
	tests := []struct {
		name  string
		edit  func(*app.NewBooking)
		field string
	}{
		{"unknown interpreter", func(nb *app.NewBooking) { nb.InterpreterID = "nobody" }, "interpreterId"},
		{"unknown case", func(nb *app.NewBooking) { nb.CaseID = "nothing" }, "caseId"},
		{"start in the past", func(nb *app.NewBooking) { nb.Start, nb.End = testNow.Add(-time.Hour), testNow.Add(time.Hour) }, "start"},
		{"longer than a booking may be", func(nb *app.NewBooking) { nb.End = nb.Start.Add(data.MaxBookingDuration + time.Minute) }, "end"},
		{"end before start", func(nb *app.NewBooking) { nb.End = nb.Start.Add(-time.Minute) }, "end"},
		{"unknown interview type", func(nb *app.NewBooking) { nb.InterviewType = "tea" }, "interviewType"},
		{"in person without a region", func(nb *app.NewBooking) { nb.Modality = data.ModalityInPerson }, "region"},
		{"in person without an address", func(nb *app.NewBooking) {
			nb.Modality, nb.Region, nb.Location, nb.JoinDetails = data.ModalityInPerson, "GB-LND", " ", ""
		}, "location"},
		{"video without a link", func(nb *app.NewBooking) { nb.JoinDetails = "  " }, "joinDetails"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nb := request(c.ID, in.ID, 0)
			tc.edit(&nb)
			_, _, err := e.app.CreateBooking(t.Context(), sw, nb)
			f := wantKind(t, err, app.KindInvalid)
			if len(f.Fields) == 0 || f.Fields[0].Field != tc.field {
				t.Errorf("fields %v, want %s first", f.Fields, tc.field)
			}
		})
	}
	if page, _ := e.store.ListBookings(t.Context(), data.BookingQuery{Organisation: "north"}); len(page.Items) != 0 {
		t.Errorf("refused requests booked %d", len(page.Items))
	}
}

// TestIneligibleEveryReason: an interpreter failing every hard rule is
// refused with one reason per rule, in the rules' order.
func TestIneligibleEveryReason(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	bad := data.Interpreter{
		Name: "nobody suitable", Email: "nobody@interpreters.example", Gender: data.GenderMale,
		Languages:  []data.LanguageSkill{{Tag: "fr", Proficiency: data.ProficiencyFluent}},
		Modalities: []data.Modality{data.ModalityPhone},
		Clearance: data.Clearance{Level: data.ClearanceBasic, Certificate: "1", Issued: data.MustDate("2025-01-01"),
			ValidUntil: data.MustDate("2026-01-01")},
		CommunityLinks: []data.CommunityLink{{Kind: data.LinkTown, Value: "Ranya"}},
	}
	in := e.interpreter(bad, "") // pending
	fields := caseFields("NR-1")
	fields.Child.InterpreterGender = data.GenderWish{Preference: data.GenderFemale, Required: true}
	fields.Child.CommunityLinks = []data.CommunityLink{{Kind: data.LinkTown, Value: "Ranya"}}
	fields.ExcludedInterpreters = []data.CaseExclusion{{InterpreterID: in.ID, Reason: "the family knows him"}}
	c, err := e.app.CreateCase(ctx, sw, fields)
	if err != nil {
		t.Fatal(err)
	}
	// A booking in the way, written straight to the store (no rule would
	// let the app book him).
	clash := data.Booking{
		ID: "clash", Organisation: "south", CaseID: "south-case", InterpreterID: in.ID, BookedBy: "someone",
		Start: interview, End: interview.Add(time.Hour), InterviewType: data.InterviewHealth, Modality: data.ModalityPhone,
		Status: data.BookingConfirmed, Version: 1, CreatedAt: testNow, UpdatedAt: testNow,
	}
	ch := data.Audited(data.NewAuditEntry(testNow, app.System("south", ""), "south", data.ActionBookingCreated, data.EntityBooking, clash.ID))
	if err := e.store.CreateBooking(ctx, clash, ch); err != nil {
		t.Fatal(err)
	}

	_, _, err = e.app.CreateBooking(ctx, sw, request(c.ID, in.ID, 0))
	f := wantCode(t, err, app.KindUnprocessable, "ineligible")
	var codes []string
	for _, r := range f.Reasons {
		codes = append(codes, r.Code)
		if strings.Contains(r.Message, "Ranya") || strings.Contains(r.Message, "family knows") {
			t.Errorf("reason %s tells a value: %q", r.Code, r.Message)
		}
	}
	want := []string{
		matching.CodeNotApproved, matching.CodeClearanceInvalid, matching.CodeTrainingMissing, matching.CodeQualificationMissing,
		matching.CodeLanguageMismatch, matching.CodeExcludedByCase, matching.CodeCommunityConflict, matching.CodeAgreementMissing,
		matching.CodeGenderMismatch, matching.CodeUnavailable, matching.CodeModalityUnsupported,
	}
	if diff := cmp.Diff(want, codes); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
	if page, _ := e.store.ListBookings(ctx, data.BookingQuery{Organisation: "north"}); len(page.Items) != 0 {
		t.Errorf("an ineligible interpreter was booked: %+v", page.Items)
	}
}

// TestBookingOverlap: the store refuses a second booking of an
// interpreter's time, naming the booking in the way only to its own
// organisation; in-person bookings keep the travel buffer free.
func TestBookingOverlap(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	in := e.approved("hana")
	north, south := e.north[data.RoleSocialWorker], e.south[data.RoleSocialWorker]
	nc, sc := e.newCase(north, "NR-1"), e.newCase(south, "SO-1")
	first := e.book(north, request(nc.ID, in.ID, 0)) // 10:00-11:30 by video

	overlapping := request(nc.ID, in.ID, 0)
	overlapping.Start = first.Start.Add(time.Hour)
	overlapping.End = overlapping.Start.Add(time.Hour)
	_, _, err := e.app.CreateBooking(ctx, north, overlapping)
	f := wantCode(t, err, app.KindConflict, "booking_conflict")
	if f.Conflict == nil || f.Conflict.ID != first.ID || !strings.Contains(f.Message, first.ID) {
		t.Errorf("own organisation's conflict %+v, %q: want booking %s named", f.Conflict, f.Message, first.ID)
	}

	overlapping.CaseID = sc.ID
	_, _, err = e.app.CreateBooking(ctx, south, overlapping)
	f = wantCode(t, err, app.KindConflict, "booking_conflict")
	if f.Conflict == nil || f.Conflict.ID != "" || f.Conflict.CaseID != "" || f.Conflict.Organisation != "" || strings.Contains(f.Message, first.ID) {
		t.Errorf("another organisation's conflict %+v, %q: want the slot only", f.Conflict, f.Message)
	}
	if !f.Conflict.Start.Equal(first.Start) || !f.Conflict.End.Equal(first.End) {
		t.Errorf("conflict slot %v-%v, want %v-%v", f.Conflict.Start, f.Conflict.End, first.Start, first.End)
	}

	// The briefing and debrief hold the interpreter's time: a video
	// booking at the first's end is refused, naming it.
	atEnd := request(nc.ID, in.ID, 0)
	atEnd.Start, atEnd.End = first.End, first.End.Add(time.Hour)
	_, _, err = e.app.CreateBooking(ctx, north, atEnd)
	if f = wantCode(t, err, app.KindConflict, "booking_conflict"); f.Conflict == nil || f.Conflict.ID != first.ID {
		t.Errorf("a booking during the debrief: conflict %+v, want booking %s named", f.Conflict, first.ID)
	}
	// Touching by video, debrief and briefing apart, is fine; in person,
	// the travel buffer must be free.
	touching := request(sc.ID, in.ID, 0)
	touching.Start = first.HeldUntil().Add(first.Safety.Briefing)
	touching.End = touching.Start.Add(time.Hour)
	inPerson := touching
	inPerson.Modality, inPerson.Region, inPerson.Location = data.ModalityInPerson, "GB-LND", "Hill Street police station"
	inPerson.Start, inPerson.End = first.End.Add(15*time.Minute), first.End.Add(75*time.Minute)
	_, _, err = e.app.CreateBooking(ctx, south, inPerson)
	wantCode(t, err, app.KindConflict, "booking_conflict")
	if _, _, err := e.app.CreateBooking(ctx, south, touching); err != nil {
		t.Errorf("a booking that touches another: %v", err)
	}
	e.checkConsistent()
}

// TestIdempotencyKey: a repeat answers the first booking; the key with
// another body, or after its window, is refused; keys are the caller's.
func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw, coord := e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]
	c := e.newCase(sw, "NR-1")
	in := e.approved("hana")
	nb := request(c.ID, in.ID, 0)
	nb.IdempotencyKey = "key-1"
	first, replayed, err := e.app.CreateBooking(ctx, sw, nb)
	if err != nil || replayed {
		t.Fatalf("first: %v, replayed %v", err, replayed)
	}

	again := nb
	again.Start, again.End = nb.Start.In(time.FixedZone("CET", 3600)), nb.End.In(time.FixedZone("CET", 3600)) // the same instants
	e.now = e.now.Add(time.Hour)
	got, replayed, err := e.app.CreateBooking(ctx, sw, again)
	if err != nil || !replayed || !cmp.Equal(got, first) {
		t.Errorf("repeat: %+v, replayed %v, %v; want the first booking", got.ID, replayed, err)
	}

	other := nb
	other.Location = "Room 9"
	_, _, err = e.app.CreateBooking(ctx, sw, other)
	wantCode(t, err, app.KindUnprocessable, "idempotency_key_reused")

	// Another caller's key of the same name is theirs.
	theirs := request(c.ID, in.ID, 1)
	theirs.IdempotencyKey = "key-1"
	b, replayed, err := e.app.CreateBooking(ctx, coord, theirs)
	if err != nil || replayed || b.ID == first.ID {
		t.Errorf("another caller's key: %v, replayed %v, ID %s", err, replayed, b.ID)
	}

	e.now = first.CreatedAt.Add(app.IdempotencyWindow + time.Minute)
	_, _, err = e.app.CreateBooking(ctx, sw, nb)
	wantCode(t, err, app.KindUnprocessable, "idempotency_key_reused")

	if diff := cmp.Diff([]data.Action{data.ActionBookingCreated}, e.actions(first.ID)); diff != "" {
		t.Errorf("audit of the first booking (-want +got):\n%s", diff)
	}
	if page, _ := e.store.ListBookings(ctx, data.BookingQuery{Organisation: "north"}); len(page.Items) != 2 {
		t.Errorf("%d bookings stored, want 2", len(page.Items))
	}
}

// TestIdempotencyKeyAfterRefusal: a refused request books nothing, so its
// key is free for the corrected request.
func TestIdempotencyKeyAfterRefusal(t *testing.T) {
	e := newEnv(t)
	sw := e.north[data.RoleSocialWorker]
	c := e.newCase(sw, "NR-1")
	in := e.interpreter(eligible("hana"), "")
	nb := request(c.ID, in.ID, 0)
	nb.IdempotencyKey = "key-1"
	_, _, err := e.app.CreateBooking(t.Context(), sw, nb)
	wantCode(t, err, app.KindUnprocessable, "ineligible")
	if _, err := e.app.DecideVetting(t.Context(), e.north[data.RoleCoordinator], in.ID, data.DecisionApprove, ""); err != nil {
		t.Fatal(err)
	}
	if _, replayed, err := e.app.CreateBooking(t.Context(), sw, nb); err != nil || replayed {
		t.Errorf("after approval: %v, replayed %v", err, replayed)
	}
}

// TestBookingIsolation: another organisation's booking is not found and
// not listed.
func TestBookingIsolation(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	in := e.approved("hana")
	south := e.south[data.RoleSocialWorker]
	theirs := e.book(south, request(e.newCase(south, "SO-1").ID, in.ID, 0))
	for _, actor := range []data.User{e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]} {
		_, err := e.app.GetBooking(ctx, actor, theirs.ID)
		wantCode(t, err, app.KindNotFound, "not_found")
		_, err = e.app.BookingInvite(ctx, actor, theirs.ID)
		wantKind(t, err, app.KindNotFound)
		page, err := e.app.ListBookings(ctx, actor, app.BookingFilter{InterpreterID: in.ID})
		if err != nil || len(page.Items) != 0 {
			t.Errorf("north lists %d of south's bookings, %v", len(page.Items), err)
		}
	}
}

func TestListBookings(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw, coord := e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]
	c := e.newCase(sw, "NR-1")
	hana, dara := e.approved("hana"), e.approved("dara")
	b1 := e.book(sw, request(c.ID, hana.ID, 0))
	second := request(c.ID, dara.ID, 0)
	second.Additional = true // a second interpreter for b1's interview
	b2 := e.book(coord, second)
	b3 := e.book(sw, request(c.ID, hana.ID, 3))
	tests := []struct {
		name   string
		actor  data.User
		filter app.BookingFilter
		want   []string
	}{
		{"all, by start then ID", sw, app.BookingFilter{}, []string{b1.ID, b2.ID, b3.ID}},
		{"mine", sw, app.BookingFilter{Mine: true}, []string{b1.ID, b3.ID}},
		{"the coordinator's", coord, app.BookingFilter{Mine: true}, []string{b2.ID}},
		{"an interpreter's", coord, app.BookingFilter{InterpreterID: hana.ID}, []string{b1.ID, b3.ID}},
		{"from", sw, app.BookingFilter{From: interview.AddDate(0, 0, 1)}, []string{b3.ID}},
		{"to", sw, app.BookingFilter{To: interview.Add(time.Minute)}, []string{b1.ID, b2.ID}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := e.app.ListBookings(ctx, tc.actor, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, b := range page.Items {
				ids = append(ids, b.ID)
			}
			if diff := cmp.Diff(tc.want, ids); diff != "" {
				t.Errorf("IDs (-want +got):\n%s", diff)
			}
		})
	}
	_, err := e.app.ListBookings(ctx, sw, app.BookingFilter{From: interview, To: interview})
	wantKind(t, err, app.KindInvalid)
}
