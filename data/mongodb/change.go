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
// The messages come first, each a message document at version 1 that is
// inserted once (outboxDocument.Once): a message whose ID is already in
// the outbox is the same message, left as it is, and the change lands. A
// second message of one ID in the change is the same message too, so the
// first given lands.
//
// The entries of unmet need follow, inserted once too: a repeated search
// is the same entry.
//
// The audit entries come last, in order: a lock's last outbox document is
// the sign that the whole outbox landed (settle looks for it), and audit
// entries are only ever inserted, never deleted, so the sign stays.
func changeOutbox(ch data.Change) ([]outboxDocument, error) {
	if err := ch.Check(); err != nil {
		return nil, err
	}
	docs := make([]outboxDocument, 0, len(ch.Messages)+len(ch.Audit))
	for _, m := range ch.Messages {
		m.Version = 1
		raw, err := bson.Marshal(fromMessage(m))
		if err != nil {
			return nil, fmt.Errorf("message %s: %w", m.ID, err)
		}
		docs = append(docs, outboxDocument{Collection: messagesCollection, ID: m.ID, Doc: raw, Once: true})
	}
	unmet, err := unmetOutbox(ch.UnmetNeed)
	if err != nil {
		return nil, err
	}
	docs = append(docs, unmet...)
	for _, e := range ch.Audit {
		raw, err := bson.Marshal(fromAuditEntry(e))
		if err != nil {
			return nil, fmt.Errorf("audit entry %s: %w", e.ID, err)
		}
		docs = append(docs, outboxDocument{Collection: auditCollection, ID: e.ID, Doc: raw})
	}
	return docs, nil
}

// changeMessages returns the IDs of the messages a change lands: what a
// lock names (lockDocument.Messages) so that readers of the outbox find
// the changes in flight that carry messages.
func changeMessages(ch data.Change) []string {
	var ids []string
	for _, m := range ch.Messages {
		ids = append(ids, m.ID)
	}
	return ids
}
