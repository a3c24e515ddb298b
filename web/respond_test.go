package web_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/edge"
	"github.com/tolk/tolk/web"
)

// outbox returns the messages of kind in organisation north's outbox, as
// the store holds them (bodies and all), newest first.
func (s *site) outbox(kind data.MessageKind) []data.Message {
	s.t.Helper()
	page, err := s.store.ListMessages(s.t.Context(), data.MessageQuery{Organisation: "north", Limit: data.MaxPageSize})
	if err != nil {
		s.t.Fatal(err)
	}
	var out []data.Message
	for _, m := range page.Items {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// linkPattern finds a link of the pages in a message's text.
var linkPattern = regexp.MustCompile(`https?://[^/\s]+(/(?:respond|sign-in/link)/[A-Za-z0-9_]+)`)

// linkTo returns the path of the link in the newest message of kind to
// the interpreter with this ID (or to anyone, when interpreterID is "").
func (s *site) linkTo(kind data.MessageKind, interpreterID string) string {
	s.t.Helper()
	for _, m := range s.outbox(kind) {
		if interpreterID != "" && m.InterpreterID != interpreterID {
			continue
		}
		match := linkPattern.FindStringSubmatch(m.Text)
		if match == nil {
			s.t.Fatalf("no link in the %s message:\n%s", kind, m.Text)
		}
		return match[1]
	}
	s.t.Fatalf("no %s message to %q in the outbox", kind, interpreterID)
	return ""
}

// accepting is the form a link's page posts to accept, declaration ticked.
var accepting = url.Values{"answer": {"accept"}, "noKnownConflict": {"true"}}

// An emailed link opens the invitation with no cookie, in words, and
// accepts it in one step with the declaration; the link is dead after
// (410, "already answered"). The token reaches no log line and no Referer.
func TestRespondByLinkAccepts(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newSite(t, func(w *web.Config, e *edge.Config) { w.Logger, e.Logger = logger, logger })
	avan := s.addInterpreter("Avan Rashid", "ckb", data.DecisionApprove)
	nazdar := s.addInterpreter("Nazdar Ali", "ckb", data.DecisionApprove)
	c := s.offerCase("RL-1")
	o := s.offerTo(c, data.OfferCascade, avan, nazdar)
	link := s.linkTo(data.MessageOfferInvitation, avan.ID)
	token := strings.TrimPrefix(link, "/respond/")

	b := s.browser() // no cookie, never signed in
	p := b.get(link)
	if p.status != http.StatusOK {
		t.Fatalf("GET the link: %d\n%s", p.status, p.body)
	}
	for _, want := range []string{"Health appointment", "Tuesday 24 November 2026", "10:00 to 11:30", "1 hour 30 minutes", "Video",
		"north", "Kurdish (Sorani)", "12 to 15", "Answer by", "09:00 tomorrow",
		"I know of no connection between me and anyone in this case", "I am not available then", "I may know someone in this case",
		`action="/respond/` + token + `"`, `name="answer" value="accept"`, `name="answer" value="decline"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the link's page lacks %q", want)
		}
	}
	for _, never := range []string{"RL-1", "Nazdar Ali", coordLinkValue, "Sign out", `name="_csrf"`} {
		if strings.Contains(p.body, never) {
			t.Errorf("the link's page shows %q", never)
		}
	}
	if rp := p.header.Get("Referrer-Policy"); rp != "no-referrer" {
		t.Errorf("the link's page: Referrer-Policy %q, want no-referrer", rp)
	}
	if len(b.cookies) != 0 || p.header.Get("Set-Cookie") != "" {
		t.Errorf("the link's page set cookies: %v", p.header["Set-Cookie"])
	}

	// Without the declaration: the page again, the error linked to the box.
	p = b.post(link, url.Values{"answer": {"accept"}})
	if p.status != http.StatusBadRequest || errorLinks(p.body)["f-noKnownConflict"] == "" || !strings.Contains(p.body, `id="f-noKnownConflict"`) {
		t.Fatalf("accept without the declaration: %d, errors %v\n%s", p.status, errorLinks(p.body), p.body)
	}
	// A post from another site, or saying nothing of where it comes from:
	// refused, nothing booked.
	for _, headers := range [][]string{{"Origin", "https://evil.example"}, {"Origin", "", "Sec-Fetch-Site", "cross-site"},
		{"Origin", "null", "Sec-Fetch-Site", "cross-site"}, {"Origin", "null", "Sec-Fetch-Site", "same-site"}, {"Origin", ""}} {
		if p := b.post(link, cloneValues(accepting), headers...); p.status != http.StatusForbidden {
			t.Errorf("accept with %q: %d, want 403", headers, p.status)
		}
	}
	if got, _ := s.app.GetOffer(t.Context(), s.users[data.RoleSocialWorker], o.ID); got.Status != data.OfferOpen {
		t.Fatalf("after the refused posts the offer is %s", got.Status)
	}
	// From the page itself, as a browser posts it: the page's policy sends
	// no Referer, so its posts say Origin "null" and Sec-Fetch-Site
	// same-origin.
	p = b.post(link, cloneValues(accepting), "Origin", "null", "Sec-Fetch-Site", "same-origin")
	if p.status != http.StatusOK || !strings.Contains(p.body, "You are booked") || !strings.Contains(p.body, "calendar invitation") {
		t.Fatalf("accept: %d\n%s", p.status, p.body)
	}
	if rp := p.header.Get("Referrer-Policy"); rp != "no-referrer" {
		t.Errorf("the confirmation: Referrer-Policy %q, want no-referrer", rp)
	}
	got, err := s.app.GetOffer(t.Context(), s.users[data.RoleSocialWorker], o.ID)
	if err != nil || got.Status != data.OfferFilled || got.BookingID == "" {
		t.Fatalf("the offer after accepting by link: %+v, %v", got.Status, err)
	}

	// The link is dead now: 410, saying so, the answer again 410.
	for _, p := range []page{b.get(link), b.post(link, cloneValues(accepting)), b.post(link, url.Values{"answer": {"decline"}})} {
		if p.status != http.StatusGone || !strings.Contains(p.body, "You have already answered this invitation") ||
			!strings.Contains(p.body, "You accepted it, so you are booked") || !strings.Contains(p.body, `href="/sign-in"`) {
			t.Errorf("the used link: %d\n%s", p.status, p.body)
		}
		if rp := p.header.Get("Referrer-Policy"); rp != "no-referrer" {
			t.Errorf("the used link's page: Referrer-Policy %q, want no-referrer", rp)
		}
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("the token is in the log:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "/respond/:token") {
		t.Errorf("the log does not name the route:\n%s", logs.String())
	}
}

// Declining by link takes the reason, moves a cascade on, and kills the
// link.
func TestRespondByLinkDeclines(t *testing.T) {
	s := newSite(t)
	avan := s.addInterpreter("Avan Rashid", "ckb", data.DecisionApprove)
	nazdar := s.addInterpreter("Nazdar Ali", "ckb", data.DecisionApprove)
	o := s.offerTo(s.offerCase("RL-2"), data.OfferCascade, avan, nazdar)
	link := s.linkTo(data.MessageOfferInvitation, avan.ID)
	b := s.browser()
	if p := b.post(link, url.Values{"answer": {"decline"}, "reason": {"bogus"}}); p.status != http.StatusBadRequest || errorLinks(p.body)["f-reason"] == "" {
		t.Errorf("decline with an unknown reason: %d, errors %v", p.status, errorLinks(p.body))
	}
	if p := b.post(link, url.Values{"answer": {"maybe"}}); p.status != http.StatusBadRequest {
		t.Errorf("an answer that is neither: %d", p.status)
	}
	// Origin "null" and no Sec-Fetch-Site: an older browser's post from
	// the page (no session is at stake: the token is the credential).
	p := b.post(link, url.Values{"answer": {"decline"}, "reason": {"conflict"}}, "Origin", "null")
	if p.status != http.StatusOK || !strings.Contains(p.body, "You declined this invitation") || !strings.Contains(p.body, "never held against you") {
		t.Fatalf("decline: %d\n%s", p.status, p.body)
	}
	got, err := s.app.GetOffer(t.Context(), s.users[data.RoleCoordinator], o.ID)
	if err != nil || got.Invitations[0].Status != data.InvitationDeclined || got.Invitations[0].Decline != data.DeclineConflict ||
		got.Invitations[1].Status != data.InvitationPending {
		t.Fatalf("the offer after declining by link: %+v, %v", got.Invitations, err)
	}
	if p := b.get(link); p.status != http.StatusGone || !strings.Contains(p.body, "You have already answered this invitation") || !strings.Contains(p.body, "You declined it") {
		t.Errorf("the used link: %d\n%s", p.status, p.body)
	}
	// The next in turn got their own link, which works.
	if p := s.browser().get(s.linkTo(data.MessageOfferInvitation, nazdar.ID)); p.status != http.StatusOK {
		t.Errorf("the next interpreter's link: %d", p.status)
	}
}

// A link whose time ran out, one withdrawn (the offer was filled by
// another), and one that names nothing.
func TestRespondByLinkGone(t *testing.T) {
	s := newSite(t)
	avan := s.addInterpreter("Avan Rashid", "ckb", data.DecisionApprove)
	nazdar := s.addInterpreter("Nazdar Ali", "ckb", data.DecisionApprove)
	dilan := s.addInterpreter("Dilan Saeed", "ckb", data.DecisionApprove)

	s.offerTo(s.offerCase("RL-3"), data.OfferBroadcast, avan, nazdar)
	avanLink, nazdarLink := s.linkTo(data.MessageOfferInvitation, avan.ID), s.linkTo(data.MessageOfferInvitation, nazdar.ID)
	if p := s.browser().post(nazdarLink, cloneValues(accepting)); p.status != http.StatusOK {
		t.Fatalf("Nazdar accepts: %d\n%s", p.status, p.body)
	}
	for _, p := range []page{s.browser().get(avanLink), s.browser().post(avanLink, cloneValues(accepting))} {
		if p.status != http.StatusGone || !strings.Contains(p.body, "This invitation was withdrawn: the interview was filled or cancelled") ||
			!strings.Contains(p.body, "You are not booked") {
			t.Errorf("the withdrawn link: %d\n%s", p.status, p.body)
		}
	}

	o := s.offerTo(s.offerCase("RL-4"), data.OfferCascade, dilan)
	dilanLink := s.linkTo(data.MessageOfferInvitation, dilan.ID)
	respondBy := o.Invitations[0].RespondBy
	s.now = respondBy.Add(time.Minute)
	for _, p := range []page{s.browser().get(dilanLink), s.browser().post(dilanLink, cloneValues(accepting))} {
		if p.status != http.StatusGone || !strings.Contains(p.body, "The time to answer ran out") ||
			!strings.Contains(p.body, "The answer was due by") {
			t.Errorf("the expired link: %d\n%s", p.status, p.body)
		}
	}

	for _, path := range []string{"/respond/tolkans_NOSUCHTOKEN", "/respond/" + strings.Repeat("x", 300)} {
		p := s.browser().get(path)
		if p.status != http.StatusNotFound || !strings.Contains(p.body, "This link is not recognised") || p.header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("GET %.40s: %d, Referrer-Policy %q\n%s", path, p.status, p.header.Get("Referrer-Policy"), p.body)
		}
		if p := s.browser().post(path, cloneValues(accepting)); p.status != http.StatusNotFound {
			t.Errorf("POST %.40s: %d, want 404", path, p.status)
		}
	}
}

// A signed-in interpreter opening their link answers as anyone would: the
// page needs no session and ignores one.
func TestRespondByLinkSignedIn(t *testing.T) {
	s := newSite(t)
	avan := s.addInterpreter("Avan Rashid", "ckb", data.DecisionApprove)
	s.offerTo(s.offerCase("RL-5"), data.OfferCascade, avan)
	b := s.addInterpreterUser("avan", avan)
	link := s.linkTo(data.MessageOfferInvitation, avan.ID)
	if p := b.get(link); p.status != http.StatusOK || strings.Contains(p.body, `name="_csrf"`) {
		t.Fatalf("a signed-in interpreter's link: %d", p.status)
	}
	if p := b.post(link, cloneValues(accepting)); p.status != http.StatusOK || !strings.Contains(p.body, "You are booked") {
		t.Fatalf("accept signed in: %d\n%s", p.status, p.body)
	}
	if p := b.get("/my/bookings"); !strings.Contains(p.body, "Health appointment") {
		t.Errorf("the booking made by link is not among the interpreter's bookings:\n%s", p.body)
	}
}

// The link's pages count against the client's address, as sign-in does.
func TestRespondByLinkRateLimited(t *testing.T) {
	s := newSite(t, func(w *web.Config, e *edge.Config) {
		e.RateLimits, e.PerAddress = true, edge.Rate{N: 1, Per: time.Hour, Burst: 3}
	})
	avan := s.addInterpreter("Avan Rashid", "ckb", data.DecisionApprove)
	s.offerTo(s.offerCase("RL-6"), data.OfferCascade, avan)
	link := s.linkTo(data.MessageOfferInvitation, avan.ID)
	var last page
	for range 5 {
		if last = s.browser().get(link); last.status == http.StatusTooManyRequests {
			break
		}
	}
	if last.status != http.StatusTooManyRequests || last.header.Get("Retry-After") == "" {
		t.Errorf("repeated link pages: %d, Retry-After %q; want 429", last.status, last.header.Get("Retry-After"))
	}
}
