package data

import (
	"context"
	"fmt"
	"time"
)

// Transfer is a case one organisation sends to another when the child
// moves (a placement, the national transfer scheme, safeguarding). The
// receiving organisation's coordinators accept it into a new case of
// theirs, or decline it. What travels on acceptance is what keeps the
// child safe and keeps continuity: languages, the gender wish, community
// preferences and links, linked references, exclusions (as reason codes)
// and which interpreters the child was and was not comfortable with;
// never free-text notes or reasons.
//
// Every change of a transfer is also a change of its sending case, at the
// case's next version (see TransferStore), so the two never disagree.
type Transfer struct {
	ID     string
	CaseID string // the sending case
	// From and To are the sending and receiving organisations.
	From, To     string
	LegalBasis   LegalBasis
	CloseSending bool // accepted: mark the sending case as transferred
	Status       TransferStatus
	// Languages and AgeBand are what the receiving coordinators see of the
	// child before they answer: the child's languages and age band when
	// the transfer was asked for.
	Languages []string
	AgeBand   AgeBand
	// Decline is the code of a declined transfer.
	Decline TransferDecline
	// NewCaseID is the receiving organisation's case an accepted transfer
	// made.
	NewCaseID string
	CreatedBy string // user ID (a coordinator of From)
	DecidedBy string // user ID (a coordinator of To), once decided
	DecidedAt time.Time
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// LegalBasis is why a case may move to another organisation.
type LegalBasis string

// The legal bases of a transfer.
const (
	LegalBasisPlacement              LegalBasis = "placement"
	LegalBasisNationalTransferScheme LegalBasis = "national_transfer_scheme"
	LegalBasisSafeguarding           LegalBasis = "safeguarding"
)

// LegalBases lists every LegalBasis.
var LegalBases = []LegalBasis{LegalBasisPlacement, LegalBasisNationalTransferScheme, LegalBasisSafeguarding}

// TransferStatus is where a transfer stands: pending → accepted |
// declined | withdrawn. Only a pending transfer is answered (by the
// receiving organisation) or withdrawn (by the sending one), once.
type TransferStatus string

// The transfer statuses.
const (
	TransferPending  TransferStatus = "pending"
	TransferAccepted TransferStatus = "accepted"
	TransferDeclined TransferStatus = "declined"
	// TransferWithdrawn: the sending organisation took it back before an
	// answer (sent by mistake, or the child did not move after all).
	TransferWithdrawn TransferStatus = "withdrawn"
)

// TransferStatuses lists every TransferStatus.
var TransferStatuses = []TransferStatus{TransferPending, TransferAccepted, TransferDeclined, TransferWithdrawn}

// TransferDecline is the code a receiving organisation declines with:
// never free text.
type TransferDecline string

// The decline codes of a transfer.
const (
	// DeclineNotOurArea: the child is not, or not yet, in the receiving
	// organisation's area.
	DeclineNotOurArea TransferDecline = "not_our_area"
	// DeclineAlreadyHeld: the receiving organisation already holds a case
	// for the child.
	DeclineAlreadyHeld TransferDecline = "already_held"
	// DeclineLegalBasis: the legal basis given does not apply.
	DeclineLegalBasis TransferDecline = "legal_basis_disputed"
	// DeclineOtherReason: anything else, settled between the two
	// organisations outside tolk.
	DeclineOtherReason TransferDecline = "other"
)

// TransferDeclines lists every TransferDecline.
var TransferDeclines = []TransferDecline{DeclineNotOurArea, DeclineAlreadyHeld, DeclineLegalBasis, DeclineOtherReason}

// Continuity is what an earlier organisation learned of the child with one
// interpreter: the child was comfortable with them in an interview that
// happened (they come first for continuity), or was not (they never come
// back for this child). A case carries it from the transfer it came from.
type Continuity struct {
	InterpreterID string
	Comfortable   bool
}

// ExclusionCode is why a transferred case excludes an interpreter: the
// sending case's reason travels as a code, never as its text.
type ExclusionCode string

// The exclusion codes of a transfer.
const (
	// ExclusionByCase: the sending case listed the interpreter among its
	// exclusions.
	ExclusionByCase ExclusionCode = "excluded_by_case"
	// ExclusionDeclaredConflict: the interpreter declined an offer for the
	// sending case declaring a conflict.
	ExclusionDeclaredConflict ExclusionCode = "declared_conflict"
)

// ExclusionReasons are the words a transferred case's exclusions carry,
// by code: what the receiving organisation reads in place of the sending
// case's own reason.
var ExclusionReasons = map[ExclusionCode]string{
	ExclusionByCase:           "excluded by the sending organisation (transferred case)",
	ExclusionDeclaredConflict: "declared a conflict of interest with this child's case (transferred case)",
}

// Validate checks a transfer's invariants and returns a *ValidationError
// naming each field that breaks one.
func (t Transfer) Validate() error {
	var p problems
	if t.ID == "" {
		p.add("id", "is required")
	}
	if t.CaseID == "" {
		p.add("caseId", "is required")
	}
	if !organisationPattern.MatchString(t.From) {
		p.add("from", "must be an organisation name")
	}
	switch {
	case !organisationPattern.MatchString(t.To):
		p.add("toOrganisation", "must be an organisation name")
	case t.To == t.From:
		p.add("toOrganisation", "must be another organisation than the case's own")
	}
	if !oneOf(t.LegalBasis, LegalBases) {
		p.add("legalBasis", "must be one of "+list(LegalBases))
	}
	if !oneOf(t.Status, TransferStatuses) {
		p.add("status", "must be one of "+list(TransferStatuses))
	}
	if t.Decline != "" && !oneOf(t.Decline, TransferDeclines) {
		p.add("reason", "must be one of "+list(TransferDeclines))
	}
	switch t.Status {
	case TransferAccepted:
		if t.NewCaseID == "" {
			p.add("newCaseId", "is required once accepted")
		}
	case TransferDeclined:
		if t.Decline == "" {
			p.add("reason", "is required once declined")
		}
	}
	if len(t.Languages) > MaxChildLanguages {
		p.add("languages", fmt.Sprintf("must list at most %d languages", MaxChildLanguages))
	}
	return p.err()
}

// CheckUpdate refuses, with a *ValidationError, an update that changes
// what a transfer never changes: its ID, case, organisations, legal basis,
// author and creation time.
func (t Transfer) CheckUpdate(old Transfer) error {
	var p problems
	p.same("id", t.ID, old.ID)
	p.same("caseId", t.CaseID, old.CaseID)
	p.same("from", t.From, old.From)
	p.same("toOrganisation", t.To, old.To)
	p.same("legalBasis", string(t.LegalBasis), string(old.LegalBasis))
	p.same("createdBy", t.CreatedBy, old.CreatedBy)
	p.sameTime("createdAt", t.CreatedAt, old.CreatedAt)
	return p.err()
}

// closed is the refusal of an answer to a transfer already answered.
func (t Transfer) closed() error {
	return &StateError{Code: "transfer_closed", Reason: "the transfer was already " + string(t.Status) + "; it cannot be answered or withdrawn now"}
}

// Accept returns the transfer accepted by the user `by` at `at` into the
// receiving organisation's case newCaseID, or a *StateError
// (transfer_closed) when it is no longer pending.
func (t Transfer) Accept(by string, at time.Time, newCaseID string) (Transfer, error) {
	if t.Status != TransferPending {
		return t, t.closed()
	}
	t.Status, t.DecidedBy, t.DecidedAt, t.NewCaseID, t.UpdatedAt = TransferAccepted, by, at, newCaseID, at
	return t, nil
}

// DeclineWith returns the transfer declined by the user `by` at `at` with
// code, or a *StateError (transfer_closed) when it is no longer pending.
func (t Transfer) DeclineWith(by string, at time.Time, code TransferDecline) (Transfer, error) {
	if t.Status != TransferPending {
		return t, t.closed()
	}
	t.Status, t.DecidedBy, t.DecidedAt, t.Decline, t.UpdatedAt = TransferDeclined, by, at, code, at
	return t, nil
}

// Withdraw returns the transfer withdrawn by the user `by` (a coordinator
// of the sending organisation) at `at`, or a *StateError
// (transfer_closed) when it is no longer pending.
func (t Transfer) Withdraw(by string, at time.Time) (Transfer, error) {
	if t.Status != TransferPending {
		return t, t.closed()
	}
	t.Status, t.DecidedBy, t.DecidedAt, t.UpdatedAt = TransferWithdrawn, by, at, at
	return t, nil
}

// TransferQuery selects transfers, newest first: those sent to one
// organisation (To) or those sent by one (From); exactly one of the two is
// required.
type TransferQuery struct {
	To, From string
	Status   TransferStatus // "" for every status
	Before   string         // cursor: transfers whose ID sorts before it (older)
	Limit    int
}

// Check refuses (ErrInvalid) a query naming neither or both organisations.
func (q TransferQuery) Check() error {
	var p problems
	if (q.To == "") == (q.From == "") {
		p.add("organisation", "exactly one of to and from is required")
	}
	if q.Status != "" && !oneOf(q.Status, TransferStatuses) {
		p.add("status", "must be one of "+list(TransferStatuses))
	}
	return p.err()
}

// TransferWrite is what one change of a transfer writes together: the
// transfer, its sending case (at the case's next version), the case it
// was accepted into (Received, a new case at version 1; zero ID for none)
// and the Change that describes them.
type TransferWrite struct {
	Transfer Transfer
	Sending  Case
	Received Case
	Change   Change
}

// check refuses a write whose records do not belong together.
func (w TransferWrite) check(sending Case) error {
	var p problems
	if w.Transfer.CaseID != sending.ID {
		p.add("caseId", "must be the sending case's")
	}
	if w.Transfer.From != sending.Organisation {
		p.add("from", "must be the sending case's organisation")
	}
	if w.Received.ID != "" {
		if w.Received.Organisation != w.Transfer.To {
			p.add("received.organisation", "must be the receiving organisation")
		}
		if w.Received.TransferredFrom != w.Transfer.ID {
			p.add("received.transferredFrom", "must name the transfer")
		}
	}
	return p.err()
}

// CheckWrite refuses, with a *ValidationError, a write a store must not
// land: a transfer that breaks an invariant or belongs to another case, a
// sending case changed where it never changes, a received case of another
// organisation or not from this transfer, or a Change that fails its
// Check. old is the transfer as read (zero for a create), sending the
// sending case as read. Stores call it before they write.
func (w TransferWrite) CheckWrite(old Transfer, sending Case) error {
	if err := w.Transfer.Validate(); err != nil {
		return err
	}
	if old.ID != "" {
		if err := w.Transfer.CheckUpdate(old); err != nil {
			return err
		}
	}
	if err := w.Sending.CheckUpdate(sending); err != nil {
		return err
	}
	if err := w.check(sending); err != nil {
		return err
	}
	return w.Change.Check()
}

// TransferStore keeps transfers. A transfer changes only together with its
// sending case: each write stores the transfer, the sending case at its
// next version (so a transfer's changes and the case's own are serialised
// by the case's version), the case an acceptance makes, and the Change,
// atomically, whichever instances write. So of two answers to one pending
// transfer exactly one lands, and a case never has two transfers pending
// if the functions refuse a second (the case records the pending one).
type TransferStore interface {
	// CreateTransfer reads the case caseID, calls fn with it and stores
	// what fn returns: the new transfer (at version 1, with its ID and
	// timestamps) and the sending case, with the change. fn is an update
	// function (see Update): re-run when another change of the case lands
	// first, its errors returned as they are (ErrNoChange writes nothing).
	// ErrNotFound when no case has the ID; ErrDuplicate when the
	// transfer's ID is taken; ErrInvalid when the write fails CheckWrite.
	// Nothing is written on error.
	CreateTransfer(ctx context.Context, caseID string, fn func(sending Case) (TransferWrite, error)) (TransferWrite, error)
	// UpdateTransfer reads the transfer and its sending case, calls fn
	// with them and stores what it returns at their next versions (and the
	// received case at version 1, if any), with the change, as
	// CreateTransfer does. ErrNotFound when no transfer has the ID;
	// ErrDuplicate when the received case's ID is taken. Nothing is
	// written on error.
	UpdateTransfer(ctx context.Context, id string, fn func(t Transfer, sending Case) (TransferWrite, error)) (TransferWrite, error)
	// Transfer returns the transfer with this ID, or ErrNotFound.
	Transfer(ctx context.Context, id string) (Transfer, error)
	// ListTransfers returns transfers to or from one organisation, newest
	// first, off an index. ErrInvalid when the query fails its Check.
	ListTransfers(ctx context.Context, q TransferQuery) (Page[Transfer], error)
}
