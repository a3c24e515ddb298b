package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// mountCoordinator adds the coordinators' and admins' pages: the register,
// vetting, renewals, users, and the delivery list of the messages tolk
// sends. Who may see each is the app's decision: every handler calls the
// app as the API does, and a refusal is the 403 page.
func (p *Pages) mountCoordinator(r fiber.Router) {
	r.Get("/interpreters", p.signedIn(p.register))
	r.Get("/interpreters/new", p.signedIn(p.newInterpreter))
	r.Post("/interpreters", p.signedIn(p.createInterpreter))
	// A record's page and its form are audited reads of the full record;
	// a HEAD of them shows nothing, so it reads nothing (Fiber would run
	// the GET for it).
	r.Head("/interpreters/:id", headRefused)
	r.Head("/interpreters/:id/edit", headRefused)
	r.Get("/interpreters/:id", p.signedIn(p.showInterpreter))
	r.Get("/interpreters/:id/edit", p.signedIn(p.editInterpreter))
	r.Post("/interpreters/:id", p.signedIn(p.updateInterpreter))
	r.Post("/interpreters/:id/vetting", p.signedIn(p.decideVetting))
	r.Post("/interpreters/:id/withdraw-bookings", p.signedIn(p.withdrawBookings))
	r.Get("/interpreters/:id/audit", p.signedIn(p.interpreterAudit))
	r.Get("/vetting/expiring", p.signedIn(p.renewals))
	r.Get("/users", p.signedIn(p.users))
	r.Post("/users", p.signedIn(p.createUser))
	r.Post("/users/:id/key", p.signedIn(p.issueKey))
	r.Post("/users/:id/revoke", p.signedIn(p.revokeKey))
	r.Get("/notifications", p.signedIn(p.notifications))
	r.Get("/safeguarding", p.signedIn(p.safeguarding))
	r.Post("/notifications/:id/retry", p.signedIn(p.retryNotification))
}

// headRefused answers a HEAD of a page whose GET is an audited read: 405,
// with the methods it takes, and nothing read.
func headRefused(c *fiber.Ctx) error {
	setPageHeaders(c)
	c.Set(fiber.HeaderAllow, "GET, POST")
	return c.SendStatus(fiber.StatusMethodNotAllowed)
}

// index matches the row indexes of a field path: languages[2].tag.
var index = regexp.MustCompile(`\[(\d+)\]`)

// describe rewrites the messages of a form's errors to name their field in
// words, as the GOV.UK pattern asks ("Full name is required", not "is
// required"), so the error summary reads on its own. labels maps a field
// path with its indexes emptied (languages[].tag) to its words, where %d
// is the row's number counted from 1. Fields keep their API names, so
// each message still links to its input.
func describe(errs fieldErrors, labels map[string]string) fieldErrors {
	out := make(fieldErrors, len(errs))
	for i, e := range errs {
		out[i] = e
		words, ok := labels[index.ReplaceAllString(e.Field, "[]")]
		if !ok || e.Field == "" {
			continue
		}
		if strings.Contains(words, "%d") {
			n := 0
			if m := index.FindStringSubmatch(e.Field); m != nil {
				n, _ = strconv.Atoi(m[1])
			}
			words = fmt.Sprintf(words, n+1)
		}
		sep := ": "
		if strings.HasPrefix(e.Message, "is ") || strings.HasPrefix(e.Message, "must ") {
			sep = " "
		}
		out[i].Message = words + sep + e.Message
	}
	return out
}

// without drops the errors of the fields in skip: a value the form could
// not read is named once, by why it could not be read.
func without(errs fieldErrors, skip fieldErrors) fieldErrors {
	var out fieldErrors
	for _, e := range errs {
		if skip.For(e.Field) == "" {
			out = append(out, e)
		}
	}
	return out
}

// badForm is the page for a post missing a field the form always sends.
func badForm(what string) error {
	return &pageError{status: http.StatusBadRequest, title: "The form is incomplete", detail: "Open the " + what + " again and make your change."}
}

// query builds a listing's query string from name, value pairs, leaving
// out the empty ones.
func query(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	return v.Encode()
}
