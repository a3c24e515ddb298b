package main

import (
	"cmp"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// linkRE finds the single-use answer link in an invitation's text.
var linkRE = regexp.MustCompile(`https?://\S+/respond/[A-Za-z0-9_]+`)

// TestMailOfferCascade walks a cascade offer through real SMTP, from the
// service started through run to an in-process SMTP server: the first
// invitee's email (nothing of the case beyond language and age band in
// it) carries a link that, opened without signing in, books the
// interview; the interpreter then receives the iMIP REQUEST (the only
// ATTENDEE, NEEDS-ACTION, RSVP) and the social worker an "accepted"
// message; the cancellation sends CANCEL with the same UID and a raised
// SEQUENCE. The second invitee hears nothing. Every message carries
// <outbox ID@domain of TOLK_MAIL_FROM> as its Message-ID, and each is
// received once.
func TestMailOfferCascade(t *testing.T) {
	r := startRelay(t, "127.0.0.1:0")
	fastDelivery(t)
	in := start(t, mailEnv(t, r))
	o := setUpOrg(t, in.base, 2)
	first, second := o.interpreters[0], o.interpreters[1]
	status, offerID := o.offer(t, in.base, 0, first, second)
	if status != 201 {
		t.Fatalf("offer: %d", status)
	}
	byOffer := url.Values{"offerId": {offerID}}

	// The first invitee's invitation: text and HTML, with the link.
	_, d := receive(t, in.base, o.coordinator, r, byOffer, "offer.invitation")
	if !slices.Equal(d.to, []string{o.emails[first]}) || d.from != "tolk@council.example" {
		t.Errorf("the invitation went from %q to %v, want to %s only", d.from, d.to, o.emails[first])
	}
	inv := parseEmail(t, d.raw)
	if got := inv.root.shape(); got != "multipart/alternative[text/plain text/html]" {
		t.Errorf("the invitation's tree: %s", got)
	}
	subject := inv.subject(t)
	for _, secret := range []string{caseReference, caseLinkedRef, caseTown} {
		if strings.Contains(string(d.raw), secret) || strings.Contains(inv.root.text(), secret) || strings.Contains(subject, secret) {
			t.Errorf("the invitation to the interpreter carries %q", secret)
		}
	}
	plain, _ := inv.root.find("text/plain")
	for _, rule := range []string{"for the briefing (", "The debrief:", "You are never alone with the child"} {
		if !strings.Contains(plain.Body, rule) {
			t.Errorf("the invitation does not state the interpreter's times and the rules (%q):\n%s", rule, plain.Body)
		}
	}
	link := linkRE.FindString(plain.Body)
	if link == "" || !strings.HasPrefix(link, in.base+"/respond/") {
		t.Fatalf("no link to %s/respond/ in the invitation:\n%s", in.base, plain.Body)
	}
	if htmlPart, _ := inv.root.find("text/html"); !strings.Contains(htmlPart.Body, `href="`+link+`"`) {
		t.Errorf("the HTML alternative does not link to %s", link)
	}

	acceptByLink(t, link)
	var offer struct{ Status, BookingID string }
	if status := callAPI(t, in.base, o.socialWorker, "GET", "/v1/offers/"+offerID, nil, &offer); status != 200 || offer.Status != "filled" || offer.BookingID == "" {
		t.Fatalf("the offer after the link was used: %d %+v", status, offer)
	}
	byBooking := url.Values{"bookingId": {offer.BookingID}}

	// The booked interpreter's calendar invitation.
	_, d = receive(t, in.base, o.coordinator, r, byBooking, "booking.request")
	request := checkInvitation(t, d, o.emails[first], "REQUEST")
	if text := parseEmail(t, d.raw).root.text(); !strings.Contains(text, "for the briefing (") || !strings.Contains(text, "Do not leave with the child") {
		t.Errorf("the calendar invitation's mail does not state the times and the rules:\n%s", text)
	}
	if request.partstat != "NEEDS-ACTION" || request.rsvp != "TRUE" {
		t.Errorf("the REQUEST's ATTENDEE has PARTSTAT=%q RSVP=%q, want NEEDS-ACTION and TRUE", request.partstat, request.rsvp)
	}

	// The social worker hears that it was accepted.
	_, d = receive(t, in.base, o.coordinator, r, byOffer, "offer.accepted")
	accepted := parseEmail(t, d.raw)
	subject = accepted.subject(t)
	if !slices.Equal(d.to, []string{o.socialWorkerEmail}) || !strings.Contains(subject, "accepted") {
		t.Errorf("the acceptance went to %v with subject %q, want to %s, saying accepted", d.to, subject, o.socialWorkerEmail)
	}

	// The cancellation: CANCEL, the same UID, SEQUENCE raised.
	if status := callAPI(t, in.base, o.socialWorker, "POST", "/v1/bookings/"+offer.BookingID+"/cancel", map[string]any{"reason": "The interview was called off"}, nil); status != 200 {
		t.Fatalf("cancel: %d", status)
	}
	_, d = receive(t, in.base, o.coordinator, r, byBooking, "booking.cancel")
	cancel := checkInvitation(t, d, o.emails[first], "CANCEL")
	if cancel.uid != request.uid || cancel.sequence <= request.sequence {
		t.Errorf("CANCEL has UID %q SEQUENCE %d; the REQUEST had %q and %d", cancel.uid, cancel.sequence, request.uid, request.sequence)
	}

	// The link is spent; the second invitee was never asked.
	if res, err := http.Get(link); err != nil {
		t.Errorf("the link opened again: %v", err)
	} else if res.Body.Close(); res.StatusCode != http.StatusGone {
		t.Errorf("the link opened again: %d, want 410 (answered)", res.StatusCode)
	}
	waitForOutbox(t, in.base, o.coordinator, 20*time.Second)
	for _, d := range r.all() {
		if slices.Contains(d.to, o.emails[second]) {
			t.Errorf("the second invitee of the cascade received %s", d.messageID)
		}
	}
	checkMessageIDs(t, notifications(t, in.base, o.coordinator, nil), r, true)
}

// checkInvitation checks an iMIP message to attendee: the tree SPEC says
// (multipart/mixed of multipart/alternative of text, HTML and text/calendar
// with method, never base64, and invite.ics), the method parameter equal
// to the calendar's METHOD, and the recipient the only ATTENDEE. It
// returns the calendar's event.
func checkInvitation(t *testing.T, d delivery, attendee, method string) event {
	t.Helper()
	m := parseEmail(t, d.raw)
	if want := "multipart/mixed[multipart/alternative[text/plain text/html text/calendar] application/ics]"; m.root.shape() != want {
		t.Errorf("the %s message's tree: %s, want %s", method, m.root.shape(), want)
	}
	cal, _ := m.root.find("text/calendar")
	if cal.Params["method"] != method || !strings.EqualFold(cal.Params["charset"], "UTF-8") || strings.EqualFold(cal.Encoding, "base64") {
		t.Errorf("the calendar part: %v, %s; want method=%s, charset=UTF-8, not base64", cal.Params, cal.Encoding, method)
	}
	ics, _ := m.root.find("application/ics")
	if ics.Disposition != "attachment" || ics.Filename != "invite.ics" || ics.Body != cal.Body {
		t.Errorf("the attachment: %s %q, the same calendar: %v", ics.Disposition, ics.Filename, ics.Body == cal.Body)
	}
	e := parseCalendar(t, cal.Body)
	if e.method != method || !strings.EqualFold(e.attendee, "mailto:"+attendee) || !slices.Equal(d.to, []string{attendee}) {
		t.Errorf("the %s calendar: METHOD %s, ATTENDEE %s, sent to %v; want %s only", method, e.method, e.attendee, d.to, attendee)
	}
	if strings.Contains(m.root.text(), caseTown) {
		t.Errorf("the %s message carries the child's community link", method)
	}
	return e
}

// acceptByLink answers an invitation through its link as a phone's
// browser would, without signing in: GET the page (/respond/{token}), then
// POST its accept form with the declaration ticked, from the same origin.
func acceptByLink(t *testing.T, link string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	res, err := client.Get(link)
	if err != nil {
		t.Fatalf("GET %s: %v", link, err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.String() != link {
		t.Fatalf("GET /respond/{token}: %d at %s\n%s", res.StatusCode, res.Request.URL.Path, page)
	}
	action, fields := acceptForm(t, string(page))
	target := res.Request.URL.ResolveReference(action)
	req, _ := http.NewRequest("POST", target.String(), strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", target.Scheme+"://"+target.Host)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err = client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", target, err)
	}
	answer, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST /respond/{token} with %v: %d\n%s", fields, res.StatusCode, answer)
	}
}

var (
	formRE  = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	inputRE = regexp.MustCompile(`(?is)<(?:input|button)\b[^>]*>`)
	attrRE  = regexp.MustCompile(`(?is)([a-z][a-z0-9_-]*)\s*=\s*"([^"]*)"`)
)

// acceptForm finds the page's form that carries the declaration
// (noKnownConflict, the API's name) and returns its action and the
// fields a browser posts with the box ticked.
func acceptForm(t *testing.T, page string) (*url.URL, url.Values) {
	t.Helper()
	attrs := func(tag string) map[string]string {
		m := map[string]string{}
		for _, a := range attrRE.FindAllStringSubmatch(tag, -1) {
			m[strings.ToLower(a[1])] = html.UnescapeString(a[2])
		}
		return m
	}
	for _, f := range formRE.FindAllStringSubmatch(page, -1) {
		if !strings.Contains(f[2], `name="noKnownConflict"`) {
			continue
		}
		action, err := url.Parse(attrs(f[1])["action"])
		if err != nil {
			t.Fatalf("the form's action: %v", err)
		}
		// Hidden fields as they are, the declaration ticked, and of the
		// named choices (a radio group, submit buttons), the one to accept.
		fields := url.Values{}
		for _, tag := range inputRE.FindAllString(f[2], -1) {
			a := attrs(tag)
			button := strings.HasPrefix(strings.ToLower(tag), "<button") || a["type"] == "submit"
			switch {
			case a["name"] == "":
			case a["name"] == "noKnownConflict":
				fields.Set("noKnownConflict", cmp.Or(a["value"], "on"))
			case a["type"] == "hidden":
				fields.Set(a["name"], a["value"])
			case (button || a["type"] == "radio") && strings.Contains(strings.ToLower(a["value"]), "accept"):
				fields.Set(a["name"], a["value"])
			}
		}
		return action, fields
	}
	t.Fatalf("no form with the declaration (noKnownConflict) on the page:\n%s", page)
	return nil, nil
}
