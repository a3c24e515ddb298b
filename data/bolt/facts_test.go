package bolt

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestFactStart: the digit-by-digit reading of a start key gives what
// time.Parse does, for instants across the keys' range and for keys
// that are not in the layout (left to parseStartKey).
func TestFactStart(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 1))
	for range 10_000 {
		at := time.UnixMilli(rng.Int64N(253402300799999)).UTC() // to 9999-12-31
		key := []byte(startKey(at) + "\x00id")
		got, err := factStart(key)
		want, werr := parseStartKey(key)
		if err != nil || werr != nil || !got.Equal(want) || !got.Equal(at) {
			t.Fatalf("factStart(%q) = %v, %v; parseStartKey: %v, %v; want %v", key, got, err, want, werr, at)
		}
	}
	for _, bad := range []string{"", "2026-13-01T00:00:00.000Z", "2026-01-01T00:00:00.00xZ", "2026-02-30T00:00:00.000Z", "short"} {
		_, err := factStart([]byte(bad))
		_, werr := parseStartKey([]byte(bad))
		if (err == nil) != (werr == nil) {
			t.Errorf("factStart(%q): %v, parseStartKey: %v", bad, err, werr)
		}
	}
}
