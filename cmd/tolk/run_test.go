package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
	"github.com/tolk/tolk/matching"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// instance is one `tolk serve` running in-process through run.
type instance struct {
	base           string
	stdout, stderr *syncBuffer
	stop           context.CancelFunc
	done           chan error
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs `tolk serve args...` with env and waits until /healthz answers.
func start(t *testing.T, env map[string]string, args ...string) *instance {
	t.Helper()
	addr := freeAddr(t)
	if env["TOLK_ADDR"] == "" {
		env["TOLK_ADDR"] = addr
	}
	if env["TOLK_MAILDIR"] == "" && env["TOLK_SMTP_URL"] == "" {
		env["TOLK_MAILDIR"] = filepath.Join(t.TempDir(), "mail") // never ./tolk-mail in the package
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{base: "http://" + env["TOLK_ADDR"], stdout: &syncBuffer{}, stderr: &syncBuffer{}, stop: cancel, done: make(chan error, 1)}
	go func() {
		in.done <- run(ctx, append([]string{"serve"}, args...), func(k string) string { return env[k] }, in.stdout, in.stderr)
	}()
	t.Cleanup(func() { in.shutdown(t) })
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-in.done:
			in.done <- err
			t.Fatalf("run returned during start-up: %v\n%s", err, in.stderr)
		default:
		}
		if res, err := http.Get(in.base + "/healthz"); err == nil {
			res.Body.Close()
			return in
		}
	}
	t.Fatalf("service did not start:\n%s", in.stderr)
	return nil
}

// shutdown stops the instance as SIGTERM would and waits for run to return.
func (in *instance) shutdown(t *testing.T) error {
	t.Helper()
	in.stop()
	select {
	case err := <-in.done:
		in.done <- err // keep the result for a second call
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return after shutdown")
	}
	return nil
}

func (in *instance) call(t *testing.T, key, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, in.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

const bootstrapKey = "bootstrap-key-for-tests-0123456789abcdef"

func TestBootstrapAdminAndRoles(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tolk.db")
	env := map[string]string{"TOLK_DB": db, "TOLK_BOOTSTRAP_ADMIN_KEY": bootstrapKey, "TOLK_MONGODB_URI": ""}
	in := start(t, env)
	if strings.Contains(in.stderr.String(), bootstrapKey) || strings.Contains(in.stdout.String(), bootstrapKey) {
		t.Fatal("the bootstrap key was printed")
	}
	if !strings.Contains(in.stderr.String(), `"bootstrap_admin_key":"set (masked)"`) {
		t.Errorf("effective configuration not logged:\n%s", in.stderr)
	}
	status, admin := in.call(t, bootstrapKey, "GET", "/v1/me", nil)
	if status != 200 || admin["role"] != "admin" || admin["organisation"] != "default" {
		t.Fatalf("bootstrap admin /v1/me: %d %v", status, admin)
	}
	keys := map[string]string{}
	for _, role := range []string{"coordinator", "social_worker"} {
		status, u := in.call(t, bootstrapKey, "POST", "/v1/users", map[string]any{"name": "A " + role, "email": role + "@north.example", "role": role, "organisation": "north"})
		if status != 201 {
			t.Fatalf("create %s: %d %v", role, status, u)
		}
		keys[role] = u["apiKey"].(string)
		status, me := in.call(t, keys[role], "GET", "/v1/me", nil)
		if status != 200 || me["role"] != role || me["id"] != u["id"] {
			t.Errorf("%s /v1/me: %d %v", role, status, me)
		}
	}
	status, p := in.call(t, keys["social_worker"], "POST", "/v1/users", map[string]any{"name": "X", "email": "x@north.example", "role": "admin"})
	if status != 403 || p["code"] != "forbidden" {
		t.Errorf("social worker creating a user: %d %v", status, p)
	}
	if err := in.shutdown(t); err != nil {
		t.Fatalf("shutdown: %v", err)
	}

	// Restarting with the same key finds the same admin, creates no other.
	in = start(t, env)
	status, again := in.call(t, bootstrapKey, "GET", "/v1/me", nil)
	if status != 200 || again["id"] != admin["id"] {
		t.Fatalf("after restart: %d %v, want admin %v", status, again, admin["id"])
	}
	status, audit := in.call(t, bootstrapKey, "GET", "/v1/audit?entityId="+admin["id"].(string), nil)
	if items, _ := audit["items"].([]any); status != 200 || len(items) != 1 {
		t.Errorf("bootstrap admin created %v times (audit %v)", audit["items"], status)
	}
	if err := in.shutdown(t); err != nil {
		t.Fatal(err)
	}

	// Rotating TOLK_BOOTSTRAP_ADMIN_KEY ends the old key; the admin stays one.
	const rotated = "rotated-bootstrap-key-for-tests-987654321"
	env["TOLK_BOOTSTRAP_ADMIN_KEY"] = rotated
	in = start(t, env)
	if status, _ := in.call(t, bootstrapKey, "GET", "/v1/me", nil); status != 401 {
		t.Errorf("the old bootstrap key after rotation: %d, want 401", status)
	}
	status, me := in.call(t, rotated, "GET", "/v1/me", nil)
	if status != 200 || me["id"] != admin["id"] {
		t.Errorf("the rotated key: %d %v, want the same admin %v", status, me, admin["id"])
	}
}

// TestShutdownLosesNoAcknowledgedWrite stops the service (as SIGTERM does:
// main cancels run's context) while clients write, then opens the file and
// finds every user whose creation was acknowledged with 201.
func TestShutdownLosesNoAcknowledgedWrite(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tolk.db")
	in := start(t, map[string]string{"TOLK_DB": db, "TOLK_BOOTSTRAP_ADMIN_KEY": bootstrapKey, "TOLK_RATE_LIMITS": "off"})
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	client := &http.Client{Timeout: 5 * time.Second}
	for w := range 4 {
		wg.Go(func() {
			for i := 0; i < 500; i++ {
				body := fmt.Sprintf(`{"name":"W%d-%d","email":"w%d-%d@north.example","role":"social_worker"}`, w, i, w, i)
				req, _ := http.NewRequest("POST", in.base+"/v1/users", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+bootstrapKey)
				res, err := client.Do(req)
				if err != nil {
					return // the server has stopped accepting
				}
				var u struct{ ID string }
				json.NewDecoder(res.Body).Decode(&u)
				res.Body.Close()
				if res.StatusCode == 201 {
					mu.Lock()
					acked = append(acked, u.ID)
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	if err := in.shutdown(t); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged before shutdown")
	}
	s, err := bolt.Open(db)
	if err != nil {
		t.Fatalf("reopen after shutdown: %v", err)
	}
	defer s.Close(t.Context())
	for _, id := range acked {
		if _, err := s.User(t.Context(), id); err != nil {
			t.Errorf("acknowledged user %s lost: %v", id, err)
		}
	}
	t.Logf("%d acknowledged writes, all present after shutdown", len(acked))
}

func TestSecondServeOnSameFileExitsAtOnce(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tolk.db")
	start(t, map[string]string{"TOLK_DB": db})
	began := time.Now()
	err := run(t.Context(), []string{"serve"}, func(k string) string {
		return map[string]string{"TOLK_DB": db, "TOLK_ADDR": freeAddr(t)}[k]
	}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "in use by another tolk process") {
		t.Fatalf("second serve: %v, want a clear 'in use' error", err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("second serve took %v to fail", took)
	}
}

func TestDemo(t *testing.T) {
	in := start(t, map[string]string{"TOLK_DB": filepath.Join(t.TempDir(), "tolk.db")}, "--demo")
	keys := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s+(admin|coordinator|social_worker)\s+(tolk_\S+)$`).FindAllStringSubmatch(in.stdout.String(), -1) {
		keys[m[1]] = m[2]
	}
	if len(keys) != 3 {
		t.Fatalf("demo printed keys %v:\n%s", keys, in.stdout)
	}
	if !strings.Contains(in.stdout.String(), "curl") {
		t.Errorf("demo prints no curl to try:\n%s", in.stdout)
	}
	for role, key := range keys {
		if status, me := in.call(t, key, "GET", "/v1/me", nil); status != 200 || me["role"] != role || me["organisation"] != "demo" {
			t.Errorf("%s key: %d %v", role, status, me)
		}
	}
	status, page := in.call(t, keys["social_worker"], "GET", "/v1/interpreters?language=ar&limit=200", nil)
	if items, _ := page["items"].([]any); status != 200 || len(items) < 4 {
		t.Errorf("demo Arabic interpreters: %d %d", status, len(items))
	}
	// The demo case shows continuity and a declined interpreter.
	day := time.Now().UTC().AddDate(0, 0, 7).Format(time.DateOnly)
	status, m := in.call(t, keys["social_worker"], "POST", "/v1/cases/demo-case-01/matches",
		map[string]any{"start": day + "T10:00:00Z", "end": day + "T11:30:00Z", "interviewType": "abe_police", "modality": "video"})
	cands, _ := m["candidates"].([]any)
	if status != 200 || len(cands) == 0 {
		t.Fatalf("demo match: %d %v", status, m)
	}
	first := cands[0].(map[string]any)
	if id := first["interpreter"].(map[string]any)["id"]; id != "demo-int-34" || !strings.Contains(fmt.Sprint(first["factors"]), "continuity") {
		t.Errorf("demo match: first %v with %v, want demo-int-34 with continuity", id, first["factors"])
	}
	if !strings.Contains(fmt.Sprint(m["excluded"]), "excluded_by_case") {
		t.Errorf("demo match: no interpreter excluded by the case: %v", m["excluded"])
	}
}

// TestDemoSeedsThroughTheRules seeds the demo twice into one store: it
// goes through the application, so what it stores passed the rules (a
// record the rules refuse would stop the seeding), it holds every vetting
// status and the languages the walk-throughs use, and a second start adds
// nothing but new keys.
func TestDemoSeedsThroughTheRules(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(t.Context())
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for run := range 2 {
		var out bytes.Buffer
		if err := seedDemo(t.Context(), store, matching.DefaultPolicy(), "http://localhost:8080", now, &out); err != nil {
			t.Fatalf("seeding, run %d: %v", run+1, err)
		}
		if want := []string{"35 new fictional", "0 new fictional"}[run]; !strings.Contains(out.String(), want) {
			t.Errorf("run %d printed %q, want %q", run+1, out.String(), want)
		}
	}
	page, err := store.ListInterpreters(t.Context(), data.InterpreterQuery{Limit: data.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	bases := map[string]bool{}
	statuses := map[data.VettingStatus]int{}
	for _, in := range page.Items {
		for _, l := range in.Languages {
			bases[data.Macrolanguage(l.Tag)] = true
		}
		statuses[in.Vetting.Status]++
	}
	if len(page.Items) != len(demoSpecs) {
		t.Errorf("%d demo interpreters stored, want %d", len(page.Items), len(demoSpecs))
	}
	for _, want := range []string{"ti", "ar", "sq", "ku", "vi", "ps", "fa", "ro"} {
		if !bases[want] {
			t.Errorf("no demo interpreter speaks %s", want)
		}
	}
	if len(statuses) != 4 {
		t.Errorf("demo vetting statuses %v, want all four", statuses)
	}
	bookings, err := store.ListBookings(t.Context(), data.BookingQuery{Organisation: demoOrganisation, CaseID: demoCaseID})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range bookings.Items {
		got = append(got, b.ID+" "+string(b.Status))
	}
	want := []string{"demo-booking-01 completed", "demo-booking-02 completed", "demo-booking-03 confirmed"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("the demo case's history %v, want %v", got, want)
	}
}

func TestConfigMasksSecrets(t *testing.T) {
	env := map[string]string{
		"TOLK_MONGODB_URI":         "mongodb://tolk:hunter2-secret@db.example:27017/?replicaSet=rs0",
		"TOLK_BOOTSTRAP_ADMIN_KEY": bootstrapKey,
	}
	cfg, err := parseConfig([]string{"serve"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slogJSON(&buf, cfg)
	out := buf.String()
	for _, secret := range []string{"hunter2-secret", bootstrapKey} {
		if strings.Contains(out, secret) {
			t.Errorf("configuration log shows %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "db.example:27017") {
		t.Errorf("configuration log hides the host too: %s", out)
	}
	for name, env := range map[string]map[string]string{
		"short bootstrap key": {"TOLK_BOOTSTRAP_ADMIN_KEY": "short"},
		"bad rate limits":     {"TOLK_RATE_LIMITS": "sometimes"},
		"bad base URL":        {"TOLK_BASE_URL": "localhost"},
	} {
		if _, err := parseConfig([]string{"serve"}, func(k string) string { return env[k] }, io.Discard); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := parseConfig([]string{"frobnicate"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("unknown command accepted")
	}
}

func slogJSON(w io.Writer, cfg config) {
	slog.New(slog.NewJSONHandler(w, nil)).Info("starting", "config", cfg)
}

// TestPolicyFile: TOLK_POLICY overrides the defaults; a bad file stops the
// start with a message naming the bad key.
func TestPolicyFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("travelBuffer: 45m\nrequirements:\n  health:\n    clearance: enhanced_barred_children\n"), 0o600)
	p, err := loadPolicy(good)
	if err != nil || p.TravelBuffer != 45*time.Minute || p.Requirements[data.InterviewHealth].Clearance != data.ClearanceEnhancedBarredChildren {
		t.Errorf("good policy: %+v, %v", p, err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("requirements:\n  abe_police:\n    clearance: super\n"), 0o600)
	err = run(t.Context(), []string{"serve"}, func(k string) string {
		return map[string]string{"TOLK_DB": filepath.Join(dir, "tolk.db"), "TOLK_ADDR": freeAddr(t), "TOLK_POLICY": bad}[k]
	}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "requirements.abe_police.clearance") {
		t.Errorf("bad policy: %v, want an error naming requirements.abe_police.clearance", err)
	}
}
