package bolt

import (
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// The outbox benchmarks show what the outbox costs a change and a poll.
// A booking that carries its two messages (the interpreter's invitation
// and the social worker's news) is still one transaction and one fsync:
// the messages add the pages they fill (measured on a shared 2-core
// machine: about 0.2-0.3 ms on a 0.7-0.9 ms booking), never a second
// durable write. A poll of the outbox seeks the index of pending messages,
// so 100,000 sent messages behind it cost nothing it can measure.

// BenchmarkCreateBookingWithMessages is BenchmarkCreateBooking's
// 100,000-booking store with each booking's two messages in its change,
// beside the same booking without them.
func BenchmarkCreateBookingWithMessages(b *testing.B) {
	for _, messages := range []int{0, 2} {
		b.Run(fmt.Sprintf("messages=%d", messages), func(b *testing.B) {
			s := openBench(b)
			const interpreters = 10_000
			seedBookings(b, s, benchBookings(interpreters, 10))
			i := 0
			for b.Loop() {
				j, slot := i%interpreters, i/interpreters
				start := yearStart.Add(time.Duration(slot%365)*24*time.Hour + time.Duration(14+slot/365%9)*time.Hour)
				bk := testBooking(fmt.Sprintf("new-%08d", i), benchInterpreterID(j), start, time.Hour)
				ch := testChange(bk.ID)
				for k := range messages {
					m := outboxMessage(fmt.Sprintf("msg-%08d-%d", i, k), benchBase)
					m.Kind, m.BookingID, m.OfferID = data.MessageBookingRequest, bk.ID, ""
					ch.Messages = append(ch.Messages, m)
				}
				if err := s.CreateBooking(b.Context(), bk, ch); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "bookings/s")
		})
	}
}

// BenchmarkClaimDueNothing polls an outbox with nothing due, as the
// deliverer does every two seconds, among 0 and 100,000 sent messages: a
// seek of the pending index that finds nothing and commits nothing.
func BenchmarkClaimDueNothing(b *testing.B) {
	for _, sent := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("sent=%d", sent), func(b *testing.B) {
			s := openBench(b)
			seedSentMessages(b, s, sent)
			for b.Loop() {
				got, err := s.ClaimDue(b.Context(), benchBase, time.Minute, "bench", 20)
				if err != nil || len(got) != 0 {
					b.Fatalf("claimed %d, %v", len(got), err)
				}
			}
		})
	}
}

// seedSentMessages stores n messages and marks each sent, in batches:
// what a year of a busy service leaves in the outbox.
func seedSentMessages(tb testing.TB, s *Store, n int) {
	tb.Helper()
	const batch = 5000
	for start := 0; start < n; start += batch {
		var ms []data.Message
		for i := start; i < min(n, start+batch); i++ {
			ms = append(ms, outboxMessage(fmt.Sprintf("sent-%08d", i), benchBase.Add(-time.Hour)))
		}
		if err := s.db.Update(func(tx *bolt.Tx) error { return putMessages(tx, ms) }); err != nil {
			tb.Fatal(err)
		}
		for left := len(ms); left > 0; {
			claimed, err := s.ClaimDue(tb.Context(), benchBase, time.Minute, "seed", data.MaxPageSize)
			if err != nil || len(claimed) == 0 {
				tb.Fatalf("seed claimed %d with %d left: %v", len(claimed), left, err)
			}
			settled := make([]data.Settlement, len(claimed))
			for i, m := range claimed {
				settled[i] = data.Settlement{ID: m.ID, Status: data.MessageSent, At: benchBase}
			}
			if conflicts, err := s.SettleSent(tb.Context(), "seed", settled); err != nil || len(conflicts) != 0 {
				tb.Fatalf("seed settled with conflicts %v: %v", conflicts, err)
			}
			left -= len(claimed)
		}
	}
}

// BenchmarkSettleSent records a deliverer's batch of 20 sent messages in
// one write (SettleSent of 20), beside the baseline of one write a
// message (20 SettleSent of one, as MarkSent was): each write is a
// transaction and an fsync. A batch's messages are queued and claimed
// outside the timer.
func BenchmarkSettleSent(b *testing.B) {
	const batch = 20
	for _, per := range []int{batch, 1} {
		b.Run(fmt.Sprintf("per-write=%d", per), func(b *testing.B) {
			s := openBench(b)
			i := 0
			for b.Loop() {
				b.StopTimer()
				var ch data.Change
				ch.Audit = testChange("batch").Audit
				for k := range batch {
					ch.Messages = append(ch.Messages, outboxMessage(fmt.Sprintf("msg-%08d-%02d", i, k), benchBase))
				}
				if err := s.AppendChange(b.Context(), ch); err != nil {
					b.Fatal(err)
				}
				due, err := s.ClaimDue(b.Context(), benchBase.Add(time.Hour), time.Hour, "bench", batch)
				if err != nil || len(due) != batch {
					b.Fatalf("claimed %d, %v", len(due), err)
				}
				settled := make([]data.Settlement, len(due))
				for k, m := range due {
					settled[k] = data.Settlement{ID: m.ID, Status: data.MessageSent, At: benchBase.Add(time.Hour)}
				}
				b.StartTimer()
				for k := 0; k < batch; k += per {
					if conflicts, err := s.SettleSent(b.Context(), "bench", settled[k:k+per]); err != nil || len(conflicts) > 0 {
						b.Fatal(conflicts, err)
					}
				}
				i++
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "messages/s")
		})
	}
}
