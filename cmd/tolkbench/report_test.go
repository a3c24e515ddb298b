package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tc := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"none", nil, 50, 0},
		{"one sample is every percentile", ms(7), 99, 7 * time.Millisecond},
		{"median of three", ms(1, 2, 3), 50, 2 * time.Millisecond},
		{"median of four is the lower middle", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p50 of 1..100", ms(hundred...), 50, 50 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the max", ms(hundred...), 100, 100 * time.Millisecond},
		{"p99 of ten is the max", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
		{"p99 of 1000 skips the top ten", ms(append(make([]int, 990), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)...), 99, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.sorted, tc.p); got != tc.want {
				t.Errorf("percentile(%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

func TestSummarise(t *testing.T) {
	var samples []sample
	for i := 100; i >= 1; i-- { // unsorted: summarise sorts
		samples = append(samples, sample{took: time.Duration(i) * time.Millisecond, ok: i%10 != 0})
	}
	got := summarise("GET /x", 4, samples, 2*time.Second)
	want := stats{
		Endpoint: "GET /x", Clients: 4, Requests: 100, Errors: 10, Elapsed: 2 * time.Second, Throughput: 50,
		P50: 50 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summarise (-want +got):\n%s", diff)
	}
	if empty := summarise("GET /y", 1, nil, time.Second); empty.Requests != 0 || empty.P99 != 0 || empty.Max != 0 || empty.Throughput != 0 {
		t.Errorf("no samples: %+v", empty)
	}
}

func TestWriteReport(t *testing.T) {
	var b strings.Builder
	err := writeReport(&b, []stats{
		{Endpoint: "GET /healthz", Clients: 32, Requests: 400000, Throughput: 40000.4, P50: 612345 * time.Nanosecond, P99: 3456789 * time.Nanosecond, Max: 123456789 * time.Nanosecond},
		{Endpoint: "POST /v1/bookings", Clients: 32, Requests: 10, Errors: 1, Throughput: 1, P50: time.Second, P99: time.Second, Max: time.Second, FirstError: "409 Conflict: overlap"},
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want a header, two endpoints and one error:\n%s", len(lines), b.String())
	}
	for _, want := range []string{"GET /healthz", "400000", "40000", "612µs", "3.46ms", "123ms"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("line %q lacks %q", lines[1], want)
		}
	}
	if lines[3] != "POST /v1/bookings: first error: 409 Conflict: overlap" {
		t.Errorf("error line %q", lines[3])
	}
}
