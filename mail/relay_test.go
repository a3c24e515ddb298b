package mail

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// testCert is a self-signed certificate for 127.0.0.1 and localhost, and a
// pool that trusts it, made once per test binary.
var testCert = sync.OnceValues(func() (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "tolk test relay"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
})

// testRoots is the pool trusting testCert, for Config.roots.
func testRoots() *x509.CertPool {
	_, pool := testCert()
	return pool
}

// The test relay's account.
const (
	testUser     = "tolk-relay"
	testPassword = "s3cret-p@ss:word"
)

// serverOptions shape a test SMTP server.
type serverOptions struct {
	tls          string   // "" (none), "starttls" or "implicit"
	mechs        []string // AUTH mechanisms offered: PLAIN, LOGIN, or others (not served)
	insecureAuth bool     // offer AUTH without TLS
	// Errors the server answers MAIL, RCPT and DATA with, if any.
	mailErr, rcptErr, dataErr *smtp.SMTPError
}

// received is one message a test server took.
type received struct {
	from string
	to   []string
	data []byte
	tls  bool
}

// authAttempt is one AUTH a test server saw.
type authAttempt struct {
	mech, user, password string
	tls                  bool
}

// testServer is an in-process SMTP server (github.com/emersion/go-smtp) on
// 127.0.0.1 that records what it receives.
type testServer struct {
	addr string
	port int
	opts serverOptions

	mu    sync.Mutex
	got   []received
	auths []authAttempt
}

// startServer starts a test SMTP server, stopped when the test ends.
func startServer(t *testing.T, o serverOptions) *testServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := testCert()
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	ts := &testServer{addr: l.Addr().String(), port: l.Addr().(*net.TCPAddr).Port, opts: o}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: ts, conn: c}, nil
	}))
	s.Domain = "localhost"
	s.AllowInsecureAuth = o.insecureAuth
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	switch o.tls {
	case "starttls":
		s.TLSConfig = tlsConfig
	case "implicit":
		l = tls.NewListener(l, tlsConfig)
	}
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	return ts
}

func (ts *testServer) received() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return slices.Clone(ts.got)
}

func (ts *testServer) authAttempts() []authAttempt {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return slices.Clone(ts.auths)
}

// session is one SMTP session of a testServer.
type session struct {
	srv  *testServer
	conn *smtp.Conn
	from string
	to   []string
}

func (s *session) isTLS() bool {
	_, ok := s.conn.TLSConnectionState()
	return ok
}

func (s *session) AuthMechanisms() []string { return s.srv.opts.mechs }

func (s *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, password string) error {
		s.srv.mu.Lock()
		s.srv.auths = append(s.srv.auths, authAttempt{mech, user, password, s.isTLS()})
		s.srv.mu.Unlock()
		if user != testUser || password != testPassword {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		return nil
	}
	switch mech {
	case "PLAIN":
		return sasl.NewPlainServer(func(_, user, password string) error { return check(user, password) }), nil
	case "LOGIN":
		return &loginServer{check: check}, nil
	}
	return nil, errors.New("mechanism not served")
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.opts.mailErr != nil {
		return s.srv.opts.mailErr
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.srv.opts.rcptErr != nil {
		return s.srv.opts.rcptErr
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.srv.opts.dataErr != nil {
		return s.srv.opts.dataErr
	}
	s.srv.mu.Lock()
	s.srv.got = append(s.srv.got, received{s.from, slices.Clone(s.to), b, s.isTLS()})
	s.srv.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN (go-sasl has only the
// client): a username and a password, each asked for.
type loginServer struct {
	check    func(user, password string) error
	step     int
	username string
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if response != nil { // an initial response is the username
			l.username = string(response)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.step++
		l.username = string(response)
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.username, string(response))
	}
}

// rawServer listens on 127.0.0.1 and answers every connection with reply
// (nothing when it is empty), then holds it open until the test ends. It
// returns the port.
func rawServer(t *testing.T, reply string) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() {
		close(done)
		_ = l.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_, _ = io.WriteString(c, reply)
				<-done
			})
		}
	})
	return l.Addr().(*net.TCPAddr).Port
}

// closedPort returns a port on 127.0.0.1 that nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return port
}

// withoutReceived drops Received header fields a relay adds at the top.
func withoutReceived(b []byte) []byte {
	for bytes.HasPrefix(b, []byte("Received:")) {
		i := bytes.Index(b, []byte("\r\n"))
		for i >= 0 && i+2 < len(b) && (b[i+2] == ' ' || b[i+2] == '\t') {
			j := bytes.Index(b[i+2:], []byte("\r\n"))
			if j < 0 {
				break
			}
			i += 2 + j
		}
		b = b[i+2:]
	}
	return b
}
