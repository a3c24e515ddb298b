package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/tolk/tolk/data"
)

// Session limits: a session ends after SessionIdle without a request, and
// SessionAbsolute after sign-in however active it is.
const (
	SessionIdle     = 30 * time.Minute
	SessionAbsolute = 12 * time.Hour
	// sessionTouchEvery is how stale LastSeen may grow before a request
	// writes it again: a write per page view would cost a durable write
	// each, and the idle timeout only needs the minute.
	sessionTouchEvery = time.Minute
)

// ScopeSecurity is the audit scope of failed sign-ins that name no known
// user: only the bootstrap admin reads it.
const ScopeSecurity = "security"

// Sign-in methods, kept on the session and in its audit entry.
const (
	SignInKey  = "key"
	SignInOIDC = "oidc"
	// SignInLink is a single-use link sent to an interpreter's email.
	SignInLink = "link"
	// signInLinkPending marks the stored hash of a sign-in link not yet
	// used: it opens nothing itself; using it ends it and opens a session.
	signInLinkPending = "link-pending"
)

// SignInLinkLife is how long a sign-in link works.
const SignInLinkLife = 15 * time.Minute

// signInActions are the audit actions of a sign-in by each method: the
// session it started, and a failure.
var signInActions = map[string]struct{ started, failed data.Action }{
	SignInKey:  {data.ActionSessionStartedKey, data.ActionSignInFailedKey},
	SignInOIDC: {data.ActionSessionStartedOIDC, data.ActionSignInFailedOIDC},
	SignInLink: {data.ActionSessionStartedLink, data.ActionSignInFailedLink},
}

// SignedIn is a new session: the token goes into the browser's cookie and
// nowhere else (the store keeps its hash).
type SignedIn struct {
	Token   string
	User    data.User
	Session data.Session
}

// SignInWithKey opens a web session for the holder of an API key. A wrong
// key is ErrUnauthenticated; the caller audits the failure with
// AuditFailedSignIn unless its brake already answers it.
func (a *App) SignInWithKey(ctx context.Context, key string) (SignedIn, error) {
	u, err := a.Authenticate(ctx, key)
	if errors.Is(err, ErrUnauthenticated) {
		return SignedIn{}, err
	}
	if err != nil {
		return SignedIn{}, err
	}
	return a.openSession(ctx, u, SignInKey)
}

// SignInWithEmail opens a web session for the user whose email an identity
// provider has verified. Call it only with a verified email: the caller
// (web's OpenID Connect flow) checks the ID token. An unknown email, or a
// user whose access an admin revoked, is ErrUnauthenticated, audited.
func (a *App) SignInWithEmail(ctx context.Context, email string) (SignedIn, error) {
	u, err := a.store.UserByEmail(ctx, data.NormalizeEmail(email))
	if errors.Is(err, data.ErrNotFound) {
		a.auditFailedSignIn(ctx, data.User{}, SignInOIDC)
		return SignedIn{}, ErrUnauthenticated
	}
	if err != nil {
		return SignedIn{}, err
	}
	if u.AccessRevoked {
		a.auditFailedSignIn(ctx, u, SignInOIDC)
		return SignedIn{}, ErrUnauthenticated
	}
	return a.openSession(ctx, u, SignInOIDC)
}

func (a *App) openSession(ctx context.Context, u data.User, method string) (SignedIn, error) {
	now := a.stamp()
	token := "tolkweb_" + rand.Text()
	s := data.Session{
		ID: data.HashKey(token), UserID: u.ID, Organisation: u.Organisation, Method: method,
		CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(SessionAbsolute),
	}
	ch := audited(now, u, u.Organisation, signInActions[method].started, data.EntityUser, u.ID)
	if err := a.store.CreateSession(ctx, s, ch); err != nil {
		return SignedIn{}, err
	}
	a.endExpiredSessions(ctx, u)
	return SignedIn{Token: token, User: u, Session: s}, nil
}

// endExpiredSessions ends the user's sessions that timed out (idle or
// absolute) but were never signed out, so the live sessions a user holds
// stay few: each sign-in sweeps the user's own. Failures are logged: the
// sign-in stands, and the next one sweeps again.
func (a *App) endExpiredSessions(ctx context.Context, u data.User) {
	now := a.now()
	page, err := a.store.ListSessions(ctx, data.SessionQuery{UserID: u.ID, Limit: data.MaxPageSize})
	for _, s := range page.Items {
		if err != nil {
			break
		}
		if now.Before(s.ExpiresAt) && now.Sub(s.LastSeen) < SessionIdle {
			continue
		}
		err = a.endSession(ctx, system(s.Organisation), s, data.ActionSessionExpired)
	}
	if err != nil {
		a.log.WarnContext(ctx, "ending expired sessions", "user_id", u.ID, "error", err.Error())
	}
}

// AuditFailedSignIn records a failed sign-in with a key (method SignInKey)
// that names no user. It names no key: a mistyped key is often someone's
// real key with one character wrong. A failure to record it is logged,
// not returned: the visitor's answer is the same either way.
func (a *App) AuditFailedSignIn(ctx context.Context, method string) {
	a.auditFailedSignIn(ctx, data.User{}, method)
}

// auditFailedSignIn records a failed sign-in, of a known user (u) or not.
// It names no key and no email.
func (a *App) auditFailedSignIn(ctx context.Context, u data.User, method string) {
	scope, entity := ScopeSecurity, "unknown"
	if u.ID != "" {
		scope, entity = u.Organisation, u.ID
	}
	failed := audited(a.now(), system(scope), scope, signInActions[method].failed, data.EntityUser, entity)
	if err := a.store.AppendChange(ctx, failed); err != nil {
		a.log.WarnContext(ctx, "audit of a failed sign-in", "error", err.Error())
	}
}

// SessionUser returns the user of a live session and the session. A token
// that names no session, or one that ended, idled past SessionIdle or
// passed SessionAbsolute, is ErrUnauthenticated. The user is read afresh,
// so a changed role counts at once.
func (a *App) SessionUser(ctx context.Context, token string) (data.User, data.Session, error) {
	if token == "" {
		return data.User{}, data.Session{}, ErrUnauthenticated
	}
	s, err := a.store.Session(ctx, data.HashKey(token))
	if errors.Is(err, data.ErrNotFound) {
		return data.User{}, data.Session{}, ErrUnauthenticated
	}
	if err != nil {
		return data.User{}, data.Session{}, err
	}
	now := a.now()
	if s.Method == signInLinkPending || s.Ended() || !now.Before(s.ExpiresAt) || now.Sub(s.LastSeen) >= SessionIdle {
		return data.User{}, data.Session{}, ErrUnauthenticated // a sign-in link is no session
	}
	u, err := a.store.User(ctx, s.UserID)
	if errors.Is(err, data.ErrNotFound) || (err == nil && u.AccessRevoked) {
		return data.User{}, data.Session{}, ErrUnauthenticated
	}
	if err != nil {
		return data.User{}, data.Session{}, err
	}
	if now.Sub(s.LastSeen) >= sessionTouchEvery {
		if err := a.store.TouchSession(ctx, s.ID, data.Timestamp(now)); err != nil && !errors.Is(err, data.ErrNotFound) {
			return data.User{}, data.Session{}, err
		}
	}
	return u, s, nil
}

// SignOut ends the session holding token. Ending one that has already
// ended, or an unknown token, is not an error: the visitor is signed out
// either way.
func (a *App) SignOut(ctx context.Context, token string) error {
	s, err := a.store.Session(ctx, data.HashKey(token))
	if errors.Is(err, data.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return a.endSession(ctx, data.User{ID: s.UserID, Organisation: s.Organisation}, s, data.ActionSessionEnded)
}

func (a *App) endSession(ctx context.Context, actor data.User, s data.Session, action data.Action) error {
	ch := audited(a.now(), actor, s.Organisation, action, data.EntityUser, s.UserID)
	_, err := a.store.EndSession(ctx, s.ID, a.stamp(), ch)
	if errors.Is(err, data.ErrConflict) {
		return nil // ended meanwhile
	}
	return err
}

// endSessionsOf ends every live session of a user: their access has ended
// or their key was replaced.
func (a *App) endSessionsOf(ctx context.Context, actor, owner data.User) error {
	cursor := ""
	for {
		page, err := a.store.ListSessions(ctx, data.SessionQuery{UserID: owner.ID, After: cursor, Limit: data.MaxPageSize})
		if err != nil {
			return fmt.Errorf("ending %s's sessions: %w", owner.ID, err)
		}
		for _, s := range page.Items {
			if err := a.endSession(ctx, actor, s, data.ActionSessionRevoked); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		cursor = page.Next
	}
}

// SendSignInLink sends a single-use sign-in link to an interpreter's
// user whose email this is: the link works once, for SignInLinkLife, and
// only its hash is kept. Whoever asks gets the same answer (nil) whether
// or not the email belongs to anyone, so the form tells nobody who is an
// interpreter; only interpreters sign in this way (others use their key
// or their organisation's provider).
func (a *App) SendSignInLink(ctx context.Context, email string) error {
	u, err := a.store.UserByEmail(ctx, data.NormalizeEmail(email))
	if errors.Is(err, data.ErrNotFound) || (err == nil && (u.Role != data.RoleInterpreter || u.AccessRevoked)) {
		return nil
	}
	if err != nil {
		return err
	}
	now := a.stamp()
	token := "tolklink_" + rand.Text()
	pending := data.Session{
		ID: data.HashKey(token), UserID: u.ID, Organisation: u.Organisation, Method: signInLinkPending,
		CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(SignInLinkLife),
	}
	var l letter
	l.say("Hello %s,", u.Name)
	l.say("Here is your link to sign in to tolk. It works once, for %d minutes.", int(SignInLinkLife/time.Minute))
	l.link("Sign in", a.baseURL+"/sign-in/link/"+token)
	l.say("If you did not ask for it, do nothing: nobody can use it but the holder of this email.")
	ch := audited(now, system(u.Organisation), u.Organisation, data.ActionSignInLinkSent, data.EntityUser, u.ID)
	ch.Messages = []data.Message{set(a.newMessage(data.MessageSignInLink, messageID(data.MessageSignInLink, now, pending.ID), u.Organisation,
		data.RoleInterpreter, u.Email, u.Name, "Your link to sign in to tolk", l, now),
		func(m *data.Message) { m.InterpreterID = u.InterpreterID })}
	return a.store.CreateSession(ctx, pending, ch)
}

// SignInWithLink opens a web session for the holder of a sign-in link
// that has not been used or expired: using it ends it (of two uses at
// once exactly one signs in). Anything else is ErrUnauthenticated.
func (a *App) SignInWithLink(ctx context.Context, token string) (SignedIn, error) {
	if token == "" {
		return SignedIn{}, ErrUnauthenticated
	}
	pending, err := a.store.Session(ctx, data.HashKey(token))
	switch {
	case errors.Is(err, data.ErrNotFound):
		a.auditFailedSignIn(ctx, data.User{}, SignInLink)
		return SignedIn{}, ErrUnauthenticated
	case err != nil:
		return SignedIn{}, err
	case pending.Method != signInLinkPending || pending.Ended() || !a.now().Before(pending.ExpiresAt):
		return SignedIn{}, ErrUnauthenticated
	}
	u, err := a.store.User(ctx, pending.UserID)
	if err != nil || u.AccessRevoked {
		return SignedIn{}, ErrUnauthenticated
	}
	used := audited(a.now(), u, u.Organisation, data.ActionSessionEnded, data.EntityUser, u.ID)
	if _, err := a.store.EndSession(ctx, pending.ID, a.stamp(), used); errors.Is(err, data.ErrConflict) {
		return SignedIn{}, ErrUnauthenticated // used a moment ago
	} else if err != nil {
		return SignedIn{}, err
	}
	return a.openSession(ctx, u, SignInLink)
}
