package mongodb

import (
	"errors"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// TestDeadWriterRolledForward simulates a writer that claimed version 2 and
// died before writing it: the next writer gets ErrConflict, the record then
// holds the claimed version (the write was durable, only its answer was
// lost), and updates go on from there.
func TestDeadWriterRolledForward(t *testing.T) {
	ctx := t.Context()
	s := freshDatabase(t)().(*Store)
	now := time.Now()
	in := data.Interpreter{
		ID: data.NewID(now), Name: "Original", Email: "o@example.org", Gender: data.GenderFemale,
		Languages: []data.LanguageSkill{{Tag: "ti", Proficiency: data.ProficiencyNative}},
		Vetting:   data.Vetting{Status: data.VettingPending}, Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.CreateInterpreter(ctx, in); err != nil {
		t.Fatal(err)
	}
	dead := in
	dead.Name, dead.Version = "Claimed by a writer that died", 2
	doc := fromInterpreter(dead)
	if _, err := s.revisions.InsertOne(ctx, revisionDocument{
		ID: revisionID(in.ID, 2), InterpreterID: in.ID, Version: 2, At: now.Add(-time.Hour), Pending: &doc,
	}); err != nil {
		t.Fatal(err)
	}

	s.ClaimTimeout = 2 * time.Hour // the claim is younger: its writer may still be at work
	next := in
	next.Name = "Next writer"
	if _, err := s.UpdateInterpreter(ctx, next); !errors.Is(err, data.ErrConflict) {
		t.Fatalf("update against a live claim: error = %v, want ErrConflict", err)
	}
	if got, _ := s.Interpreter(ctx, in.ID); got.Name != "Original" {
		t.Fatalf("a live claim was rolled forward: name %q", got.Name)
	}

	s.ClaimTimeout = time.Minute // now the claim is stale
	if _, err := s.UpdateInterpreter(ctx, next); !errors.Is(err, data.ErrConflict) {
		t.Fatalf("update against a stale claim: error = %v, want ErrConflict", err)
	}
	got, err := s.Interpreter(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != dead.Name || got.Version != 2 {
		t.Fatalf("after roll-forward: %q version %d, want %q version 2", got.Name, got.Version, dead.Name)
	}
	next = got
	next.Name = "Next writer"
	if updated, err := s.UpdateInterpreter(ctx, next); err != nil || updated.Version != 3 {
		t.Fatalf("update after roll-forward: version %d, %v", updated.Version, err)
	}
}
