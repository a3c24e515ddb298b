package app

import (
	"context"
	"fmt"

	"github.com/tolk/tolk/data"
)

// An invitation is answered signed in, or through the single-use link its
// message carries, which needs no sign-in: at least 128 random bits,
// stored only as a hash on the invitation, bound to that invitation, and
// dead once used, expired or withdrawn (LinkGoneError says which).

// LinkGoneError says why an invitation's link no longer answers it: Why
// is "used", "expired" or "withdrawn". Its kind is KindGone.
type LinkGoneError struct {
	Why string
}

// Error says why, in words.
func (e *LinkGoneError) Error() string {
	switch e.Why {
	case "used":
		return "this link has been used: the invitation is answered"
	case "expired":
		return "this link has expired: the time to answer ran out"
	}
	return "this link no longer works: the invitation was withdrawn (the offer was filled or cancelled)"
}

// linkActor is who answers through an invitation's link: the invited
// interpreter (audited as "link:" and the record's ID), in the offer's
// organisation, holding nothing but the right to answer this invitation.
func linkActor(o data.Offer, interpreterID string) data.User {
	return data.User{ID: "link:" + interpreterID, Role: data.RoleInterpreter, InterpreterID: interpreterID, Organisation: o.Organisation}
}

// byLink returns the offer and the interpreter a link names, the
// invitation as they see it, and a *LinkGoneError when it can no longer be
// answered. A link that names nothing is ErrNotFound.
func (a *App) byLink(ctx context.Context, token string) (data.Offer, data.User, Invitation, error) {
	if token == "" {
		return data.Offer{}, data.User{}, Invitation{}, fmt.Errorf("link: %w", data.ErrNotFound)
	}
	hash := data.HashKey(token)
	o, err := a.store.OfferByToken(ctx, hash)
	if err != nil {
		return data.Offer{}, data.User{}, Invitation{}, err
	}
	o = o.AsOf(a.now())
	var inv data.Invitation
	for _, in := range o.Invitations {
		if in.TokenHash == hash {
			inv = in
		}
	}
	if inv.InterpreterID == "" {
		return data.Offer{}, data.User{}, Invitation{}, fmt.Errorf("link: %w", data.ErrNotFound)
	}
	view, err := a.invitationOf(ctx, o, inv.InterpreterID)
	if err != nil {
		return data.Offer{}, data.User{}, Invitation{}, err
	}
	actor := linkActor(o, inv.InterpreterID)
	if inv.Status != data.InvitationPending || o.Status != data.OfferOpen {
		// A link that no longer answers shows what became of the
		// invitation, never where the interview is or its booking: a
		// forwarded or scanned email, or a shared device, must not tell
		// anyone the place of a child's interview.
		view.Location, view.JoinDetails, view.BookingID = "", "", ""
	}
	switch {
	case inv.Status == data.InvitationAccepted || inv.Status == data.InvitationDeclined:
		return o, actor, view, &LinkGoneError{Why: "used"}
	case inv.Status == data.InvitationExpired:
		return o, actor, view, &LinkGoneError{Why: "expired"}
	case inv.Status != data.InvitationPending || o.Status != data.OfferOpen:
		return o, actor, view, &LinkGoneError{Why: "withdrawn"}
	}
	return o, actor, view, nil
}

// InvitationByLink returns the invitation a link names, as its
// interpreter sees it, with a *LinkGoneError when it can no longer be
// answered (the invitation still comes back, to say what became of it).
func (a *App) InvitationByLink(ctx context.Context, token string) (Invitation, error) {
	_, _, view, err := a.byLink(ctx, token)
	return view, err
}

// AcceptByLink accepts the invitation a link names, as AcceptOffer does
// (the declaration required, every rule judged again, exactly one
// acceptance winning).
func (a *App) AcceptByLink(ctx context.Context, token string, noKnownConflict bool) (data.Booking, error) {
	o, actor, _, err := a.byLink(ctx, token)
	if err != nil {
		return data.Booking{}, err
	}
	return a.AcceptOffer(ctx, actor, o.ID, noKnownConflict)
}

// DeclineByLink declines the invitation a link names, as DeclineOffer
// does.
func (a *App) DeclineByLink(ctx context.Context, token string, reason data.DeclineReason) (Invitation, error) {
	o, actor, _, err := a.byLink(ctx, token)
	if err != nil {
		return Invitation{}, err
	}
	return a.DeclineOffer(ctx, actor, o.ID, reason)
}
