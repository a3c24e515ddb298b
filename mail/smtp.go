package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/tolk/tolk/data"
)

// security is how an SMTP connection is protected.
type security int

const (
	startTLS security = iota // STARTTLS, required
	implicitTLS
	noTLS // only when the URL says tls=none
)

// relay is a parsed SMTP URL.
type relay struct {
	scheme   string
	host     string
	port     int
	security security
	user     string
	password string
}

// address is host:port.
func (r relay) address() string { return net.JoinHostPort(r.host, strconv.Itoa(r.port)) }

// parseURL parses an SMTP URL (see Config.URL). Its errors say what is
// wrong and never repeat the URL, which may hold a password.
func parseURL(raw string) (relay, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return relay{}, errors.New("mail: the SMTP URL does not parse: check its form " +
			"(smtp://user:password@host:587) and that the user and password are percent-encoded")
	}
	var r relay
	switch u.Scheme {
	case "smtp", "smtps":
		r.scheme = u.Scheme
	default:
		return relay{}, fmt.Errorf("mail: SMTP URL scheme %q: use smtp:// (STARTTLS) or smtps:// (implicit TLS)", u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" {
		return relay{}, errors.New("mail: the SMTP URL needs a host: smtp://host:587")
	}
	if u.Path != "" && u.Path != "/" || u.Fragment != "" {
		return relay{}, errors.New("mail: the SMTP URL must have no path or fragment")
	}
	r.host = u.Hostname()
	if r.host == "" {
		return relay{}, errors.New("mail: the SMTP URL needs a host: smtp://host:587")
	}

	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return relay{}, errors.New("mail: the SMTP URL's query does not parse")
	}
	for k, vs := range q {
		if k != "tls" {
			return relay{}, fmt.Errorf("mail: SMTP URL parameter %q is unknown: the only one is tls", k)
		}
		if len(vs) != 1 {
			return relay{}, errors.New("mail: SMTP URL parameter tls is given twice")
		}
	}
	switch tlsParam := q.Get("tls"); {
	case r.scheme == "smtps" && (tlsParam == "" || tlsParam == "implicit"):
		r.security, r.port = implicitTLS, 465
	case r.scheme == "smtps":
		return relay{}, fmt.Errorf("mail: SMTP URL tls=%s contradicts smtps:// (implicit TLS); "+
			"use smtp://host:25?tls=none for a relay without TLS", tlsParam)
	case tlsParam == "" || tlsParam == "starttls":
		r.security, r.port = startTLS, 587
	case tlsParam == "none":
		r.security, r.port = noTLS, 25
	default:
		return relay{}, fmt.Errorf("mail: SMTP URL tls=%s is unknown: use tls=none, or nothing for STARTTLS", tlsParam)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return relay{}, fmt.Errorf("mail: SMTP URL port %q is not a port number", p)
		}
		r.port = n
	}

	if u.User != nil {
		r.user = u.User.Username()
		r.password, _ = u.User.Password()
		if r.user == "" || r.password == "" {
			return relay{}, errors.New("mail: the SMTP URL needs both a user and a password, or neither")
		}
	}
	return r, nil
}

// smtpSender sends over SMTP through go-mail.
type smtpSender struct {
	relay   relay
	from    string
	envFrom string // the address alone, for MAIL FROM
	timeout time.Duration
	tls     *tls.Config
	now     func() time.Time
}

func newSMTP(cfg Config) (*smtpSender, error) {
	r, err := parseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	from, _, err := parseFrom(cfg.From)
	if err != nil {
		return nil, err
	}
	return &smtpSender{
		relay:   r,
		from:    cfg.From,
		envFrom: from.Address,
		timeout: cfg.Timeout,
		tls:     &tls.Config{ServerName: r.host, MinVersion: tls.VersionTLS12, RootCAs: cfg.roots},
		now:     cfg.now,
	}, nil
}

// Where names the relay and how the connection is protected.
func (s *smtpSender) Where() string {
	how := map[security]string{
		startTLS:    "with STARTTLS",
		implicitTLS: "with implicit TLS",
		noTLS:       "without TLS",
	}[s.relay.security]
	if s.relay.user != "" {
		how += " and authentication"
	}
	return s.relay.scheme + "://" + s.relay.address() + " " + how
}

// Send composes m and sends it in one SMTP transaction.
func (s *smtpSender) Send(ctx context.Context, m data.Message) error {
	raw, err := Compose(m, s.from, s.now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()

	client, err := s.dial(ctx)
	if err != nil {
		return refusal(ctx, "connect", err, false)
	}
	defer client.Close()

	if err := client.Mail("<" + s.envFrom + ">"); err != nil {
		return refusal(ctx, "MAIL FROM", err, true)
	}
	if err := client.Rcpt("<" + m.To + ">"); err != nil {
		return refusal(ctx, "RCPT TO", err, true)
	}
	w, err := client.Data()
	if err != nil {
		return refusal(ctx, "DATA", err, true)
	}
	if _, err := w.Write(raw); err != nil {
		return refusal(ctx, "message", err, true)
	}
	if err := w.Close(); err != nil {
		return refusal(ctx, "end of message", err, true)
	}
	_ = client.Quit() // the relay has taken the message; a failed QUIT changes nothing
	return nil
}

// dial connects, secures the connection and authenticates, through
// go-mail's Client. The connection is closed when ctx ends, which stops
// any exchange in progress, the greeting, TLS and AUTH included.
func (s *smtpSender) dial(ctx context.Context) (*smtp.Client, error) {
	var conn net.Conn
	dialContext := func(dctx context.Context, network, addr string) (net.Conn, error) {
		d := &net.Dialer{}
		var c net.Conn
		var err error
		if s.relay.security == implicitTLS {
			c, err = (&tls.Dialer{NetDialer: d, Config: s.tls}).DialContext(dctx, network, addr)
		} else {
			c, err = d.DialContext(dctx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		conn = c
		context.AfterFunc(ctx, func() { _ = c.Close() })
		return c, nil
	}
	opts := []gomail.Option{
		gomail.WithPort(s.relay.port),
		gomail.WithTimeout(s.timeout),
		gomail.WithTLSConfig(s.tls),
		gomail.WithDialContextFunc(dialContext),
		gomail.WithoutSMTPUTF8(), // Compose writes ASCII only
	}
	switch s.relay.security {
	case startTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case implicitTLS:
		opts = append(opts, gomail.WithSSL())
	case noTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.relay.user != "" {
		opts = append(opts, gomail.WithSMTPAuthCustom(&plainOrLogin{
			user: s.relay.user, password: s.relay.password, host: s.relay.host,
			withoutTLS: s.relay.security == noTLS,
		}))
	}
	c, err := gomail.NewClient(s.relay.host, opts...)
	if err != nil {
		return nil, err
	}
	client, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		if conn != nil {
			_ = conn.Close() // go-mail leaves it open when the greeting, TLS or AUTH fails
		}
		return nil, err
	}
	return client, nil
}

// plainOrLogin authenticates with PLAIN when the server offers it, else
// with LOGIN, through go-mail's own mechanisms, and never sends the
// password over a connection without TLS unless withoutTLS (the URL said
// tls=none).
type plainOrLogin struct {
	user, password, host string
	withoutTLS           bool
	chosen               smtp.Auth
}

// Start chooses the mechanism and begins.
func (a *plainOrLogin) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !a.withoutTLS {
		return "", nil, errors.New("refusing to send the password without TLS")
	}
	offers := func(mech string) bool {
		return slices.ContainsFunc(server.Auth, func(m string) bool { return strings.EqualFold(m, mech) })
	}
	switch {
	case offers("PLAIN"):
		a.chosen = smtp.PlainAuth("", a.user, a.password, a.host, true)
	case offers("LOGIN"):
		a.chosen = smtp.LoginAuth(a.user, a.password, a.host, true)
	default:
		return "", nil, errors.New("the server offers neither PLAIN nor LOGIN authentication")
	}
	return a.chosen.Start(server)
}

// Next continues the chosen mechanism.
func (a *plainOrLogin) Next(fromServer []byte, more bool) ([]byte, error) {
	return a.chosen.Next(fromServer, more)
}

// refusal classifies err, from step of a delivery, as a Refusal: a reply's
// code when there is one, permanent only for a 5xx reply within the
// transaction (inTransaction: MAIL, RCPT, DATA), as go-mail's
// SendError.IsTemp; everything else, dialling, TLS and AUTH included, is
// temporary.
func refusal(ctx context.Context, step string, err error, inTransaction bool) *Refusal {
	r := &Refusal{Temporary: true, cause: err}
	if te, ok := errors.AsType[*textproto.Error](err); ok {
		r.Code = te.Code
		r.Temporary = !inTransaction || te.Code < 500 || te.Code > 599
		reply := fmt.Sprintf("%d %s", te.Code, te.Msg) // textproto quotes the text
		r.Reason = reason(step + ": " + strings.Replace(err.Error(), te.Error(), reply, 1))
		return r
	}
	if cerr := ctx.Err(); cerr != nil {
		why := "timed out"
		if errors.Is(cerr, context.Canceled) {
			why = "cancelled"
		}
		r.cause = cerr
		r.Reason = reason(step + ": " + why)
		return r
	}
	r.Reason = reason(step + ": " + err.Error())
	return r
}
