package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
)

// serviceEnv, when set in a test binary's environment, makes TestMain run
// the service (as `tolk serve`) instead of the tests, so a test can run the
// real program in a child process and kill it with SIGKILL.
const serviceEnv = "TOLK_TEST_RUN_SERVICE"

func TestMain(m *testing.M) {
	if os.Getenv(serviceEnv) == "1" {
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		if err := run(ctx, []string{"serve"}, os.Getenv, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "tolk:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is the service running in a child process.
type child struct {
	cmd  *exec.Cmd
	base string
}

func startChild(t *testing.T, env ...string) *child {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	maildir := "TOLK_MAILDIR=" + filepath.Join(t.TempDir(), "mail") // never ./tolk-mail in the package; env may override
	cmd.Env = append(os.Environ(), append(append([]string{maildir}, env...), serviceEnv+"=1", "TOLK_ADDR="+addr, "TOLK_MONGODB_URI=")...)
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, base: "http://" + addr}
	t.Cleanup(func() { c.kill() })
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if res, err := http.Get(c.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return c
			}
		}
	}
	t.Fatal("the child service did not become ready")
	return nil
}

// kill sends SIGKILL: no shutdown, no flush, no deferred close.
func (c *child) kill() {
	if c.cmd.ProcessState == nil {
		c.cmd.Process.Signal(syscall.SIGKILL)
		c.cmd.Wait()
	}
}

// TestCrashLosesNothing creates interpreters from several clients while the
// service is killed with SIGKILL at varying moments and restarted. After
// the last kill, every record acknowledged with 201 is in the file, and every
// stored record has its creation audit entry (no change without its entry).
func TestCrashLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	db := filepath.Join(t.TempDir(), "tolk.db")
	env := []string{"TOLK_DB=" + db, "TOLK_BOOTSTRAP_ADMIN_KEY=" + bootstrapKey, "TOLK_RATE_LIMITS=off"}
	c := startChild(t, env...)
	status, u := postJSON(t, c.base, bootstrapKey, "/v1/users", map[string]any{"name": "Crash Coordinator", "email": "crash@default.example", "role": "coordinator"})
	if status != 201 {
		t.Fatalf("create coordinator: %d %v", status, u)
	}
	key := u["apiKey"].(string)

	var (
		mu    sync.Mutex
		acked []string
	)
	client := &http.Client{Timeout: 5 * time.Second}
	const kills = 5
	for round := range kills {
		if round > 0 {
			c = startChild(t, env...)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					body := fmt.Sprintf(`{"name":"R%d W%d N%d","email":"r%dw%dn%d@example.org","gender":"female","languages":[{"tag":"ti","proficiency":"native"}]}`, round, w, i, round, w, i)
					req, _ := http.NewRequest("POST", c.base+"/v1/interpreters", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+key)
					res, err := client.Do(req)
					if err != nil {
						return // the service is gone
					}
					var v struct{ ID string }
					json.NewDecoder(res.Body).Decode(&v)
					res.Body.Close()
					if res.StatusCode == 201 {
						mu.Lock()
						acked = append(acked, v.ID)
						mu.Unlock()
					}
				}
			})
		}
		time.Sleep(time.Duration(150+97*round) * time.Millisecond)
		c.kill()
		close(stop)
		wg.Wait()
	}
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged")
	}

	s, err := bolt.Open(db)
	if err != nil {
		t.Fatalf("open after the last kill: %v", err)
	}
	defer s.Close(t.Context())
	ctx := t.Context()
	for _, id := range acked {
		if _, err := s.Interpreter(ctx, id); err != nil {
			t.Errorf("acknowledged interpreter %s lost: %v", id, err)
		}
	}
	stored := 0
	q := data.InterpreterQuery{Limit: data.MaxPageSize}
	for {
		page, err := s.ListInterpreters(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range page.Items {
			stored++
			entries, err := s.ListAudit(ctx, data.AuditQuery{EntityID: in.ID})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(entries.Items, func(e data.AuditEntry) bool { return e.Action == "interpreter.created" }) {
				t.Errorf("stored interpreter %s has no creation audit entry", in.ID)
			}
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	t.Logf("%d kills: %d acknowledged creates, %d stored, all acknowledged present, all audited", kills, len(acked), stored)
}

func postJSON(t *testing.T, base, key, path string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// TestBookingSurvivesKill: SIGKILL right after a 201 for a booking, then a
// restart: the booking is there and its slot is still taken.
func TestBookingSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	db := filepath.Join(t.TempDir(), "tolk.db")
	env := []string{"TOLK_DB=" + db, "TOLK_BOOTSTRAP_ADMIN_KEY=" + bootstrapKey, "TOLK_RATE_LIMITS=off"}
	c := startChild(t, env...)
	keys := map[string]string{}
	for _, role := range []string{"coordinator", "social_worker"} {
		status, u := postJSON(t, c.base, bootstrapKey, "/v1/users", map[string]any{"name": role, "email": role + "@default.example", "role": role})
		if status != 201 {
			t.Fatalf("create %s: %d %v", role, status, u)
		}
		keys[role] = u["apiKey"].(string)
	}
	// Clearance two years past today, well past the booking a week ahead
	// (a fixed date would lapse, and the booking be refused, one day).
	validUntil := time.Now().UTC().AddDate(2, 0, 0).Format(time.DateOnly)
	status, in := postJSON(t, c.base, keys["coordinator"], "/v1/interpreters", map[string]any{
		"name": "Kill Test", "email": "kill@example.org", "gender": "female",
		"languages":  []any{map[string]any{"tag": "ti", "proficiency": "native"}},
		"modalities": []any{"video"}, "qualifications": []any{map[string]any{"kind": "dpsi"}},
		"training":   []any{map[string]any{"kind": "child_protection_l2", "completed": "2025-01-01"}, map[string]any{"kind": "abe_interviewing", "completed": "2025-01-01"}},
		"clearance":  map[string]any{"level": "enhanced", "certificate": "1", "issued": "2025-01-01", "validUntil": validUntil},
		"agreements": map[string]any{"confidentialitySigned": "2025-01-01"},
	})
	if status != 201 {
		t.Fatalf("create interpreter: %d %v", status, in)
	}
	id := in["id"].(string)
	if status, _ := postJSON(t, c.base, keys["coordinator"], "/v1/interpreters/"+id+"/vetting", map[string]any{"decision": "approve"}); status != 200 {
		t.Fatalf("approve: %d", status)
	}
	status, cs := postJSON(t, c.base, keys["social_worker"], "/v1/cases", map[string]any{"reference": "KILL-1", "child": map[string]any{"languages": []any{map[string]any{"tag": "ti"}}}})
	if status != 201 {
		t.Fatalf("create case: %d %v", status, cs)
	}
	day := time.Now().UTC().AddDate(0, 0, 7).Format(time.DateOnly)
	body := map[string]any{"caseId": cs["id"], "interpreterId": id, "start": day + "T10:00:00Z", "end": day + "T11:00:00Z",
		"interviewType": "abe_police", "modality": "video", "location": "Video", "joinDetails": "https://meet.example.org/x"}
	status, b := postJSON(t, c.base, keys["social_worker"], "/v1/bookings", body)
	if status != 201 {
		t.Fatalf("book: %d %v", status, b)
	}
	c.kill() // right after the 201

	c = startChild(t, env...)
	req, _ := http.NewRequest("GET", c.base+"/v1/bookings/"+b["id"].(string), nil)
	req.Header.Set("Authorization", "Bearer "+keys["social_worker"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("the acknowledged booking after SIGKILL and restart: %d", res.StatusCode)
	}
	if status, p := postJSON(t, c.base, keys["social_worker"], "/v1/bookings", body); status != 409 || p["code"] != "booking_conflict" {
		t.Errorf("the slot after restart: %d %v, want 409 booking_conflict", status, p)
	}
}
