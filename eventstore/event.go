package eventstore

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"
)

// EventData is an event to append. ID should be deterministic for writes that may be
// retried (see DeterministicID), so that a retry is recognised and not stored twice.
type EventData struct {
	ID            uuid.UUID
	Type          string
	SchemaVersion int
	Data          json.RawMessage
	Metadata      Metadata
}

// Metadata is the context an event was recorded in. RecordedAt is set by the store
// when the event is read back; anything the caller puts there is ignored.
type Metadata struct {
	RecordedAt    time.Time `json:"recorded_at"`
	User          string    `json:"user,omitempty"`
	CorrelationID string    `json:"correlation_id,omitempty"`
	CausationID   string    `json:"causation_id,omitempty"`
	WorkflowID    string    `json:"workflow_id,omitempty"`
	RunID         string    `json:"run_id,omitempty"`
}

// RecordedEvent is an event as stored: immutable, with its positions.
type RecordedEvent struct {
	ID             uuid.UUID
	StreamName     string
	Category       string
	StreamPosition int64
	GlobalPosition int64
	// TransactionID is the PostgreSQL transaction that wrote the event; subscriptions
	// order by (TransactionID, GlobalPosition).
	TransactionID uint64
	Type          string
	SchemaVersion int
	Data          json.RawMessage
	Metadata      Metadata
}

// Checkpoint is the position just after this event in commit order.
func (e RecordedEvent) Checkpoint() Checkpoint {
	return Checkpoint{TransactionID: e.TransactionID, GlobalPosition: e.GlobalPosition}
}

// Category is the part of a stream name before its first '-': "order" for
// "order-7c9e…". A stream name without '-' is its own category.
func Category(stream string) string {
	if i := strings.IndexByte(stream, '-'); i >= 0 {
		return stream[:i]
	}
	return stream
}

// DeterministicID derives an event id from the things that identify one write, such as
// a workflow id and a step name. The same parts always give the same id, so a retried
// write carries the id of its first attempt and the store recognises it.
func DeterministicID(parts ...string) uuid.UUID {
	return uuid.NewSHA1(eventIDNamespace, []byte(strings.Join(parts, "\x00")))
}

// eventIDNamespace scopes DeterministicID; changing it would change every derived id.
var eventIDNamespace = uuid.MustParse("4f1f7a35-3a0b-4c62-9a51-6c1b7d1e0a11")
