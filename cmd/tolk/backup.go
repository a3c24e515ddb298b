package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tolk/tolk/data/bolt"
)

// The operations on the embedded store's file: backup asks the running
// service for a copy (the service holds the file), restore and check work
// on a file no process holds.
const opsUsage = `usage: tolk backup --to FILE      (TOLK_BASE_URL, TOLK_BOOTSTRAP_ADMIN_KEY)
       tolk restore --from FILE [--db PATH]
       tolk check [--db PATH]`

// backupCommand is `tolk backup --to FILE`: it asks the service at
// TOLK_BASE_URL, as the bootstrap admin, for a consistent copy of its
// store, writes it beside FILE, checks it (bolt.Check) and only then
// names it FILE, and prints its size, SHA-256 and what the check counted.
// It never overwrites a file.
func backupCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	to := fs.String("to", "", "the file to write the copy to (must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" || fs.NArg() > 0 {
		return errors.New(opsUsage)
	}
	key := getenv("TOLK_BOOTSTRAP_ADMIN_KEY")
	if key == "" {
		return errors.New("tolk backup needs TOLK_BOOTSTRAP_ADMIN_KEY: the service gives a copy of its store to the bootstrap admin only")
	}
	base := strings.TrimRight(getenv("TOLK_BASE_URL"), "/")
	if base == "" {
		base = "http://localhost:8080"
	}
	if _, err := os.Stat(*to); err == nil {
		return fmt.Errorf("%s exists: tolk backup never overwrites a file", *to)
	}

	began := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/backup", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("ask %s for a backup: %w", base, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		var p struct{ Code, Detail string }
		json.NewDecoder(io.LimitReader(res.Body, 1<<16)).Decode(&p)
		return fmt.Errorf("the service refused the backup: %s %s: %s", res.Status, p.Code, p.Detail)
	}
	if res.ContentLength < 0 {
		return errors.New("the service sent a backup of no stated length")
	}

	partial := *to + ".partial"
	f, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(partial) // a no-op once renamed
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, sum), res.Body)
	if err == nil && n != res.ContentLength {
		err = fmt.Errorf("the copy ended after %d of %d bytes", n, res.ContentLength)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("receive the backup: %w", err)
	}
	received := time.Since(began)
	report, err := bolt.Check(ctx, partial)
	if err != nil {
		return fmt.Errorf("the copy received cannot be read: %w", err)
	}
	if !report.OK() {
		return fmt.Errorf("the copy received fails its check: %w", &bolt.CheckError{Report: report})
	}
	if err := os.Rename(partial, *to); err != nil {
		return err
	}
	digest := hex.EncodeToString(sum.Sum(nil))
	fmt.Fprintf(stdout, "backup %s: %d bytes (%.1f MiB) in %v, checked (%s) in %v\n",
		*to, n, float64(n)/(1<<20), received.Round(time.Millisecond), counts(report), (time.Since(began) - received).Round(time.Millisecond))
	fmt.Fprintf(stdout, "%s  %s\n", digest, *to) // as sha256sum prints it: sha256sum -c reads this line
	return nil
}

// restoreCommand is `tolk restore --from FILE [--db PATH]` (see
// bolt.Restore): the store no process holds at PATH becomes the backup.
func restoreCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the backup to restore")
	db := fs.String("db", dbPath(getenv), "the store file to restore into (TOLK_DB)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || fs.NArg() > 0 {
		return errors.New(opsUsage)
	}
	res, err := bolt.Restore(ctx, *from, *db)
	if errors.Is(err, bolt.ErrLocked) {
		return fmt.Errorf("%w: stop the service before restoring over its store", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s to %s: checked (%s)\n", *from, *db, counts(res.Report))
	if res.Replaced != "" {
		fmt.Fprintf(stdout, "the store it replaced is kept at %s\n", res.Replaced)
	}
	return nil
}

// checkCommand is `tolk check [--db PATH]` (see bolt.Check): it prints
// what it counted and every problem, and fails when it found any.
func checkCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", dbPath(getenv), "the store file to check (TOLK_DB)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New(opsUsage)
	}
	began := time.Now()
	report, err := bolt.Check(ctx, *db)
	if errors.Is(err, bolt.ErrLocked) {
		return fmt.Errorf("%w: tolk check reads a store no process holds (back it up, then check the copy)", err)
	}
	if err != nil {
		return err
	}
	for _, p := range report.Problems {
		fmt.Fprintln(stdout, p)
	}
	if report.More > 0 {
		fmt.Fprintf(stdout, "and %d more problems\n", report.More)
	}
	if !report.OK() {
		return fmt.Errorf("%s: %d problems (%s)", *db, len(report.Problems)+report.More, counts(report))
	}
	fmt.Fprintf(stdout, "%s: ok, format %d (%s) in %v\n", *db, report.Format, counts(report), time.Since(began).Round(time.Millisecond))
	return nil
}

// dbPath is the store file the commands default to: serve's.
func dbPath(getenv func(string) string) string {
	if p := getenv("TOLK_DB"); p != "" {
		return p
	}
	return "./tolk.db"
}

// counts summarises a report: records per bucket, index entries.
func counts(r bolt.Report) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(r.Records)) {
		parts = append(parts, fmt.Sprintf("%d %s", r.Records[name], name))
	}
	out := strings.Join(parts, ", ") + fmt.Sprintf(", %d index entries", r.IndexEntries)
	if len(r.Unbuilt) > 0 {
		out += "; indexes the next start builds: " + strings.Join(r.Unbuilt, ", ")
	}
	return out
}
