package app_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// codedRefusal is a relay's refusal as the mail package words it: its
// text quotes the recipient, as Postfix's does.
type codedRefusal struct {
	code int
	text string
}

func (r codedRefusal) Error() string   { return r.text }
func (r codedRefusal) StatusCode() int { return r.code }

// A message that could not be sent is logged with its reply code, never
// the server's words, which quote the recipient's address; the words stay
// in the message's last error for coordinators.
func TestDeliveryLogKeepsNoAddress(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	var logs bytes.Buffer
	a := app.New(app.Config{Store: e.store, Now: func() time.Time { return e.now }, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	sw := e.north[data.RoleSocialWorker]
	in := e.approved("Cem Celik")
	cs := e.newCase(sw, "LOG-1")
	e.book(sw, request(cs.ID, in.ID, 2))
	s := &fakeSender{fail: func(m data.Message) error {
		return codedRefusal{550, "550 5.1.1 <" + m.To + ">: Recipient address rejected"}
	}}
	if _, err := a.Deliver(ctx, s, "holder-1", 10); err != nil {
		t.Fatal(err)
	}
	line := logs.String()
	if !strings.Contains(line, `"smtp_code":550`) || strings.Contains(line, "@") || strings.Contains(line, "Recipient address") {
		t.Errorf("the log of a refused message: %s", line)
	}
	msgs := ofKind(e.outbox("north"), data.MessageBookingRequest)
	if len(msgs) != 1 || !strings.Contains(msgs[0].LastError, "Recipient address rejected") {
		t.Errorf("the message's last error: %+v", msgs)
	}
}
