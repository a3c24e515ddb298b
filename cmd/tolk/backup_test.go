package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt" // to corrupt a file from outside, as a disk fault would

	"github.com/tolk/tolk/data/bolt"
	"github.com/tolk/tolk/data/mongodb/mongotest"
)

// ops runs one `tolk <args>` command to its end, with env.
func ops(t *testing.T, env map[string]string, args ...string) (stdout string, err error) {
	t.Helper()
	out, errs := &syncBuffer{}, &syncBuffer{}
	err = run(t.Context(), args, func(k string) string { return env[k] }, out, errs)
	return out.String() + errs.String(), err
}

// TestBackupUnderLoadAndRestore backs up a served store while four
// clients book through the API, then restores the copy and checks it:
// every booking acknowledged before the backup began is in it, the check
// passes, the copy's SHA-256 is the one printed; restore refuses the
// store the service holds and a file that is not a store.
func TestBackupUnderLoadAndRestore(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tolk.db")
	env := map[string]string{"TOLK_DB": db, "TOLK_BOOTSTRAP_ADMIN_KEY": bootstrapKey, "TOLK_RATE_LIMITS": "off"}
	in := start(t, env)
	sw, caseID, interpreters := setUpBooking(t, in.base, 10)
	opsEnv := map[string]string{"TOLK_BASE_URL": in.base, "TOLK_BOOTSTRAP_ADMIN_KEY": bootstrapKey}

	today := time.Now().UTC().Truncate(24 * time.Hour)
	type ack struct {
		id string
		at time.Time // when the 201 had been read
	}
	var (
		mu               sync.Mutex
		acked            []ack
		refused, answers int
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				start := today.AddDate(0, 0, 1+rand.IntN(60)).Add(8*time.Hour + time.Duration(rand.IntN(19))*30*time.Minute)
				body := fmt.Sprintf(`{"caseId":%q,"interpreterId":%q,"start":%q,"end":%q,"interviewType":"abe_police","modality":"video","location":"Video","joinDetails":"https://meet.example.org/x","additional":true}`,
					caseID, interpreters[rand.IntN(len(interpreters))], start.Format(time.RFC3339), start.Add(time.Hour).Format(time.RFC3339))
				req, _ := http.NewRequest("POST", in.base+"/v1/bookings", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+sw)
				res, err := client.Do(req)
				if err != nil {
					t.Errorf("booking: %v", err)
					return
				}
				var v struct{ ID, Code string }
				decodeErr := json.NewDecoder(res.Body).Decode(&v)
				res.Body.Close()
				at := time.Now()
				mu.Lock()
				answers++
				switch {
				case res.StatusCode == 201 && decodeErr == nil:
					acked = append(acked, ack{v.ID, at})
				case res.StatusCode == 409 && v.Code == "booking_conflict",
					res.StatusCode == 422 && v.Code == "ineligible": // the day's or week's workload cap
					refused++
				default:
					t.Errorf("booking answered %d %s", res.StatusCode, v.Code)
				}
				mu.Unlock()
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	backup := filepath.Join(t.TempDir(), "tolk-backup.db")
	began := time.Now()
	out, err := ops(t, opsEnv, "backup", "--to", backup)
	took := time.Since(began)
	time.Sleep(300 * time.Millisecond) // the load goes on after the backup
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("tolk backup: %v\n%s", err, out)
	}

	raw, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	if !strings.Contains(out, fmt.Sprintf("%d bytes", len(raw))) || !strings.Contains(out, hex.EncodeToString(sum[:])+"  "+backup) {
		t.Errorf("tolk backup printed %q; the file has %d bytes, SHA-256 %x", out, len(raw), sum)
	}
	if _, err := ops(t, opsEnv, "backup", "--to", backup); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("a second backup to the same file: %v, want a refusal", err)
	}

	// Restore over the store the service holds: refused; into a new file: done.
	if out, err := ops(t, nil, "restore", "--from", backup, "--db", db); !errors.Is(err, bolt.ErrLocked) {
		t.Errorf("restore over the served store: %v\n%s", err, out)
	}
	restored := filepath.Join(t.TempDir(), "restored.db")
	if out, err := ops(t, nil, "restore", "--from", backup, "--db", restored); err != nil {
		t.Fatalf("tolk restore: %v\n%s", err, out)
	}
	checked, err := ops(t, nil, "check", "--db", restored)
	if err != nil || !strings.Contains(checked, ": ok") {
		t.Fatalf("tolk check of the restored store: %v\n%s", err, checked)
	}

	s, err := bolt.Open(restored)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(t.Context())
	before, after, afterThere := 0, 0, 0
	for _, a := range acked {
		_, err := s.Booking(t.Context(), a.id)
		switch {
		case a.at.Before(began):
			before++
			if err != nil {
				t.Errorf("booking %s, acknowledged before the backup began, is not in the copy: %v", a.id, err)
			}
		default:
			after++
			if err == nil {
				afterThere++
			}
		}
	}
	if before == 0 || after == 0 {
		t.Errorf("%d bookings acknowledged before the backup, %d after: the load did not span it", before, after)
	}
	t.Logf("%d booking requests answered (%d acknowledged, %d refused by the overlap rule or the workload caps); backup of %d bytes in %v during the load: "+
		"all %d acknowledged before it are in the copy, and %d of the %d acknowledged after it began\n%s%s",
		answers, len(acked), refused, len(raw), took.Round(time.Millisecond), before, afterThere, after, out, checked)
}

// TestCheckReportsACorruptIndex: tolk check of a store with an index entry
// naming no record fails, naming the index and the record ID.
func TestCheckReportsACorruptIndex(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tolk.db")
	in := start(t, map[string]string{"TOLK_DB": db, "TOLK_BOOTSTRAP_ADMIN_KEY": bootstrapKey, "TOLK_RATE_LIMITS": "off"})
	setUpBooking(t, in.base, 1)
	if err := in.shutdown(t); err != nil {
		t.Fatal(err)
	}
	if out, err := ops(t, nil, "check", "--db", db); err != nil {
		t.Fatalf("tolk check of a sound store: %v\n%s", err, out)
	}
	f, err := bbolt.Open(db, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = f.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("cases_by_org")).Put([]byte("default\x00no-such-case"), nil)
	})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, err := ops(t, nil, "check", "--db", db)
	if err == nil || !strings.Contains(out, "cases_by_org no-such-case: the index entry names a record that does not exist") {
		t.Errorf("tolk check of a corrupt index: %v\n%s", err, out)
	}
}

// TestOpsUsage: the commands refuse missing arguments with their usage,
// and backup without the bootstrap key says why.
func TestOpsUsage(t *testing.T) {
	for _, args := range [][]string{{"backup"}, {"restore"}, {"check", "extra"}} {
		if _, err := ops(t, nil, args...); err == nil || !strings.Contains(err.Error(), "usage: tolk backup") {
			t.Errorf("tolk %v: %v, want the usage", args, err)
		}
	}
	if _, err := ops(t, nil, "backup", "--to", filepath.Join(t.TempDir(), "b.db")); err == nil || !strings.Contains(err.Error(), "TOLK_BOOTSTRAP_ADMIN_KEY") {
		t.Errorf("tolk backup without a key: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk")
	os.WriteFile(junk, []byte(strings.Repeat("x", 8192)), 0o600)
	if _, err := ops(t, nil, "restore", "--from", junk, "--db", filepath.Join(t.TempDir(), "x.db")); !errors.Is(err, bolt.ErrNotAStore) {
		t.Errorf("restore of a file that is not a store: %v", err)
	}
}

// TestBackupOnMongoDB: a service on MongoDB (an in-process FerretDB)
// refuses tolk backup with a problem naming mongodump, and no file is
// written.
func TestBackupOnMongoDB(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a database server; skipped with -short")
	}
	addr := freeAddr(t)
	mongotest.Start(t, addr, t.TempDir())
	in := start(t, map[string]string{"TOLK_MONGODB_URI": "mongodb://" + addr + "/", "TOLK_MONGODB_DATABASE": "tolk",
		"TOLK_BOOTSTRAP_ADMIN_KEY": bootstrapKey, "TOLK_RATE_LIMITS": "off"})
	to := filepath.Join(t.TempDir(), "backup.db")
	_, err := ops(t, map[string]string{"TOLK_BASE_URL": in.base, "TOLK_BOOTSTRAP_ADMIN_KEY": bootstrapKey}, "backup", "--to", to)
	if err == nil || !strings.Contains(err.Error(), "422") || !strings.Contains(err.Error(), "backup_unsupported") || !strings.Contains(err.Error(), "mongodump") {
		t.Errorf("tolk backup of a MongoDB store: %v", err)
	}
	if _, err := os.Stat(to); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused backup left %s: %v", to, err)
	}
}
