package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tolk/tolk/data"
)

// A child moves council: a coordinator of the case's organisation sends
// the case to another organisation (RequestTransfer), whose coordinators
// see it pending, with nothing of the child but language and age band,
// and accept it into a new case of theirs (AcceptTransfer) or decline it
// with a code (DeclineTransfer). What travels is what keeps the child safe
// and keeps continuity (see carry), never free text. Each step lands with
// audit entries in both organisations' scopes and the messages it causes,
// through the store's transfer writes, which also change the sending case:
// so one answer wins, and a case has at most one transfer pending.

// Refusal codes of transfers (data.StateError, 409).
const (
	// ErrTransferPending: the case already has a transfer awaiting an answer.
	ErrTransferPending = "transfer_pending"
	// ErrCaseTransferred: the case was transferred and marked so; it takes
	// no new interviews and is not sent again.
	ErrCaseTransferred = "case_transferred"
)

// NewTransfer is what a coordinator sends a case to another organisation
// with.
type NewTransfer struct {
	ToOrganisation string
	LegalBasis     data.LegalBasis
	// CloseSending marks the sending case as transferred once accepted;
	// otherwise it stays open.
	CloseSending bool
}

// TransferFilter is what a caller may ask of the transfers listing.
type TransferFilter struct {
	// Outgoing lists the transfers the actor's organisation sent; by
	// default, those sent to it.
	Outgoing bool
	Status   data.TransferStatus
	Cursor   string
	Limit    int
}

// legalBasisWords are the legal bases of a transfer, in words.
var legalBasisWords = map[data.LegalBasis]string{
	data.LegalBasisPlacement:              "a placement",
	data.LegalBasisNationalTransferScheme: "the National Transfer Scheme",
	data.LegalBasisSafeguarding:           "safeguarding",
}

// declineWords are the decline codes of a transfer, in words.
var declineWords = map[data.TransferDecline]string{
	data.DeclineNotOurArea:  "the child is not in their area",
	data.DeclineAlreadyHeld: "they already hold a case for the child",
	data.DeclineLegalBasis:  "the legal basis does not apply",
	data.DeclineOtherReason: "another reason; speak to them",
}

// RequestTransfer sends a case of the actor's organisation to another
// organisation: a coordinator only, to an organisation that has a
// coordinator, on a legal basis of data.LegalBases. The case must have no
// transfer pending and must not have been transferred already (409). The
// receiving coordinators are told, in the same write.
func (a *App) RequestTransfer(ctx context.Context, actor data.User, caseID string, req NewTransfer) (data.Transfer, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return data.Transfer{}, err
	}
	now := a.stamp()
	req.ToOrganisation = strings.TrimSpace(req.ToOrganisation)
	draft := data.Transfer{ID: data.NewID(now), CaseID: caseID, From: actor.Organisation, To: req.ToOrganisation,
		LegalBasis: req.LegalBasis, CloseSending: req.CloseSending, Status: data.TransferPending,
		CreatedBy: actor.ID, Version: 1, CreatedAt: now, UpdatedAt: now}
	var fields []data.FieldError
	if ve, ok := errors.AsType[*data.ValidationError](draft.Validate()); ok {
		fields = ve.Errors
	}
	var recipients []data.User
	if !slices.ContainsFunc(fields, func(f data.FieldError) bool { return f.Field == "toOrganisation" }) {
		var err error
		if recipients, err = a.coordinators(ctx, draft.To); err != nil {
			return data.Transfer{}, err
		}
		if len(recipients) == 0 {
			fields = append(fields, data.FieldError{Field: "toOrganisation", Message: "names no organisation with a coordinator"})
		}
	}
	if _, err := a.GetCase(ctx, actor, caseID); err != nil {
		return data.Transfer{}, err
	}
	if len(fields) > 0 {
		return data.Transfer{}, &data.ValidationError{Errors: fields}
	}
	w, err := a.store.CreateTransfer(ctx, caseID, func(c data.Case) (data.TransferWrite, error) {
		switch {
		case c.Organisation != actor.Organisation:
			return data.TransferWrite{}, fmt.Errorf("case %s: %w", caseID, data.ErrNotFound)
		case c.Transferred():
			return data.TransferWrite{}, &data.StateError{Code: ErrCaseTransferred, Reason: "the case was transferred to " + c.TransferredTo + "; it is not sent again"}
		case c.TransferPending != "":
			return data.TransferWrite{}, &data.StateError{Code: ErrTransferPending, Reason: "the case already has a transfer awaiting an answer"}
		}
		t := draft
		t.Languages, t.AgeBand = slices.Clone(c.Child.Languages), c.Child.AgeBand
		c.TransferPending, c.UpdatedAt = t.ID, now
		ch := data.Audited(transferEntries(now, actor, t, data.ActionTransferRequested)...)
		for _, u := range recipients {
			ch.Messages = append(ch.Messages, a.transferRequestedMessage(t, u, now))
		}
		return data.TransferWrite{Transfer: t, Sending: c, Change: ch}, nil
	})
	if err != nil {
		return data.Transfer{}, err
	}
	return w.Transfer, nil
}

// transferEntries are the audit entries of a step of transfer t: about the
// transfer in both organisations' scopes, and about the sending case in
// its own.
func transferEntries(now time.Time, actor data.User, t data.Transfer, action data.Action) []data.AuditEntry {
	return []data.AuditEntry{
		data.NewAuditEntry(now, actor, t.From, action, data.EntityTransfer, t.ID),
		data.NewAuditEntry(now, actor, t.To, action, data.EntityTransfer, t.ID),
		data.NewAuditEntry(now, actor, t.From, action, data.EntityCase, t.CaseID),
	}
}

// transferRequestedMessage tells a receiving coordinator of a transfer:
// who sends it, on what basis, the child's language and age band, and
// where to answer; nothing else about the child or the case.
func (a *App) transferRequestedMessage(t data.Transfer, to data.User, now time.Time) data.Message {
	var l letter
	l.say("Hello %s,", to.Name)
	l.say("%s asks your organisation to take over the case of a child who has moved to you, on the basis of %s.", t.From, legalBasisWords[t.LegalBasis])
	if len(t.Languages) > 0 {
		child := "The child speaks " + data.LanguageName(t.Languages[0])
		if t.AgeBand != "" {
			child += "; age " + t.AgeBand.Words()
		}
		l.say("%s.", child)
	}
	l.say("Accepting it makes a new case of yours carrying the child's language, gender and community needs, " +
		"the interpreters to keep away and those the child was comfortable with.")
	l.link("Accept or decline it", a.baseURL+"/")
	id := messageID(data.MessageTransferRequested, now, t.ID, to.ID)
	return a.newMessage(data.MessageTransferRequested, id, t.To, data.RoleCoordinator, to.Email, to.Name,
		"A case transferred to you from "+t.From, l, now)
}

// transferAnsweredMessage tells the coordinator who sent a transfer how
// it was answered.
func (a *App) transferAnsweredMessage(t data.Transfer, sending data.Case, to data.User, now time.Time) data.Message {
	var l letter
	l.say("Hello %s,", to.Name)
	subject := "Case " + sending.Reference + ": transfer to " + t.To + " "
	if t.Status == data.TransferAccepted {
		subject += "accepted"
		l.say("%s accepted the transfer of case %s.", t.To, sending.Reference)
		if sending.Transferred() {
			l.say("The case is marked as transferred: it takes no new interviews.")
		} else {
			l.say("The case stays open with you.")
		}
	} else {
		subject += "declined"
		l.say("%s declined the transfer of case %s: %s.", t.To, sending.Reference, declineWords[t.Decline])
		l.say("The case stays open with you.")
	}
	l.link("The case", a.baseURL+"/cases/"+sending.ID)
	id := messageID(data.MessageTransferAnswered, now, t.ID, to.ID)
	return a.newMessage(data.MessageTransferAnswered, id, t.From, data.RoleCoordinator, to.Email, to.Name, subject, l, now)
}

// transferWithdrawnMessage tells a receiving coordinator that a case sent
// to them was taken back before they answered: who took it back, and
// nothing about the child beyond what the request said.
func (a *App) transferWithdrawnMessage(t data.Transfer, to data.User, now time.Time) data.Message {
	var l letter
	l.say("Hello %s,", to.Name)
	l.say("%s took back the case it had asked your organisation to take over (sent on the basis of %s): "+
		"there is nothing to answer, and no case of yours was made.", t.From, legalBasisWords[t.LegalBasis])
	l.link("Your work list", a.baseURL+"/")
	id := messageID(data.MessageTransferWithdrawn, now, t.ID, to.ID)
	return a.newMessage(data.MessageTransferWithdrawn, id, t.To, data.RoleCoordinator, to.Email, to.Name,
		"A case transfer from "+t.From+" was withdrawn", l, now)
}

// ListTransfers pages through the transfers sent to the actor's
// organisation (or, Outgoing, sent by it), newest first: coordinators only.
func (a *App) ListTransfers(ctx context.Context, actor data.User, f TransferFilter) (data.Page[data.Transfer], error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return data.Page[data.Transfer]{}, err
	}
	if f.Status != "" && !slices.Contains(data.TransferStatuses, f.Status) {
		return data.Page[data.Transfer]{}, invalid("status", "must be one of "+codeList(data.TransferStatuses))
	}
	q := data.TransferQuery{To: actor.Organisation, Status: f.Status, Before: f.Cursor, Limit: f.Limit}
	if f.Outgoing {
		q.To, q.From = "", actor.Organisation
	}
	return a.store.ListTransfers(ctx, q)
}

// GetTransfer returns a transfer the actor's organisation sent or
// received: coordinators only; any other transfer is ErrNotFound.
func (a *App) GetTransfer(ctx context.Context, actor data.User, id string) (data.Transfer, error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return data.Transfer{}, err
	}
	t, err := a.store.Transfer(ctx, id)
	if err != nil {
		return data.Transfer{}, err
	}
	if t.From != actor.Organisation && t.To != actor.Organisation {
		return data.Transfer{}, fmt.Errorf("transfer %s: %w", id, data.ErrNotFound)
	}
	return t, nil
}

// receivable returns the transfer when the actor may answer it: a
// coordinator of the receiving organisation. The sender's coordinators
// are refused (403); anyone else finds nothing.
func (a *App) receivable(ctx context.Context, actor data.User, id string) (data.Transfer, error) {
	t, err := a.GetTransfer(ctx, actor, id)
	if err != nil {
		return data.Transfer{}, err
	}
	if t.To != actor.Organisation {
		return data.Transfer{}, forbidden("only the receiving organisation answers a transfer")
	}
	return t, nil
}

// AcceptTransfer accepts a pending transfer to the actor's organisation
// into a new case of theirs, under reference (or, when empty, one naming
// the transfer), carrying what keeps the child safe (see carry); the
// sending case is marked as transferred if its sender chose so, or stays
// open. Only one answer to a transfer lands: a second is 409
// transfer_closed. It returns the transfer and the new case.
func (a *App) AcceptTransfer(ctx context.Context, actor data.User, id, reference string) (data.Transfer, data.Case, error) {
	t, err := a.receivable(ctx, actor, id)
	if err != nil {
		return data.Transfer{}, data.Case{}, err
	}
	if _, err := t.Accept(actor.ID, a.stamp(), "-"); err != nil {
		return data.Transfer{}, data.Case{}, err // answered already: nothing to read
	}
	reference = strings.TrimSpace(reference)
	if reference == "" {
		reference = "TRANSFER-" + strings.ToUpper(t.ID)
	}
	sending, err := a.store.Case(ctx, t.CaseID)
	if err != nil {
		return data.Transfer{}, data.Case{}, err
	}
	cargo, err := a.carry(ctx, sending)
	if err != nil {
		return data.Transfer{}, data.Case{}, err
	}
	sender, senderErr := a.store.User(ctx, t.CreatedBy)
	now := a.stamp()
	newID := data.NewID(now)
	w, err := a.store.UpdateTransfer(ctx, id, func(t data.Transfer, sending data.Case) (data.TransferWrite, error) {
		t, err := t.Accept(actor.ID, now, newID)
		if err != nil {
			return data.TransferWrite{}, err
		}
		received, err := cargo.newCase(sending, t, reference)
		if err != nil {
			return data.TransferWrite{}, err
		}
		received.ID, received.CreatedBy, received.Version, received.CreatedAt, received.UpdatedAt = newID, actor.ID, 1, now, now
		if err := received.Validate(); err != nil {
			return data.TransferWrite{}, err
		}
		sending.TransferPending, sending.UpdatedAt = "", now
		if t.CloseSending {
			sending.TransferredTo = t.To
		}
		ch := data.Audited(append(transferEntries(now, actor, t, data.ActionTransferAccepted),
			data.NewAuditEntry(now, actor, t.To, data.ActionTransferAccepted, data.EntityCase, newID))...)
		if senderErr == nil && !sender.AccessRevoked {
			ch.Messages = append(ch.Messages, a.transferAnsweredMessage(t, sending, sender, now))
		}
		return data.TransferWrite{Transfer: t, Sending: sending, Received: received, Change: ch}, nil
	})
	if err != nil {
		return data.Transfer{}, data.Case{}, err
	}
	return w.Transfer, w.Received, nil
}

// DeclineTransfer declines a pending transfer to the actor's organisation
// with a code of data.TransferDeclines; the sending case stays open and
// may be sent again. A second answer is 409 transfer_closed.
func (a *App) DeclineTransfer(ctx context.Context, actor data.User, id string, reason data.TransferDecline) (data.Transfer, error) {
	if !slices.Contains(data.TransferDeclines, reason) {
		if err := require(actor, data.RoleCoordinator); err != nil {
			return data.Transfer{}, err
		}
		return data.Transfer{}, invalid("reason", "must be one of "+codeList(data.TransferDeclines))
	}
	t, err := a.receivable(ctx, actor, id)
	if err != nil {
		return data.Transfer{}, err
	}
	sender, senderErr := a.store.User(ctx, t.CreatedBy)
	now := a.stamp()
	w, err := a.store.UpdateTransfer(ctx, id, func(t data.Transfer, sending data.Case) (data.TransferWrite, error) {
		t, err := t.DeclineWith(actor.ID, now, reason)
		if err != nil {
			return data.TransferWrite{}, err
		}
		sending.TransferPending, sending.UpdatedAt = "", now
		ch := data.Audited(transferEntries(now, actor, t, data.ActionTransferDeclined)...)
		if senderErr == nil && !sender.AccessRevoked {
			ch.Messages = append(ch.Messages, a.transferAnsweredMessage(t, sending, sender, now))
		}
		return data.TransferWrite{Transfer: t, Sending: sending, Change: ch}, nil
	})
	if err != nil {
		return data.Transfer{}, err
	}
	return w.Transfer, nil
}

// WithdrawTransfer takes back a pending transfer of a case of the actor's
// organisation (a coordinator of the sending organisation; the receiving
// one's are refused, 403, as anyone else finds nothing): the sending case
// is free to be sent again, and the receiving coordinators are told in the
// same write. A transfer already answered or withdrawn is 409
// transfer_closed; withdrawal and an answer race through the store, so
// only one lands.
func (a *App) WithdrawTransfer(ctx context.Context, actor data.User, id string) (data.Transfer, error) {
	t, err := a.GetTransfer(ctx, actor, id)
	if err != nil {
		return data.Transfer{}, err
	}
	if t.From != actor.Organisation {
		return data.Transfer{}, forbidden("only the sending organisation withdraws a transfer")
	}
	receivers, err := a.coordinators(ctx, t.To)
	if err != nil {
		return data.Transfer{}, err
	}
	now := a.stamp()
	w, err := a.store.UpdateTransfer(ctx, id, func(t data.Transfer, sending data.Case) (data.TransferWrite, error) {
		t, err := t.Withdraw(actor.ID, now)
		if err != nil {
			return data.TransferWrite{}, err
		}
		sending.TransferPending, sending.UpdatedAt = "", now
		ch := data.Audited(transferEntries(now, actor, t, data.ActionTransferWithdrawn)...)
		for _, to := range receivers {
			ch.Messages = append(ch.Messages, a.transferWithdrawnMessage(t, to, now))
		}
		return data.TransferWrite{Transfer: t, Sending: sending, Change: ch}, nil
	})
	if err != nil {
		return data.Transfer{}, err
	}
	return w.Transfer, nil
}

// notTransferred refuses (409 case_transferred) a new interview for a case
// marked as transferred.
func notTransferred(c data.Case) error {
	if c.Transferred() {
		return &data.StateError{Code: ErrCaseTransferred, Reason: "the case was transferred to " + c.TransferredTo + "; it takes no new interviews"}
	}
	return nil
}
