package calendar

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

func TestFold(t *testing.T) {
	a75 := strings.Repeat("a", 75)
	tests := []struct {
		name, in, want string
	}{
		{"short", "A:b\r\n", "A:b\r\n"},
		{"exactly 75", a75 + "\r\n", a75 + "\r\n"},
		{"76", a75 + "b\r\n", a75 + "\r\n b\r\n"},
		{"continuations hold 74", a75 + strings.Repeat("b", 74) + "c\r\n", a75 + "\r\n " + strings.Repeat("b", 74) + "\r\n c\r\n"},
		// "Ḁ" is three octets: at 74 + 3 it would straddle octet 75.
		{"three-octet rune on the boundary", strings.Repeat("a", 73) + "Ḁb\r\n", strings.Repeat("a", 73) + "\r\n Ḁb\r\n"},
		{"four-octet rune on the boundary", strings.Repeat("a", 72) + "😀b\r\n", strings.Repeat("a", 72) + "\r\n 😀b\r\n"},
		{"rune ending at 75", strings.Repeat("a", 72) + "Ḁb\r\n", strings.Repeat("a", 72) + "Ḁ\r\n b\r\n"},
		{"lines kept apart", "A:1\r\n" + a75 + "bc\r\nB:2\r\n", "A:1\r\n" + a75 + "\r\n bc\r\nB:2\r\n"},
		{"all multi-byte", strings.Repeat("😀", 40) + "\r\n", strings.Repeat("😀", 18) + "\r\n " + strings.Repeat("😀", 18) + "\r\n " + strings.Repeat("😀", 4) + "\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(fold([]byte(tt.in)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fold (-want +got):\n%s", diff)
			}
			if unfolded := strings.ReplaceAll(got, "\r\n ", ""); unfolded != tt.in {
				t.Errorf("unfolding gives %q, want %q", unfolded, tt.in)
			}
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain, with; punctuation\\", "plain, with; punctuation\\"},
		{"a\r\nb\rc\nd", "a\nb\nc\nd"},
		{"tab\there", "tab here"},
		{"nul\x00 bell\x07 del\x7f c1\u0085 esc\x1b", "nul bell del c1\n esc"},
		{"line\u2028para\u2029end", "line\npara\nend"},
		{"bad \xff utf-8", "bad \uFFFD utf-8"},
		{"Ḁ 😀 Łódź", "Ḁ 😀 Łódź"},
	}
	for _, tt := range tests {
		if got := text(tt.in); got != tt.want {
			t.Errorf("text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParam(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Sam Okafor", "Sam Okafor"},
		{`Sam "Sammy" Okafor`, "Sam 'Sammy' Okafor"},
		{"Okafor, Sam; MSc: Lead", "Okafor, Sam; MSc: Lead"},
		{" Sam\r\nOkafor\x00 ", "Sam Okafor"},
		{`Sam\nOkafor^n^'^^`, "Sam/nOkaforn'"},
	}
	for _, tt := range tests {
		if got := param(tt.in); got != tt.want {
			t.Errorf("param(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestHostileText renders every text field full of what could break a
// calendar and checks the result still parses to the cleaned values.
func TestHostileText(t *testing.T) {
	hostile := "x\r\nEND:VEVENT\r\nBEGIN:VEVENT\nUID:evil\r\"q\";:,\\n\x00"
	b := booking(hostile)
	b.CaseReference, b.Location = hostile, hostile
	b.InterviewType, b.Modality = data.InterviewType(hostile), data.Modality(hostile)
	who := Person{Name: hostile, Email: "a@example.org"}
	for name, render := range map[string]func() ([]byte, error){
		"invite": func() ([]byte, error) { return Invite(b, who, who, testNow) },
		"feed": func() ([]byte, error) {
			return Feed(hostile, []data.Booking{b}, map[string]string{b.InterpreterID: hostile}, testNow)
		},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := render()
			if err != nil {
				t.Fatal(err)
			}
			checkLines(t, out)
			events := decode(t, out).Events()
			if len(events) != 1 {
				t.Fatalf("%d events, want 1", len(events))
			}
			ev := events[0].Component
			if got, want := prop(t, ev, "UID"), text(hostile)+"@tolk"; got != want {
				t.Errorf("UID %q, want %q", got, want)
			}
			if got, want := prop(t, ev, "LOCATION"), text(hostile); got != want {
				t.Errorf("LOCATION %q, want %q", got, want)
			}
			if name == "feed" && !strings.HasPrefix(prop(t, ev, "SUMMARY"), strings.TrimSpace(oneLine(hostile))+": ") {
				t.Errorf("SUMMARY %q does not start with the cleaned name", prop(t, ev, "SUMMARY"))
			}
			if o := ev.Props.Get("ORGANIZER"); o != nil && o.Params.Get("CN") != param(hostile) {
				t.Errorf("CN %q, want %q", o.Params.Get("CN"), param(hostile))
			}
		})
	}
}

// FuzzInvite renders invites with text from the fuzzer: the output must
// always be folded, parse back with go-ical, and give back the cleaned text.
func FuzzInvite(f *testing.F) {
	f.Add(longLocation(), "NR-2026-0042", "Sam Okafor", "Dilan Ahmed")
	f.Add("", "", "", "")
	f.Add("a\r\nb;c,d\\e", "ref\r", `"q"`, "x:y;z,w")
	f.Add(strings.Repeat("Ḁ", 100), strings.Repeat("😀", 30), "\xff\xfe", "\x00\x1b")
	f.Fuzz(func(t *testing.T, location, reference, organizerName, attendeeName string) {
		b := booking("fz")
		b.Location, b.CaseReference = location, reference
		out, err := Invite(b, Person{Name: organizerName, Email: socialWorker.Email}, Person{Name: attendeeName, Email: interpreter.Email}, testNow)
		if err != nil {
			t.Fatal(err)
		}
		checkLines(t, out)
		events := decode(t, out).Events()
		if len(events) != 1 {
			t.Fatalf("%d events, want 1", len(events))
		}
		ev := events[0].Component
		if want := text(location); want != "" {
			if got := prop(t, ev, "LOCATION"); got != want {
				t.Errorf("LOCATION %q, want %q", got, want)
			}
		} else if ev.Props.Get("LOCATION") != nil {
			t.Error("LOCATION for an empty location in person")
		}
		if got := ev.Props.Get("ATTENDEE").Params.Get("CN"); got != param(attendeeName) {
			t.Errorf("CN %q, want %q", got, param(attendeeName))
		}
		if strings.ContainsAny(text(location), "\r\x00") {
			t.Errorf("text(%q) kept a CR or NUL", location)
		}
	})
}

// BenchmarkFeed renders a feed of 500 bookings, one in ten cancelled.
func BenchmarkFeed(b *testing.B) {
	bs := make([]data.Booking, 500)
	for i := range bs {
		bk := booking(fmt.Sprintf("bk-%05d", i))
		bk.Start = bk.Start.Add(time.Duration(i) * 24 * time.Hour)
		bk.End = bk.End.Add(time.Duration(i) * 24 * time.Hour)
		if i%10 == 0 {
			bk = cancelled(bk)
		}
		bs[i] = bk
	}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		out, err := Feed("Lambeth: all bookings", bs, nil, testNow)
		if err != nil {
			b.Fatal(err)
		}
		n = len(out)
	}
	b.ReportMetric(float64(n), "bytes")
}

// TestHiddenCharactersLeftOut: bidirectional overrides and isolates,
// direction marks and zero-width characters never reach a calendar, from
// any field and whenever they were stored, so that no event shows a name,
// a reference or a place as another; a joiner that spells a Persian name
// stays.
func TestHiddenCharactersLeftOut(t *testing.T) {
	const hidden = "\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200B\u200C\u200D\u200E\u200F\uFEFF\u061C\u2060"
	b := booking("b-1")
	b.CaseReference = "NR-\u202E2400-RN"
	b.Location = "Room \u20661\u2069, \u200BLambeth\uFEFF"
	who := Person{Name: "Sam\u200F Oka\u202Efor", Email: "sam@example.org"}
	persian := Person{Name: "علی\u200Cاکبر", Email: "ali@example.org"}
	for name, render := range map[string]func() ([]byte, error){
		"invite": func() ([]byte, error) { return Invite(b, who, persian, testNow) },
		"feed":   func() ([]byte, error) { return Feed("My \u202Ebookings", []data.Booking{b}, nil, testNow) },
	} {
		out, err := render()
		if err != nil {
			t.Fatal(err)
		}
		unfolded := strings.Join(unfold(out), "\n")
		if i := strings.IndexAny(strings.ReplaceAll(unfolded, "علی\u200Cاکبر", ""), hidden); i >= 0 {
			r, _ := utf8.DecodeRuneInString(unfolded[i:])
			t.Errorf("%s: %U in %q", name, r, unfolded)
		}
		if name == "invite" && !strings.Contains(unfolded, "CN=علی\u200Cاکبر") {
			t.Errorf("invite: the Persian name lost its joiner:\n%s", unfolded)
		}
		if !strings.Contains(unfolded, "NR-2400-RN") {
			t.Errorf("%s: the reference is not shown cleaned:\n%s", name, unfolded)
		}
	}
}
