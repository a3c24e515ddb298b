package app_test

import (
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// An interview that did not take place has no checklist (a missing item
// would read as "no", and "no" to never alone with the child as an
// incident that never happened), and the child's comfort is not asked of
// it: an interpreter the child never met is not kept out of the case.
func TestOutcomeOfAnInterviewThatDidNotHappen(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	in := e.approved("Ana Aziz")
	c := e.newCase(sw, "NOSHOW-1")
	first := e.book(sw, request(c.ID, in.ID, 0))
	second := e.book(sw, request(c.ID, in.ID, 3))
	e.now = first.Start.Add(time.Hour)

	_, err := e.app.RecordOutcome(ctx, sw, first.ID, app.Outcome{Attended: false, Code: data.OutcomeChildDidNotAttend, Checklist: &data.Checklist{}})
	if f := app.Classify(err); f.Kind != app.KindInvalid || len(f.Fields) != 1 || f.Fields[0].Field != "checklist" {
		t.Fatalf("a checklist for an interview that did not happen: %+v, want invalid naming checklist", f)
	}
	b, err := e.app.RecordOutcome(ctx, sw, first.ID, app.Outcome{Attended: false, ChildComfortable: false, Code: data.OutcomeChildDidNotAttend})
	if err != nil {
		t.Fatal(err)
	}
	if b.Outcome.Incident() {
		t.Error("an interview that did not happen is a safeguarding incident")
	}
	if got := e.booking(second.ID); got.Status != data.BookingConfirmed {
		t.Errorf("the interpreter's next booking for the case: %s, want still confirmed (the child never met them)", got.Status)
	}
	res, err := e.app.Match(ctx, sw, c.ID, matchAt(5, 0))
	if err != nil {
		t.Fatal(err)
	}
	if excludedAs(res, in.ID, "excluded_by_case") {
		t.Error("the interpreter the child never met is excluded from the case")
	}
}
