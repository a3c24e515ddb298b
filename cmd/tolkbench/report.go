package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// sample is one request's outcome as a load client saw it.
type sample struct {
	took time.Duration
	ok   bool // the expected status, body read in full
}

// stats sums up one endpoint's phase of a load run.
type stats struct {
	Endpoint   string        `json:"endpoint"`
	Clients    int           `json:"clients"`
	Requests   int           `json:"requests"`
	Errors     int           `json:"errors"` // transport failures and unexpected statuses
	Elapsed    time.Duration `json:"elapsed"`
	Throughput float64       `json:"throughput"` // requests a second, errors included
	P50        time.Duration `json:"p50"`
	P99        time.Duration `json:"p99"`
	Max        time.Duration `json:"max"`
	// FirstError describes the first error seen (a status and the start
	// of the problem's title, or a transport error); "" when none.
	FirstError string `json:"firstError,omitempty"`
}

// summarise computes an endpoint's figures from every sample of its phase,
// errors included, over elapsed wall time.
func summarise(endpoint string, clients int, samples []sample, elapsed time.Duration) stats {
	st := stats{Endpoint: endpoint, Clients: clients, Requests: len(samples), Elapsed: elapsed}
	took := make([]time.Duration, len(samples))
	for i, s := range samples {
		took[i] = s.took
		if !s.ok {
			st.Errors++
		}
	}
	slices.Sort(took)
	st.P50, st.P99 = percentile(took, 50), percentile(took, 99)
	if len(took) > 0 {
		st.Max = took[len(took)-1]
	}
	if elapsed > 0 {
		st.Throughput = float64(len(samples)) / elapsed.Seconds()
	}
	return st
}

// percentile returns the p-th percentile (0 < p <= 100) of sorted samples
// by the nearest-rank method: the smallest sample no less than p % of all
// samples. Zero for no samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	// rank = ceil(p/100 * n), computed in integers to avoid 0.99*100 = 98.99...
	rank := (int(p*1000)*n + 100_000 - 1) / 100_000
	return sorted[min(max(rank, 1), n)-1]
}

// writeReport prints one line per endpoint, then each endpoint's first
// error, if any.
func writeReport(w io.Writer, all []stats) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "endpoint\tclients\trequests\terrors\treq/s\tp50\tp99\tmax\t")
	for _, s := range all {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f\t%s\t%s\t%s\t\n", s.Endpoint, s.Clients, s.Requests, s.Errors, s.Throughput,
			round(s.P50), round(s.P99), round(s.Max))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range all {
		if s.FirstError != "" {
			if _, err := fmt.Fprintf(w, "%s: first error: %s\n", s.Endpoint, s.FirstError); err != nil {
				return err
			}
		}
	}
	return nil
}

// round keeps three significant figures of a latency for the report.
func round(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}
