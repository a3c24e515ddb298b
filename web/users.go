package web

import (
	"net/http"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// usersView is the admins' users page: the organisation's users, the form
// for a new one and, just after creating a user or issuing a key, the key
// (shown this once: the store keeps only its hash).
type usersView struct {
	Users        []data.User
	Next         string // the next page's address, or ""
	Organisation string
	// Bootstrap is set for the bootstrap admin, who alone may name
	// another organisation (the app decides; the form only offers it).
	Bootstrap bool
	Roles     []data.Role
	Form      newUserForm
	// Key is a new API key, and KeyFor whose it is.
	Key    string
	KeyFor data.User
}

// newUserForm is the create form as entered.
type newUserForm struct {
	Name, Email, Role, Organisation string
	// InterpreterID links an interpreter's user to their record.
	InterpreterID string
}

// usersWith renders the users page over the listing of v.Organisation.
func (p *Pages) usersWith(r *request, v usersView, errs fieldErrors) error {
	page, err := p.app.ListUsers(r.ctx(), r.user, v.Organisation, value(r.c, "cursor"), 50)
	if err != nil {
		return err
	}
	v.Users, v.Roles, v.Bootstrap = page.Items, data.Roles, r.user.ID == app.BootstrapAdminID
	if v.Organisation == "" {
		v.Organisation = r.user.Organisation
	}
	if page.Next != "" {
		v.Next = "/users?" + query("organisation", v.Organisation, "cursor", page.Next)
	}
	return p.renderForm(r, "users", "Users", v, errs)
}

// users lists the users of the admin's organisation (the bootstrap admin:
// of the organisation asked for).
func (p *Pages) users(r *request) error {
	return p.usersWith(r, usersView{Organisation: value(r.c, "organisation")}, nil)
}

// createUser adds a user and shows their key once.
func (p *Pages) createUser(r *request) error {
	f := newUserForm{Name: value(r.c, "name"), Email: value(r.c, "email"), Role: value(r.c, "role"), Organisation: value(r.c, "organisation"),
		InterpreterID: value(r.c, "interpreterId")}
	u, key, err := p.app.CreateUser(r.ctx(), r.user, app.NewUser{Name: f.Name, Email: f.Email, Role: data.Role(f.Role), Organisation: f.Organisation,
		InterpreterID: f.InterpreterID})
	if app.Classify(err).Code == "duplicate" {
		err = &data.ValidationError{Errors: []data.FieldError{{Field: "email", Message: "already belongs to a user: each person has one account"}}}
	}
	if errs, ok := validationErrors(err); ok {
		return p.usersWith(r, usersView{Organisation: f.Organisation, Form: f}, describe(errs, userLabels))
	}
	if err != nil {
		return err
	}
	r.c.Status(http.StatusCreated)
	return p.usersWith(r, usersView{Organisation: u.Organisation, Key: key, KeyFor: u}, nil)
}

var userLabels = map[string]string{"name": "Full name", "email": "Email address", "role": "Role", "organisation": "Organisation",
	"interpreterId": "Interpreter record"}

// issueKey gives a user a new key, ending the old one and their web
// sessions, and shows the new key once.
func (p *Pages) issueKey(r *request) error {
	id := r.c.Params("id")
	key, err := p.app.IssueKey(r.ctx(), r.user, id)
	if err != nil {
		return err
	}
	v := usersView{Organisation: value(r.c, "organisation"), Key: key, KeyFor: data.User{ID: id}}
	// Name whose key it is from the listing the page shows anyway.
	if page, err := p.app.ListUsers(r.ctx(), r.user, v.Organisation, "", data.MaxPageSize); err == nil {
		for _, u := range page.Items {
			if u.ID == id {
				v.KeyFor = u
			}
		}
	}
	return p.usersWith(r, v, nil)
}

// revokeKey ends a user's key, their web sessions and their calendar
// subscriptions.
func (p *Pages) revokeKey(r *request) error {
	if err := p.app.RevokeKey(r.ctx(), r.user, r.c.Params("id")); err != nil {
		return err
	}
	return r.c.Redirect("/users?"+query("organisation", value(r.c, "organisation"), "notice", "key-revoked"), http.StatusSeeOther)
}
