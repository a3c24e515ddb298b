package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
)

// loadUsage describes the load subcommand.
const loadUsage = "usage: tolkbench load --url URL --seeded FILE [--clients N] [--duration D] [--only a,b] [--json]"

// loadConfig is what a load run needs.
type loadConfig struct {
	base     string // the service's base URL
	key      string // a social worker's API key
	caseID   string // a case to match for and to list the bookings of
	clients  int
	duration time.Duration // per endpoint
	only     []string      // endpoint keys; empty: all
	json     bool
	// bookingLanguages are the languages of the cases the bookings phase
	// creates and books for; bookingCases is how many per language.
	bookingLanguages []string
	bookingCases     int
}

// parseLoad reads the load subcommand's flags; a seed's output (--seeded)
// supplies the key and the case unless --key and --case are given.
func parseLoad(args []string) (loadConfig, error) {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	var cfg loadConfig
	var seededPath, only string
	fs.StringVar(&cfg.base, "url", "http://localhost:8080", "the running service's base URL (serve it with TOLK_RATE_LIMITS=off)")
	fs.StringVar(&seededPath, "seeded", "", "the JSON `tolkbench seed` printed")
	fs.StringVar(&cfg.key, "key", "", "a social worker's API key (default: the seeded one)")
	fs.StringVar(&cfg.caseID, "case", "", "the case to match for and list bookings of (default: the seeded Sorani case)")
	fs.IntVar(&cfg.clients, "clients", 32, "concurrent clients, each with one kept-alive connection")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long to drive each endpoint")
	fs.StringVar(&only, "only", "", "comma-separated endpoints to drive, of: "+strings.Join(endpointKeys, ","))
	fs.BoolVar(&cfg.json, "json", false, "print the report as JSON")
	fs.IntVar(&cfg.bookingCases, "booking-cases", 50, "cases per booking language to create and book for")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	cfg.base = strings.TrimRight(cfg.base, "/")
	cfg.bookingLanguages = []string{"ar", "ti", "vi", "ro", "prs", "ps", "sq", "ur", "fa", "ckb"}
	if seededPath != "" {
		raw, err := os.ReadFile(seededPath)
		if err != nil {
			return cfg, err
		}
		var s seeded
		if err := json.Unmarshal(raw, &s); err != nil {
			return cfg, fmt.Errorf("%s: %w", seededPath, err)
		}
		cfg.key = cmp.Or(cfg.key, s.SocialWorkerKey)
		cfg.caseID = cmp.Or(cfg.caseID, s.SoraniCaseID)
	}
	if only != "" {
		cfg.only = strings.Split(only, ",")
		for _, k := range cfg.only {
			if !slices.Contains(endpointKeys, k) {
				return cfg, fmt.Errorf("--only: no endpoint %q; the endpoints are %s", k, strings.Join(endpointKeys, ","))
			}
		}
	}
	switch {
	case cfg.needsAPI() && (cfg.key == "" || cfg.caseID == ""):
		return cfg, errors.New("a key and a case are needed: --seeded FILE, or --key and --case")
	case cfg.clients < 1 || cfg.duration <= 0 || cfg.bookingCases < 1:
		return cfg, errors.New("--clients, --duration and --booking-cases must be positive")
	}
	return cfg, nil
}

// needsAPI reports whether the run drives more than /healthz, and so
// needs a key, a case and a service behind the URL (not the bare handler).
func (cfg loadConfig) needsAPI() bool {
	return len(cfg.only) == 0 || slices.ContainsFunc(cfg.only, func(k string) bool { return k != "healthz" })
}

// endpoint is one phase of a load run: a request to repeat and the status
// that counts as success.
type endpoint struct {
	name string
	want int
	// request returns the k-th request of the phase (k counts from 0
	// across all clients), or nil when the phase has nothing more to send.
	request func(k int) *http.Request
}

// endpointKeys are the phases, in the order they run: reads first, the
// bookings phase, which writes, last.
var endpointKeys = []string{"healthz", "me", "interpreters", "interpreter", "feed", "bookings-list", "matches", "bookings"}

// loader drives one service.
type loader struct {
	cfg    loadConfig
	client *http.Client
}

// load runs every chosen phase against the service in turn and reports.
func load(ctx context.Context, cfg loadConfig, out io.Writer) error {
	l := newLoader(cfg)
	defer l.client.CloseIdleConnections()
	if cfg.needsAPI() {
		if _, err := l.call(ctx, "GET", "/v1/me", nil, http.StatusOK); err != nil {
			return fmt.Errorf("the service at %s does not take the key: %w", cfg.base, err)
		}
	}
	var all []stats
	for _, key := range endpointKeys {
		if len(cfg.only) > 0 && !slices.Contains(cfg.only, key) {
			continue
		}
		ep, err := l.prepare(ctx, key)
		if err != nil {
			return fmt.Errorf("preparing %s: %w", key, err)
		}
		all = append(all, l.phase(ctx, ep))
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if cfg.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(all)
	}
	return writeReport(out, all)
}

// newLoader returns a loader whose client keeps a connection for each of
// the configured clients.
func newLoader(cfg loadConfig) *loader {
	return &loader{cfg: cfg, client: &http.Client{
		Timeout: time.Minute,
		Transport: &http.Transport{
			MaxIdleConns: 2 * cfg.clients, MaxIdleConnsPerHost: 2 * cfg.clients,
			DisableCompression: true, IdleConnTimeout: time.Minute,
		},
	}}
}

// prepare builds an endpoint's requests, reading or creating through the
// API what they need (a feed, interpreters' IDs, cases to book for).
func (l *loader) prepare(ctx context.Context, key string) (endpoint, error) {
	get := func(path string) func(int) *http.Request {
		return func(int) *http.Request { return l.request("GET", path, nil) }
	}
	switch key {
	case "healthz":
		return endpoint{"GET /healthz", http.StatusOK, get("/healthz")}, nil
	case "me":
		return endpoint{"GET /v1/me", http.StatusOK, get("/v1/me")}, nil
	case "interpreters":
		return endpoint{"GET /v1/interpreters?language=ckb&limit=50", http.StatusOK, get("/v1/interpreters?language=ckb&limit=50")}, nil
	case "interpreter":
		var page struct{ Items []struct{ ID string } }
		if err := l.callJSON(ctx, "GET", "/v1/interpreters?language=ckb&limit=100", nil, http.StatusOK, &page); err != nil {
			return endpoint{}, err
		}
		if len(page.Items) == 0 {
			return endpoint{}, errors.New("no interpreter speaks ckb")
		}
		return endpoint{"GET /v1/interpreters/{id}", http.StatusOK, func(k int) *http.Request {
			return l.request("GET", "/v1/interpreters/"+page.Items[k%len(page.Items)].ID, nil)
		}}, nil
	case "feed":
		path, etag, err := l.feed(ctx)
		if err != nil {
			return endpoint{}, err
		}
		return endpoint{"GET /feeds/{token}.ics, current ETag (304)", http.StatusNotModified, func(int) *http.Request {
			r := l.request("GET", path, nil)
			r.Header.Del("Authorization") // the token is the credential
			r.Header.Set("If-None-Match", etag)
			return r
		}}, nil
	case "bookings-list":
		return endpoint{"GET /v1/bookings?caseId=", http.StatusOK, get("/v1/bookings?caseId=" + l.cfg.caseID)}, nil
	case "matches":
		body, _ := json.Marshal(slotBody(time.Now().UTC().Truncate(24*time.Hour).Add(7*24*time.Hour+10*time.Hour), 90*time.Minute, 0))
		return endpoint{"POST /v1/cases/{id}/matches", http.StatusOK, func(int) *http.Request {
			return l.request("POST", "/v1/cases/"+l.cfg.caseID+"/matches", body)
		}}, nil
	case "bookings":
		plan, err := l.planBookings(ctx)
		if err != nil {
			return endpoint{}, err
		}
		return endpoint{"POST /v1/bookings", http.StatusCreated, func(k int) *http.Request {
			body := plan.body(k)
			if body == nil {
				return nil
			}
			return l.request("POST", "/v1/bookings", body)
		}}, nil
	}
	return endpoint{}, fmt.Errorf("no endpoint %q", key)
}

// phase drives one endpoint from the configured number of clients for the
// configured duration.
func (l *loader) phase(ctx context.Context, ep endpoint) stats {
	return drive(ctx, ep.name, l.cfg.clients, l.cfg.duration, func(k int) (string, bool) {
		req := ep.request(k)
		if req == nil {
			return "", false
		}
		return l.send(req, ep.want), true
	})
}

// send makes one request and reads the whole answer; it returns "" when
// the status is want, otherwise what went wrong.
func (l *loader) send(req *http.Request, want int) string {
	res, err := l.client.Do(req)
	if err != nil {
		return err.Error()
	}
	defer res.Body.Close()
	if res.StatusCode == want {
		if _, err := io.Copy(io.Discard, res.Body); err != nil {
			return "reading the answer: " + err.Error()
		}
		return ""
	}
	var p struct{ Title, Detail string }
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	json.Unmarshal(raw, &p)
	return fmt.Sprintf("%d %s: %s", res.StatusCode, p.Title, p.Detail)
}

// request returns a request to the service as the configured social worker.
func (l *loader) request(method, path string, body []byte) *http.Request {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, l.cfg.base+path, rd)
	if err != nil {
		panic(err) // the base URL was checked by the first call
	}
	req.Header.Set("Authorization", "Bearer "+l.cfg.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// call makes one request while preparing a run and returns the answer's
// body, or an error unless the status is want.
func (l *loader) call(ctx context.Context, method, path string, body []byte, want int) ([]byte, error) {
	req := l.request(method, path, body)
	res, err := l.client.Do(req.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != want {
		return nil, fmt.Errorf("%s %s: %d, want %d: %.300s", method, strings.SplitN(path, "?", 2)[0], res.StatusCode, want, raw)
	}
	return raw, nil
}

// callJSON is call decoding the answer into v.
func (l *loader) callJSON(ctx context.Context, method, path string, body any, want int, v any) error {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return err
		}
	}
	out, err := l.call(ctx, method, path, raw, want)
	if err != nil {
		return err
	}
	return json.Unmarshal(out, v)
}

// feed subscribes the social worker to their own bookings and returns the
// feed's path (never printed: the token in it is a credential) and its
// current ETag.
func (l *loader) feed(ctx context.Context) (path, etag string, err error) {
	var f struct{ URL string }
	if err := l.callJSON(ctx, "POST", "/v1/feeds", map[string]string{"scope": "mine"}, http.StatusCreated, &f); err != nil {
		return "", "", err
	}
	i := strings.Index(f.URL, "/feeds/")
	if i < 0 {
		return "", "", errors.New("the feed URL has no /feeds/ path")
	}
	path = f.URL[i:]
	req, _ := http.NewRequestWithContext(ctx, "GET", l.cfg.base+path, nil)
	res, err := l.client.Do(req)
	if err != nil {
		return "", "", err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if etag = res.Header.Get("ETag"); res.StatusCode != http.StatusOK || etag == "" {
		return "", "", fmt.Errorf("GET the feed: %d with ETag %q", res.StatusCode, etag)
	}
	return path, etag, nil
}
