package datatest

import (
	"slices"
	"testing"

	"github.com/tolk/tolk/data"
)

// testInterpreterSearch: the register finds records by email (however it
// is written; a second record with the same email is found too, as the
// duplicate warning needs) and by the start of a name (case and accents
// folded), in name order with a cursor across pages; a change of name or
// email moves the record in both; a status filters both.
func testInterpreterSearch(t *testing.T, s data.Store) {
	ctx := t.Context()
	names := []string{"Nazdar Ali", "Nazanin Rahimi", "Hana Aziz", "nazdar Omar", "Nâzim Karim", "Avan Rashid", "Naz Baran"}
	var created []data.Interpreter
	for i, name := range names {
		in := newInterpreter(i, "ckb")
		in.Name = name
		if i == 3 {
			in.Email = "interpreter0@example.org" // the same person, entered twice
			in.Vetting.Status = data.VettingPending
		}
		if err := s.CreateInterpreter(ctx, in, interpreterChange(in, data.ActionInterpreterCreated)); err != nil {
			t.Fatal(err)
		}
		created = append(created, in)
	}
	byEmail := func(email string, status data.VettingStatus) []string {
		t.Helper()
		page, err := s.ListInterpreters(ctx, data.InterpreterQuery{Email: email, Status: status})
		if err != nil {
			t.Fatal(err)
		}
		return ids(page.Items)
	}
	if got, want := byEmail(" Interpreter0@EXAMPLE.org ", ""), []string{created[0].ID, created[3].ID}; !slices.Equal(got, want) {
		t.Errorf("by email: %v, want %v", got, want)
	}
	if got := byEmail("interpreter0@example.org", data.VettingPending); !slices.Equal(got, []string{created[3].ID}) {
		t.Errorf("by email, pending: %v", got)
	}
	if got := byEmail("nobody@example.org", ""); len(got) != 0 {
		t.Errorf("by an unknown email: %v", got)
	}

	byName := func(q data.InterpreterQuery) []string {
		t.Helper()
		var out []string
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("paging by name does not end")
			}
			page, err := s.ListInterpreters(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) > q.Limit || (page.Next != "" && len(page.Items) != q.Limit) {
				t.Fatalf("page of %d with next %q, limit %d", len(page.Items), page.Next, q.Limit)
			}
			for _, in := range page.Items {
				out = append(out, in.Name)
			}
			if page.Next == "" {
				return out
			}
			q.After = page.Next
		}
	}
	want := []string{"Naz Baran", "Nazanin Rahimi", "Nazdar Ali", "nazdar Omar", "Nâzim Karim"}
	if got := byName(data.InterpreterQuery{NamePrefix: "NAZ", Limit: 2}); !slices.Equal(got, want) {
		t.Errorf("by name Naz, two a page: %q, want %q", got, want)
	}
	if got := byName(data.InterpreterQuery{NamePrefix: "nazd", Status: data.VettingApproved, Limit: 1}); !slices.Equal(got, []string{"Nazdar Ali"}) {
		t.Errorf("by name nazd, approved: %q", got)
	}
	all := []string{"Avan Rashid", "Hana Aziz", "Naz Baran", "Nazanin Rahimi", "Nazdar Ali", "nazdar Omar", "Nâzim Karim"}
	if got := byName(data.InterpreterQuery{ByName: true, Limit: 3}); !slices.Equal(got, all) {
		t.Errorf("the register by name: %q, want %q", got, all)
	}

	renamed := created[2]
	renamed.Name, renamed.Email = "Zara Aziz", "zara@example.org"
	if _, err := s.UpdateInterpreter(ctx, renamed.ID, to(renamed, interpreterChange(renamed, data.ActionInterpreterUpdated))); err != nil {
		t.Fatal(err)
	}
	if got := byName(data.InterpreterQuery{NamePrefix: "hana", Limit: 5}); len(got) != 0 {
		t.Errorf("the old name still finds %q", got)
	}
	if got := byName(data.InterpreterQuery{NamePrefix: "zar", Limit: 5}); !slices.Equal(got, []string{"Zara Aziz"}) {
		t.Errorf("the new name finds %q", got)
	}
	if got := byEmail("interpreter2@example.org", ""); len(got) != 0 {
		t.Errorf("the old email still finds %v", got)
	}
	if got := byEmail("zara@example.org", ""); !slices.Equal(got, []string{renamed.ID}) {
		t.Errorf("the new email finds %v", got)
	}
}
