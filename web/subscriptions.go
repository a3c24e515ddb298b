package web

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// subscriptionsView is the calendar subscriptions page: the user's feeds,
// the form for a new one, and, just after creating one, its link (shown
// this once: only the token's hash is kept).
type subscriptionsView struct {
	Feeds  []data.Feed
	Next   string
	Scopes []data.FeedScope
	URL    string
	// WebcalURL is the feed's webcal:// link. html/template refuses
	// schemes it does not know; this one is built here from the base URL
	// and a random token, so it is marked safe.
	WebcalURL template.URL
	Created   *data.Feed
	// Scope and Interpreter are the form as entered, after an error;
	// Choices the interpreters a typed name could mean, to choose from.
	Scope       string
	Interpreter string
	Choices     []app.Interpreter
}

// scopesFor lists the feeds a role may create, as app.CreateFeed allows.
func scopesFor(role data.Role) []data.FeedScope {
	switch role {
	case data.RoleSocialWorker:
		return []data.FeedScope{data.FeedMine}
	case data.RoleCoordinator:
		return []data.FeedScope{data.FeedOrganisation, data.FeedInterpreter}
	case data.RoleInterpreter:
		return []data.FeedScope{data.FeedFreeBusy}
	}
	return nil
}

func (p *Pages) subscriptionsWith(r *request, v subscriptionsView, errs fieldErrors) error {
	page, err := p.app.ListFeeds(r.ctx(), r.user, r.c.Query("cursor"), 50)
	if err != nil {
		return err
	}
	v.Feeds, v.Next, v.Scopes = page.Items, page.Next, scopesFor(r.user.Role)
	return p.renderForm(r, "subscriptions", "Calendar subscriptions", v, errs)
}

func (p *Pages) subscriptions(r *request) error {
	return p.subscriptionsWith(r, subscriptionsView{}, nil)
}

// createSubscription creates a feed and shows its link once.
func (p *Pages) createSubscription(r *request) error {
	typed := value(r.c, "interpreterId")
	id := typed
	if typed != "" && r.is(data.RoleCoordinator) { // a name as well as an ID
		in, several, ferr := p.resolveInterpreter(r, "interpreterId", typed)
		if ferr != nil {
			return p.subscriptionsWith(r, subscriptionsView{Scope: value(r.c, "scope"), Interpreter: typed, Choices: several}, fieldErrors{*ferr})
		}
		id = in.ID
	}
	f, token, err := p.app.CreateFeed(r.ctx(), r.user, app.NewFeed{
		Scope: data.FeedScope(value(r.c, "scope")), InterpreterID: id,
	})
	if errs, ok := validationErrors(err); ok {
		return p.subscriptionsWith(r, subscriptionsView{Scope: value(r.c, "scope"), Interpreter: typed}, errs)
	}
	if err != nil {
		return err
	}
	url := p.baseURL + "/feeds/" + token + ".ics"
	webcal := "webcal://" + strings.TrimPrefix(strings.TrimPrefix(url, "https://"), "http://")
	r.c.Status(http.StatusCreated)
	return p.subscriptionsWith(r, subscriptionsView{URL: url, WebcalURL: template.URL(webcal), Created: &f}, nil)
}

func (p *Pages) revokeSubscription(r *request) error {
	if err := p.app.RevokeFeed(r.ctx(), r.user, r.c.Params("id")); err != nil {
		return err
	}
	return r.c.Redirect("/subscriptions?notice=subscription-revoked", http.StatusSeeOther)
}
