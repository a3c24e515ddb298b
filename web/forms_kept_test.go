package web_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// TestRefusedCancellationKeepsTheReason: a cancellation reason one
// hundred characters over the limit (a browser's maxlength can be beaten
// by a paste in some, and by any other client) comes back in the
// textarea, with the error linked to it, and the booking stands; so does
// an offer's.
func TestRefusedCancellationKeepsTheReason(t *testing.T) {
	s := newSite(t)
	in := s.addInterpreter("Hana Aziz", "ckb", data.DecisionApprove)
	c := s.offerCase("KEEP-1")
	sw := s.users[data.RoleSocialWorker]
	b, _, err := s.app.CreateBooking(t.Context(), sw, app.NewBooking{CaseID: c.ID, InterpreterID: in.ID,
		Start: offerStart, End: offerEnd, InterviewType: data.InterviewHealth, Modality: data.ModalityVideo, Location: "Video", JoinDetails: "https://meet.example.org/x"})
	if err != nil {
		t.Fatal(err)
	}
	br := s.browser()
	br.signIn(data.RoleSocialWorker)
	reason := strings.Repeat("The family moved the interview; ", 19)[:600]
	if len(reason) != 600 || data.MaxCancelReasonLength >= 600 {
		t.Fatalf("the reason is %d characters, the limit %d", len(reason), data.MaxCancelReasonLength)
	}
	p := br.post("/bookings/"+b.ID+"/cancel", url.Values{"reason": {reason}})
	if p.status != http.StatusBadRequest {
		t.Fatalf("a 600-character reason: %d, want 400\n%s", p.status, p.body)
	}
	if !strings.Contains(p.body, ">"+html.EscapeString(reason)+"</textarea>") {
		t.Errorf("the reason did not come back in the textarea:\n%s", p.body)
	}
	if !strings.Contains(p.body, `href="#f-reason"`) {
		t.Errorf("the error does not link to the reason field:\n%s", p.body)
	}
	if got, _ := s.app.GetBooking(t.Context(), sw, b.ID); got.Status != data.BookingConfirmed {
		t.Errorf("the booking is %s", got.Status)
	}

	avan := s.addInterpreter("Avan Rashid", "ckb", data.DecisionApprove)
	o := s.offerTo(s.offerCase("KEEP-2"), data.OfferCascade, avan)
	p = br.post("/offers/"+o.ID+"/cancel", url.Values{"reason": {reason}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, ">"+html.EscapeString(reason)+"</textarea>") || !strings.Contains(p.body, `href="#f-reason"`) {
		t.Errorf("an offer's 600-character reason: %d, want 400 with the reason in the textarea\n%s", p.status, p.body)
	}
}

// TestOversizedPostGetsAPage: a form larger than the service accepts is
// answered, over a real connection, with a page saying nothing was saved,
// not the problem+json the API's paths get.
func TestOversizedPostGetsAPage(t *testing.T) {
	site := newLiveSite(t)
	client := &http.Client{Timeout: 20 * time.Second}
	form := url.Values{"reference": {strings.Repeat("x", 2<<20)}}.Encode()
	res, err := client.Post(site.url+"/cases", "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(body), "Nothing was saved") {
		t.Errorf("a 2 MB form: %d %s, want 413 and a page\n%.600s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	res, err = client.Post(site.url+"/v1/cases", "application/json", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("a 2 MB API body: %d %s, want the 413 problem", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// TestEveryTextFieldHasMaxlength reads every template: each text input
// and textarea a person types into carries a maxlength (from data's
// limits, through the maxlength function), so a browser stops the typing
// instead of the server refusing it later.
func TestEveryTextFieldHasMaxlength(t *testing.T) {
	files, err := filepath.Glob("templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("templates: %v %v", files, err)
	}
	field := regexp.MustCompile(`(?s)<(input|textarea)\b[^>]*>`)
	exempt := regexp.MustCompile(`type="(hidden|radio|checkbox|submit|datetime-local|date|time|number)"|\breadonly\b`)
	n := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range field.FindAllString(string(raw), -1) {
			if exempt.MatchString(tag) {
				continue
			}
			n++
			if !strings.Contains(tag, `maxlength="{{maxlength `) {
				t.Errorf("%s: a text field without maxlength from data's limits: %s", f, tag)
			}
		}
	}
	if n < 10 {
		t.Errorf("found %d text fields: the pattern no longer finds them", n)
	}
}
