package app_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
)

// moved is a child's case in north with a history: an interpreter the
// child was comfortable with (amira), one the child was not (bina), one
// the case excludes with a free-text reason (carla), and one with more
// training and experience than amira (eve), who ranks first anywhere the
// child's history is not known.
type moved struct {
	c                        data.Case
	amira, bina, carla, eve  app.Interpreter
	dilan                    app.Interpreter // declined an offer for the case, declaring a conflict
	northCoord, southCoord   data.User
	slot                     app.MatchRequest
	secretReason, secretTown string
}

func newMoved(t *testing.T, e *env) moved {
	t.Helper()
	ctx := t.Context()
	m := moved{northCoord: e.north[data.RoleCoordinator], southCoord: e.south[data.RoleCoordinator],
		secretReason: "knows the uncle in Ranya", secretTown: "Ranya"}
	m.amira, m.bina, m.carla = e.approved("amira"), e.approved("bina"), e.approved("carla")
	fields := eligible("eve")
	fields.Training = append(fields.Training, data.Training{Kind: data.TrainingTraumaInformed, Completed: data.MustDate("2025-01-01")},
		data.Training{Kind: data.TrainingTrafficking, Completed: data.MustDate("2025-01-01")})
	fields.Experience = data.Experience{ChildInterviews: 80, TraffickingCases: 30, Years: 15}
	m.eve = e.interpreter(fields, data.DecisionApprove)

	cf := caseFields("NR-MOVE-1")
	cf.Child.CommunityLinks = []data.CommunityLink{{Kind: data.LinkTown, Value: m.secretTown}}
	cf.ExcludedInterpreters = []data.CaseExclusion{{InterpreterID: m.carla.ID, Reason: m.secretReason}}
	c, err := e.app.CreateCase(ctx, e.north[data.RoleSocialWorker], cf)
	if err != nil {
		t.Fatal(err)
	}
	sw := e.north[data.RoleSocialWorker]
	m.dilan = e.approved("dilan")
	o, err := e.app.CreateOffer(ctx, sw, offer(c.ID, data.OfferCascade, m.dilan.ID))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.DeclineOffer(ctx, e.interpreterUser(m.dilan), o.ID, data.DeclineConflict); err != nil {
		t.Fatal(err)
	}
	first := e.book(sw, request(c.ID, m.amira.ID, 0))
	second := e.book(sw, request(c.ID, m.bina.ID, 1))
	e.now = second.End.Add(time.Hour)
	if _, err := e.app.RecordOutcome(ctx, sw, first.ID, app.Outcome{Attended: true, ChildComfortable: true, Checklist: allChecked()}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.RecordOutcome(ctx, sw, second.ID, app.Outcome{Attended: true, ChildComfortable: false, Checklist: allChecked()}); err != nil {
		t.Fatal(err)
	}
	if m.c, err = e.app.GetCase(ctx, sw, c.ID); err != nil {
		t.Fatal(err)
	}
	start := interview.AddDate(0, 0, 14)
	m.slot = app.MatchRequest{Start: start, End: start.Add(90 * time.Minute), InterviewType: data.InterviewABEPolice, Modality: data.ModalityVideo}
	return m
}

// reasonsOf returns the reason codes matching gave an excluded
// interpreter, or nil when they are not excluded.
func reasonsOf(res app.MatchResult, id string) []string {
	for _, ex := range res.Excluded {
		if ex.Interpreter.ID == id {
			var codes []string
			for _, r := range ex.Reasons {
				codes = append(codes, r.Code)
			}
			return codes
		}
	}
	return nil
}

// names lists a match's candidates by name, best first.
func names(res app.MatchResult) []string {
	var out []string
	for _, c := range res.Candidates {
		out = append(out, c.Interpreter.Name)
	}
	return out
}

// TestTransferKeepsContinuity is the story of a child who moves council:
// north sends the case, south's coordinator sees it pending and accepts
// it, and the new case's first match in south puts the interpreter the
// child was comfortable with first and keeps the one the child was not
// comfortable with, and the one north excluded, excluded.
func TestTransferKeepsContinuity(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	m := newMoved(t, e)

	// Without the child's history, eve ranks above amira in south.
	fresh := e.newCase(e.south[data.RoleSocialWorker], "SO-FRESH")
	res, err := e.app.Match(ctx, e.south[data.RoleSocialWorker], fresh.ID, m.slot)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Candidates) == 0 || res.Candidates[0].Interpreter.ID != m.eve.ID {
		t.Fatalf("a case without history: candidates %v, want eve first", names(res))
	}

	tr, err := e.app.RequestTransfer(ctx, m.northCoord, m.c.ID, app.NewTransfer{ToOrganisation: "south", LegalBasis: data.LegalBasisPlacement, CloseSending: true})
	if err != nil {
		t.Fatalf("RequestTransfer: %v", err)
	}
	if tr.Status != data.TransferPending || tr.From != "north" || tr.To != "south" {
		t.Errorf("the transfer: %+v", tr)
	}
	pending, err := e.app.ListTransfers(ctx, m.southCoord, app.TransferFilter{Status: data.TransferPending})
	if err != nil || len(pending.Items) != 1 || pending.Items[0].ID != tr.ID {
		t.Fatalf("south's pending transfers: %+v, %v", pending.Items, err)
	}
	if out, err := e.app.ListTransfers(ctx, m.southCoord, app.TransferFilter{Outgoing: true}); err != nil || len(out.Items) != 0 {
		t.Errorf("south sent nothing, yet lists %d outgoing, %v", len(out.Items), err)
	}
	// South's coordinator is told, with nothing of the child beyond
	// language and age band.
	msgs, err := e.store.ListMessages(ctx, data.MessageQuery{Organisation: "south"})
	if err != nil {
		t.Fatal(err)
	}
	var told bool
	for _, msg := range msgs.Items {
		if msg.Kind != data.MessageTransferRequested {
			continue
		}
		told = msg.To == m.southCoord.Email
		body := msg.Subject + msg.Text + msg.HTML
		for _, secret := range []string{m.c.Reference, m.secretTown, m.secretReason, "amira", "bina", "carla", "dilan", m.c.ID} {
			if strings.Contains(body, secret) {
				t.Errorf("the message to south's coordinator holds %q:\n%s", secret, msg.Text)
			}
		}
		if !strings.Contains(msg.Text, data.LanguageName("ckb")) || !strings.Contains(msg.Text, data.Age12To15.Words()) {
			t.Errorf("the message does not name the child's language and age band:\n%s", msg.Text)
		}
	}
	if !told {
		t.Errorf("no transfer message to south's coordinator among %d messages", len(msgs.Items))
	}

	tr, received, err := e.app.AcceptTransfer(ctx, m.southCoord, tr.ID, "SO-2026-77")
	if err != nil {
		t.Fatalf("AcceptTransfer: %v", err)
	}
	if tr.Status != data.TransferAccepted || tr.NewCaseID != received.ID || received.Organisation != "south" || received.Reference != "SO-2026-77" {
		t.Errorf("accepted %+v into %+v", tr, received)
	}
	if !slices.Contains(received.LinkedReferences, m.c.Reference) || received.Child.CommunityLinks[0].Value != m.secretTown {
		t.Errorf("the new case lost the child's references or links: %+v", received)
	}
	wantExcluded := []data.CaseExclusion{
		{InterpreterID: m.carla.ID, Reason: data.ExclusionReasons[data.ExclusionByCase]},
		{InterpreterID: m.dilan.ID, Reason: data.ExclusionReasons[data.ExclusionDeclaredConflict]},
	}
	if !slices.Equal(received.ExcludedInterpreters, wantExcluded) {
		t.Errorf("the new case excludes %+v, want carla and dilan with their codes' words, never north's text", received.ExcludedInterpreters)
	}

	res, err = e.app.Match(ctx, e.south[data.RoleSocialWorker], received.ID, m.slot)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Candidates) == 0 || res.Candidates[0].Interpreter.ID != m.amira.ID {
		t.Fatalf("the transferred case's candidates are %v, want amira (the child was comfortable with her) first", names(res))
	}
	for name, id := range map[string]string{"bina": m.bina.ID, "carla": m.carla.ID, "dilan": m.dilan.ID} {
		if !slices.Contains(reasonsOf(res, id), "excluded_by_case") {
			t.Errorf("%s is not excluded_by_case in the transferred case: %v", name, reasonsOf(res, id))
		}
	}

	// North's case is marked transferred: it takes no new interview.
	sending, err := e.app.GetCase(ctx, m.northCoord, m.c.ID)
	if err != nil || sending.TransferredTo != "south" || sending.TransferPending != "" {
		t.Errorf("north's case after acceptance: %+v, %v", sending, err)
	}
	_, _, err = e.app.CreateBooking(ctx, e.north[data.RoleSocialWorker], request(m.c.ID, m.eve.ID, 20))
	wantCode(t, err, app.KindConflict, app.ErrCaseTransferred)

	// One answer only.
	_, _, err = e.app.AcceptTransfer(ctx, m.southCoord, tr.ID, "")
	wantCode(t, err, app.KindConflict, "transfer_closed")
	_, err = e.app.DeclineTransfer(ctx, m.southCoord, tr.ID, data.DeclineOtherReason)
	wantCode(t, err, app.KindConflict, "transfer_closed")

	// Both sides' audits hold it.
	for _, who := range []data.User{m.northCoord, m.southCoord} {
		page, err := e.app.ListAudit(ctx, who, app.AuditFilter{EntityID: tr.ID})
		if err != nil || len(page.Items) != 2 || page.Items[0].Action != data.ActionTransferAccepted || page.Items[1].Action != data.ActionTransferRequested {
			t.Errorf("%s's audit of the transfer: %+v, %v", who.Organisation, page.Items, err)
		}
	}
	// North's coordinator hears of the answer.
	msgs, err = e.store.ListMessages(ctx, data.MessageQuery{Organisation: "north"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(msgs.Items, func(msg data.Message) bool {
		return msg.Kind == data.MessageTransferAnswered && msg.To == m.northCoord.Email
	}) {
		t.Error("north's coordinator was not told of the acceptance")
	}
	// tolk check (checkConsistent knows no offers): every index entry of
	// transfers and cases points at its record and back, and every change
	// has its audit entries.
	if err := e.store.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if r, err := bolt.Check(ctx, e.path); err != nil || !r.OK() {
		t.Errorf("tolk check after a transfer: %+v, %v", r, err)
	}
}

// TestTransferRefusals: bad input names its field, the wrong people are
// refused, a case is never pending twice, and a declined case stays open.
func TestTransferRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	coord, southCoord := e.north[data.RoleCoordinator], e.south[data.RoleCoordinator]
	c := e.newCase(e.north[data.RoleSocialWorker], "NR-2")
	ok := app.NewTransfer{ToOrganisation: "south", LegalBasis: data.LegalBasisSafeguarding}

	for name, tc := range map[string]struct {
		req   app.NewTransfer
		field string
	}{
		"unknown legal basis":  {app.NewTransfer{ToOrganisation: "south", LegalBasis: "because"}, "legalBasis"},
		"unknown organisation": {app.NewTransfer{ToOrganisation: "atlantis", LegalBasis: data.LegalBasisPlacement}, "toOrganisation"},
		"malformed":            {app.NewTransfer{ToOrganisation: "South Council!", LegalBasis: data.LegalBasisPlacement}, "toOrganisation"},
		"same organisation":    {app.NewTransfer{ToOrganisation: "north", LegalBasis: data.LegalBasisPlacement}, "toOrganisation"},
		"missing organisation": {app.NewTransfer{LegalBasis: data.LegalBasisPlacement}, "toOrganisation"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.app.RequestTransfer(ctx, coord, c.ID, tc.req)
			f := wantKind(t, err, app.KindInvalid)
			if !slices.ContainsFunc(f.Fields, func(fe data.FieldError) bool { return fe.Field == tc.field }) {
				t.Errorf("fields %+v do not name %s", f.Fields, tc.field)
			}
		})
	}
	_, err := e.app.RequestTransfer(ctx, e.north[data.RoleSocialWorker], c.ID, ok)
	wantKind(t, err, app.KindForbidden)
	_, err = e.app.RequestTransfer(ctx, southCoord, c.ID, app.NewTransfer{ToOrganisation: "north", LegalBasis: data.LegalBasisPlacement})
	wantKind(t, err, app.KindNotFound)

	tr, err := e.app.RequestTransfer(ctx, coord, c.ID, ok)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.app.RequestTransfer(ctx, coord, c.ID, ok)
	wantCode(t, err, app.KindConflict, app.ErrTransferPending)
	_, _, err = e.app.AcceptTransfer(ctx, coord, tr.ID, "")
	wantKind(t, err, app.KindForbidden)
	_, err = e.app.ListTransfers(ctx, e.south[data.RoleSocialWorker], app.TransferFilter{})
	wantKind(t, err, app.KindForbidden)
	_, err = e.app.ListTransfers(ctx, southCoord, app.TransferFilter{Status: "lost"})
	wantKind(t, err, app.KindInvalid)
	_, err = e.app.DeclineTransfer(ctx, southCoord, tr.ID, "we are busy")
	wantKind(t, err, app.KindInvalid)
	if _, err := e.app.GetTransfer(ctx, e.boot, tr.ID); err == nil {
		t.Error("the bootstrap admin read a transfer")
	}

	declined, err := e.app.DeclineTransfer(ctx, southCoord, tr.ID, data.DeclineNotOurArea)
	if err != nil || declined.Status != data.TransferDeclined || declined.Decline != data.DeclineNotOurArea {
		t.Fatalf("DeclineTransfer: %+v, %v", declined, err)
	}
	after, err := e.app.GetCase(ctx, coord, c.ID)
	if err != nil || after.TransferPending != "" || after.Transferred() {
		t.Errorf("a declined case: %+v, %v; want it open, nothing pending", after, err)
	}
	// Open, it books and may be sent again.
	in := e.approved("hana")
	e.book(e.north[data.RoleSocialWorker], request(c.ID, in.ID, 0))
	if _, err := e.app.RequestTransfer(ctx, coord, c.ID, ok); err != nil {
		t.Errorf("sending a declined case again: %v", err)
	}
	e.checkConsistent()
}

// TestTransferStaysOpen: a sender who keeps the case open can go on
// booking for it after the transfer is accepted.
func TestTransferStaysOpen(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	c := e.newCase(e.north[data.RoleSocialWorker], "NR-3")
	tr, err := e.app.RequestTransfer(ctx, e.north[data.RoleCoordinator], c.ID, app.NewTransfer{ToOrganisation: "south", LegalBasis: data.LegalBasisNationalTransferScheme})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.app.AcceptTransfer(ctx, e.south[data.RoleCoordinator], tr.ID, ""); err != nil {
		t.Fatal(err)
	}
	sending, err := e.app.GetCase(ctx, e.north[data.RoleCoordinator], c.ID)
	if err != nil || sending.Transferred() {
		t.Fatalf("a case kept open: %+v, %v", sending, err)
	}
	e.book(e.north[data.RoleSocialWorker], request(c.ID, e.approved("hana").ID, 0))
}

// TestTransferWithdrawn: north takes back a transfer sent by mistake
// before south answers: the transfer is withdrawn, south's coordinators
// are told with nothing about the child or the case, south can no longer
// accept it (transfer_closed), neither side lists it pending, both audits
// hold the withdrawal, and north may send the case again; south may not
// withdraw north's transfer, and a transfer already answered is not
// withdrawn.
func TestTransferWithdrawn(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	m := newMoved(t, e)
	tr, err := e.app.RequestTransfer(ctx, m.northCoord, m.c.ID, app.NewTransfer{ToOrganisation: "south", LegalBasis: data.LegalBasisPlacement})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, func() error { _, err := e.app.WithdrawTransfer(ctx, m.southCoord, tr.ID); return err }(), app.KindForbidden)
	expect(t, func() error { _, err := e.app.WithdrawTransfer(ctx, e.north[data.RoleSocialWorker], tr.ID); return err }(), app.KindForbidden)
	got, err := e.app.WithdrawTransfer(ctx, m.northCoord, tr.ID)
	if err != nil || got.Status != data.TransferWithdrawn || got.DecidedBy != m.northCoord.ID {
		t.Fatalf("WithdrawTransfer: %+v, %v", got, err)
	}
	if _, _, err := e.app.AcceptTransfer(ctx, m.southCoord, tr.ID, ""); app.Classify(err).Code != "transfer_closed" {
		t.Errorf("south accepting a withdrawn transfer: %v, want transfer_closed", err)
	}
	if _, err := e.app.WithdrawTransfer(ctx, m.northCoord, tr.ID); app.Classify(err).Code != "transfer_closed" {
		t.Errorf("withdrawing twice: %v, want transfer_closed", err)
	}
	if pending, err := e.app.ListTransfers(ctx, m.southCoord, app.TransferFilter{Status: data.TransferPending}); err != nil || len(pending.Items) != 0 {
		t.Errorf("south's pending transfers after the withdrawal: %d, %v", len(pending.Items), err)
	}
	told := ofKind(e.outbox("south"), data.MessageTransferWithdrawn)
	if len(told) != 1 || told[0].To != m.southCoord.Email {
		t.Fatalf("south's coordinators told of the withdrawal: %+v", told)
	}
	body := told[0].Subject + told[0].Text + told[0].HTML
	for _, secret := range []string{m.c.Reference, m.c.ID, m.secretTown, m.secretReason, "amira", "bina", "carla"} {
		if strings.Contains(body, secret) {
			t.Errorf("the withdrawal message holds %q:\n%s", secret, told[0].Text)
		}
	}
	for _, scope := range []string{"north", "south"} {
		page, err := e.store.ListAudit(ctx, data.AuditQuery{Scopes: []string{scope}, EntityID: tr.ID, Limit: data.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		var withdrawn bool
		for _, a := range page.Items {
			withdrawn = withdrawn || a.Action == data.ActionTransferWithdrawn
		}
		if !withdrawn {
			t.Errorf("%s's audit lacks the withdrawal", scope)
		}
	}
	sending, err := e.app.GetCase(ctx, m.northCoord, m.c.ID)
	if err != nil || sending.TransferPending != "" {
		t.Fatalf("the sending case after the withdrawal: pending %q, %v", sending.TransferPending, err)
	}
	again, err := e.app.RequestTransfer(ctx, m.northCoord, m.c.ID, app.NewTransfer{ToOrganisation: "south", LegalBasis: data.LegalBasisSafeguarding})
	if err != nil {
		t.Fatalf("sending the case again: %v", err)
	}
	if _, err := e.app.DeclineTransfer(ctx, m.southCoord, again.ID, data.DeclineNotOurArea); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.WithdrawTransfer(ctx, m.northCoord, again.ID); app.Classify(err).Code != "transfer_closed" {
		t.Errorf("withdrawing a declined transfer: %v, want transfer_closed", err)
	}
	// tolk check, as TestTransferKeepsContinuity does (checkConsistent
	// knows no offers).
	if err := e.store.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if r, err := bolt.Check(ctx, e.path); err != nil || !r.OK() {
		t.Errorf("tolk check after a withdrawal: %+v, %v", r, err)
	}
}

// TestConcurrentTransferAnswers races acceptances, declines and the
// sender's withdrawals of one transfer through two applications over one
// store: exactly one lands, every other is transfer_closed, and south
// holds one new case at most.
func TestConcurrentTransferAnswers(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	c := e.newCase(e.north[data.RoleSocialWorker], "NR-4")
	tr, err := e.app.RequestTransfer(ctx, e.north[data.RoleCoordinator], c.ID, app.NewTransfer{ToOrganisation: "south", LegalBasis: data.LegalBasisPlacement})
	if err != nil {
		t.Fatal(err)
	}
	apps := []*app.App{e.app, e.appOver(e.store)}
	second := e.user(e.south[data.RoleAdmin], "south", data.RoleCoordinator, "coordinator2")
	coords := []data.User{e.south[data.RoleCoordinator], second}
	const writers = 8
	errs := make([]error, writers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			<-start
			a, who := apps[i%2], coords[i%2]
			switch i % 4 {
			case 2:
				_, errs[i] = a.DeclineTransfer(ctx, who, tr.ID, data.DeclineAlreadyHeld)
			case 3:
				_, errs[i] = a.WithdrawTransfer(ctx, e.north[data.RoleCoordinator], tr.ID)
			default:
				_, _, errs[i] = a.AcceptTransfer(ctx, who, tr.ID, "")
			}
		})
	}
	close(start)
	wg.Wait()
	wins := 0
	for i, err := range errs {
		if err == nil {
			wins++
			continue
		}
		if f := app.Classify(err); f.Code != "transfer_closed" {
			t.Errorf("writer %d: %v, want transfer_closed", i, err)
		}
	}
	if wins != 1 {
		t.Errorf("%d answers landed, want exactly 1", wins)
	}
	got, err := e.app.GetTransfer(ctx, e.south[data.RoleCoordinator], tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	cases, err := e.store.ListCases(ctx, data.CaseQuery{Organisation: "south"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[data.TransferStatus]int{data.TransferAccepted: 1, data.TransferDeclined: 0, data.TransferWithdrawn: 0}[got.Status]; len(cases.Items) != want {
		t.Errorf("the transfer is %s and south holds %d cases, want %d", got.Status, len(cases.Items), want)
	}
	e.checkConsistent()
}

// TestTransferredCaseBooksNobody: once a transfer marks the sending case
// transferred, an offer still open on it books nobody (an interpreter
// accepting is 409 case_transferred) and the case takes no search; a case
// whose references would not all travel is not accepted (409
// transfer_too_large), since each keeps out interpreters tied to that
// case.
func TestTransferredCaseBooksNobody(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw, coord := e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]
	c := e.newCase(sw, "NR-OPEN-OFFER")
	in := e.approved("olga")
	o, err := e.app.CreateOffer(ctx, sw, offer(c.ID, data.OfferCascade, in.ID))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := e.app.RequestTransfer(ctx, coord, c.ID, app.NewTransfer{ToOrganisation: "south", LegalBasis: data.LegalBasisPlacement, CloseSending: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.app.AcceptTransfer(ctx, e.south[data.RoleCoordinator], tr.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.AcceptOffer(ctx, e.interpreterUser(in), o.ID, true); app.Classify(err).Code != app.ErrCaseTransferred {
		t.Errorf("accepting an offer of a transferred case: %v, want case_transferred", err)
	}
	if _, err := e.app.Match(ctx, sw, c.ID, slot(interview)); app.Classify(err).Code != app.ErrCaseTransferred {
		t.Errorf("a search on a transferred case: %v, want case_transferred", err)
	}

	cf := caseFields("NR-MANY-LINKS")
	for i := range data.MaxCaseList {
		cf.LinkedReferences = append(cf.LinkedReferences, "CRIM-"+string(rune('A'+i/26))+string(rune('a'+i%26)))
	}
	many, err := e.app.CreateCase(ctx, sw, cf)
	if err != nil {
		t.Fatal(err)
	}
	tr, err = e.app.RequestTransfer(ctx, coord, many.ID, app.NewTransfer{ToOrganisation: "south", LegalBasis: data.LegalBasisPlacement})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.app.AcceptTransfer(ctx, e.south[data.RoleCoordinator], tr.ID, ""); app.Classify(err).Code != "transfer_too_large" {
		t.Errorf("accepting a case whose references would not all travel: %v, want transfer_too_large", err)
	}
}
