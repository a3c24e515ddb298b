// Package edge is tolk's HTTP edge: the one Fiber app and what every
// request passes before and after a front door sees it. It sets the
// server's limits (header and body deadlines, 4 KiB of request line and
// headers, the body limit, trusted proxies), closes refused connections
// lingeringly, and runs the shared middleware: a request ID, the security
// headers, the request's context (from the edge's base context, with the
// request timeout), recovery from panics, one log line, and the refusal of
// ambiguous framing, folded header lines and over-long request targets. It
// keeps the rate limits and the brakes on failed authentications and on
// failed feed lookups, which the front doors apply through their Guard
// interfaces (api.Guard, web.Guard) where they know who is calling.
//
// The front doors are peers. Each is a Door: it owns the paths under its
// prefixes (the pages own every other path), adds its routes to its own
// group, and answers every error raised on its paths, a path no route of it
// has (404) and a method its path lacks (405, with Allow) included. The
// edge answers only what no door handled: the HTTP layer's refusals (400,
// 408, 413, 414, 431, 501), as problem+json.
//
// Fiber's middleware and ours. Recovery is Fiber's recover (as fast as a
// hand-written one). The rest is the edge's own, each for a reason;
// BenchmarkMiddleware measures both sides, each alone before a bare handler:
//   - Request IDs: Fiber's requestid adopts the X-Request-ID a client sends,
//     so a client would choose the ID its log lines and error pages carry,
//     or reuse another's. Here every ID is minted by the edge, from a
//     per-process prefix and a counter (and a little faster). Switching
//     takes deleting the request's X-Request-ID before requestid runs.
//   - Security headers: Fiber's helmet sets eleven headers whatever its
//     configuration (an empty value means its default), not Cache-Control,
//     and only on requests that reach it; the HTTP layer's refusals and
//     every error answer need the headers set again by hand, so helmet
//     would replace nothing, and it takes twice the time.
//   - Rate limits: Fiber's limiter counts fixed or sliding windows (Max per
//     Expiration) on Fiber's second-resolution clock, in a store that grows
//     with every key until it expires, and takes four times the edge's
//     time. The limits here are token buckets with bursts (600/m
//     burst=100) on an injected clock, in tables of at most 65,536 keys
//     with constant-time eviction; and the brakes count only failures,
//     after the key or feed token is checked, which a middleware that
//     decides before the handler runs cannot do. Switching takes giving
//     up bursts and the bound on memory. golang.org/x/time/rate is a token bucket too, but a
//     Limiter per key, each with its mutex, allocated per new key; the
//     tables here hold one time value a key and allocate nothing when full.
//   - Logging and timeouts: Fiber's logger writes lines of its own format,
//     not slog records, and names the path (a feed's token is in it), not
//     the route; its timeout derives each request's deadline from the
//     request's context, not from a base context that Shutdown cancels.
//     The request's context is the edge's own type (deadline.go), not
//     context.WithTimeout: it starts no timer unless something waits on
//     it, which the embedded store never does (switching back costs a
//     timer's start and stop a request, measured in BenchmarkMiddleware).
//     LineWriter (linewriter.go) gathers the log's lines into few writes
//     off the requests' path; slog has no such writer, and zerolog's diode
//     drops lines when it falls behind, where this one waits.
//
// Only api, web, cmd and this package import Fiber.
package edge

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/valyala/fasthttp"
)

// Config is the edge's configuration.
type Config struct {
	Logger *slog.Logger
	// Now is the clock of the rate limits and the brake; tests set it.
	// Defaults to time.Now.
	Now func() time.Time
	// RateLimits turns on the request rate limits (PerKey, PerAddress,
	// PerFeed) and the brakes on failed authentications and failed feed
	// lookups per address.
	RateLimits bool
	// PerKey limits the requests of each signed-in user or API key. A Rate
	// that allows nothing (the zero Rate) means DefaultPerKey.
	PerKey Rate
	// PerAddress limits the signed-out requests from each client address,
	// feeds aside (see PerFeed). Zero: DefaultPerAddress.
	PerAddress Rate
	// PerFeed limits the fetches of each feed URL. Zero: DefaultPerFeed.
	PerFeed Rate
	// RequestTimeout bounds each request's work: its context ends then.
	// Defaults to 10s.
	RequestTimeout time.Duration
	// BodyLimit is the largest request body accepted, in bytes. Defaults to 1 MiB.
	BodyLimit int
	// TrustedProxies are the addresses of the reverse proxies in front of
	// the service (TOLK_TRUSTED_PROXIES). From them, and only from them,
	// X-Forwarded-For names the client. Empty: the peer is the client.
	TrustedProxies []netip.Prefix
	// ReadTimeout bounds reading one request's body, from the end of its
	// headers; a client slower than that gets 408. Defaults to 30s.
	ReadTimeout time.Duration
	// HeaderTimeout bounds reading one request's line and headers, from
	// the connection's opening or, on a kept-alive connection, from the
	// request's first byte: a client trickling its headers (slowloris) is
	// answered 408 and cut off. Defaults to 10s, or ReadTimeout if shorter.
	HeaderTimeout time.Duration
}

// Limits of the request line and headers (see New).
const (
	// MaxHeaderBytes bounds the request line and headers together: over
	// it, fasthttp answers 431.
	MaxHeaderBytes = 4 << 10
	// MaxURIBytes bounds the request target, path and query: over it, the
	// edge answers 414. Cursors, IDs and filters take a few hundred.
	MaxURIBytes = 2 << 10
)

// A Door is a front door: the API or the pages. The edge hands it its own
// group of the one Fiber app, and hands it back every error raised on its
// paths.
type Door interface {
	// Prefixes are the paths the door owns: a prefix owns itself and every
	// path under it, whatever the case ("/v1" owns "/v1" and "/V1/me", not
	// "/v1x"). None: every path no other door owns.
	Prefixes() []string
	// Routes adds the door's routes to r.
	Routes(r fiber.Router)
	// Answer answers err, raised by one of the door's handlers or by the
	// router on one of its paths: *fiber.Error 404 when no route has the
	// path, 405 when its routes have other methods (listed in the Allow
	// header). The security headers are set afresh before it is called. An
	// error it returns is answered as a 500 problem.
	Answer(c *fiber.Ctx, err error) error
}

// A Refuser is a Door that answers the HTTP layer's refusal of a request
// too large (413) on its own paths itself: the pages answer a page, where
// the edge would answer a problem.
type Refuser interface {
	// Refused answers the request refused with status; the request's body
	// was not read. An error it returns leaves the answer to the edge.
	Refused(c *fiber.Ctx, status int) error
}

// Edge is the HTTP edge: the Fiber app, its shared middleware and the
// rate limits. Its Guard methods are what the doors apply.
type Edge struct {
	app     *fiber.App
	log     *slog.Logger
	now     func() time.Time
	timeout time.Duration
	proxies []netip.Prefix

	// base is the parent of every request's context; Shutdown cancels it.
	base     context.Context
	cancel   context.CancelFunc
	inFlight atomic.Int64

	doors []mounted
	rest  Door // the door without prefixes, if any

	// The limits; nil when Config.RateLimits is off.
	brake, feedBrake            *failureLimiter
	perKey, perAddress, perFeed *rateLimiter
}

// mounted is a door with a prefix it owns.
type mounted struct {
	prefix string
	door   Door
}

// New returns the edge, with its middleware in place and no door yet.
func New(cfg Config) *Edge {
	e := &Edge{log: cfg.Logger, now: cfg.Now, timeout: cfg.RequestTimeout, proxies: cfg.TrustedProxies}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.timeout == 0 {
		e.timeout = 10 * time.Second
	}
	e.base, e.cancel = context.WithCancel(context.Background())
	if cfg.RateLimits {
		e.brake = newFailureLimiter(FailuresAllowed, FailureWindow)
		e.feedBrake = newFailureLimiter(FailuresAllowed, FailureWindow)
		e.perKey = newRateLimiter(orDefault(cfg.PerKey, DefaultPerKey))
		e.perAddress = newRateLimiter(orDefault(cfg.PerAddress, DefaultPerAddress))
		e.perFeed = newRateLimiter(orDefault(cfg.PerFeed, DefaultPerFeed))
	}
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = 1 << 20
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 30 * time.Second
	}
	if cfg.HeaderTimeout == 0 {
		cfg.HeaderTimeout = min(10*time.Second, cfg.ReadTimeout)
	}
	proxies := make([]string, len(cfg.TrustedProxies))
	for i, p := range cfg.TrustedProxies {
		proxies[i] = p.String()
	}
	e.app = fiber.New(fiber.Config{
		AppName:               "tolk",
		BodyLimit:             cfg.BodyLimit,
		ErrorHandler:          e.refused,
		DisableStartupMessage: true,
		// Handlers keep strings from requests (IDs, names) beyond the
		// request's life; Immutable copies them instead of reusing buffers.
		Immutable: true,
		// fasthttp's ReadTimeout runs from a connection's opening, or from
		// a kept-alive request's first byte, and is not renewed by each
		// byte: it bounds the headers. HeaderReceived below gives the body
		// its own ReadTimeout.
		ReadTimeout:    cfg.HeaderTimeout,
		WriteTimeout:   30 * time.Second,
		IdleTimeout:    2 * time.Minute,
		ReadBufferSize: MaxHeaderBytes,
		// Only the configured proxies may speak for a client: without the
		// check, Fiber believes X-Forwarded-* from anyone. The limits read
		// X-Forwarded-For themselves (see clientAddr), from the right.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          proxies,
		ProxyHeader:             fiber.HeaderXForwardedFor,
	})
	// fasthttp's own error messages then never quote the request.
	e.app.Server().SecureErrorLogMessage = true
	e.app.Server().HeaderReceived = func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
		if h.ContentLength() == 0 {
			return fasthttp.RequestConfig{} // no body: the header deadline stands
		}
		return fasthttp.RequestConfig{ReadTimeout: cfg.ReadTimeout}
	}
	e.refuseUnknownMethods()
	e.app.Use(e.observe, recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: e.logPanic}))
	return e
}

// Mount adds door d: its routes go to a group of their own, after those
// of the doors mounted before. Two doors may not own one prefix, and only
// one may own the rest; Mount panics otherwise, as Fiber does on a bad route.
func (e *Edge) Mount(d Door) {
	prefixes := d.Prefixes()
	if len(prefixes) == 0 {
		if e.rest != nil {
			panic("edge: two doors own every other path")
		}
		e.rest = d
	}
	for _, p := range prefixes {
		p = strings.TrimRight(p, "/")
		if !strings.HasPrefix(p, "/") {
			panic("edge: prefix " + p + " does not start with /")
		}
		for _, m := range e.doors {
			if strings.EqualFold(m.prefix, p) {
				panic("edge: two doors own " + p)
			}
		}
		e.doors = append(e.doors, mounted{prefix: p, door: d})
	}
	d.Routes(e.app.Group(""))
}

// doorOf returns the door owning path: the one with the longest prefix
// that owns it, else the door owning the rest; nil when none does.
func (e *Edge) doorOf(path string) Door {
	var best mounted
	for _, m := range e.doors {
		if len(m.prefix) > len(best.prefix) && hasPathPrefix(path, m.prefix) {
			best = m
		}
	}
	if best.door != nil {
		return best.door
	}
	return e.rest
}

// hasPathPrefix reports whether prefix owns path: path is prefix or under
// it, compared without regard to case, as Fiber routes.
func hasPathPrefix(path, prefix string) bool {
	if len(path) < len(prefix) || !strings.EqualFold(path[:len(prefix)], prefix) {
		return false
	}
	return len(path) == len(prefix) || path[len(prefix)] == '/'
}

// App returns the Fiber app: tests drive it with app.Test, benchmarks with
// its Handler. Serve it with Serve.
func (e *Edge) App() *fiber.App { return e.app }

// Serve serves the edge on ln until Shutdown. Use it instead of the app's
// Listener: a connection the edge closes after refusing a request (413,
// 431, a malformed or ambiguously framed request) first reads and discards
// what the client is still sending, up to lingerBytes or lingerTime, as
// nginx's lingering close does. Closing at once would reset the connection,
// and a client that writes its whole body before reading (Python's urllib
// and requests do) would see the reset, not the answer.
func (e *Edge) Serve(ln net.Listener) error {
	return e.app.Listener(lingerListener{ln})
}

// cancelWait bounds how long Shutdown waits, once it has cancelled them,
// for the requests still running to return.
const cancelWait = 5 * time.Second

// Shutdown stops serving: it accepts no more connections, closes idle ones
// and waits for the requests in flight until ctx ends. Then it cancels the
// edge's base context, and with it the context of every request still
// running, so their store work ends (context.Canceled), and waits up to
// cancelWait for them to return. It returns ctx's error when requests had
// to be cancelled. Serve returns once Shutdown has begun.
func (e *Edge) Shutdown(ctx context.Context) error {
	err := e.app.ShutdownWithContext(ctx)
	e.cancel()
	if err == nil {
		return nil
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for deadline := time.Now().Add(cancelWait); e.inFlight.Load() > 0 && time.Now().Before(deadline); {
		<-tick.C
	}
	return err
}
