package mongodb

import (
	"errors"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/tolk/tolk/data"
)

// A call the driver refuses because the client was disconnected under it
// is ErrClosed (503 "shutting down" at the edge), not an unknown error (500).
func TestTranslateClosedTopology(t *testing.T) {
	for _, err := range []error{
		topology.ErrTopologyClosed,
		fmt.Errorf("find: %w", errors.New("cannot subscribe to Topology that is not connected")),
	} {
		if got := translate(err, "users"); !errors.Is(got, data.ErrClosed) {
			t.Errorf("translate(%v) = %v, want ErrClosed", err, got)
		}
	}
	if got := translate(errors.New("something else"), "users"); errors.Is(got, data.ErrClosed) {
		t.Errorf("an unrelated error became ErrClosed: %v", got)
	}
}
