package mongodb

import (
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
)

// changeOutbox returns the documents that land a data.Change, in the order
// they land, after refusing (ErrInvalid) a change that fails Change.Check.
// It is the one place that turns a Change into documents: a lock's outbox
// ends with what it returns, and AppendChange lands what it returns.
//
// The audit entries come last, in order: a lock's last outbox document is
// the sign that the whole outbox landed (settle looks for it), and audit
// entries are only ever inserted, never deleted, so the sign stays. What
// joins a Change later (messages) goes before them.
func changeOutbox(ch data.Change) ([]outboxDocument, error) {
	if err := ch.Check(); err != nil {
		return nil, err
	}
	docs := make([]outboxDocument, 0, len(ch.Audit))
	for _, e := range ch.Audit {
		raw, err := bson.Marshal(fromAuditEntry(e))
		if err != nil {
			return nil, fmt.Errorf("audit entry %s: %w", e.ID, err)
		}
		docs = append(docs, outboxDocument{Collection: auditCollection, ID: e.ID, Doc: raw})
	}
	return docs, nil
}
