package eventstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// Limits keep one append from monopolising the database and keep stream names usable
// as keys. They are checked before anything is sent, so a refused append writes nothing.
const (
	MaxStreamNameLength = 200
	MaxEventTypeLength  = 200
	MaxEventSize        = 256 << 10 // data plus metadata, bytes
	MaxBatchEvents      = 1000
	MaxBatchSize        = 8 << 20 // bytes, all events of one append
)

func validateStreamName(stream string) error {
	switch {
	case stream == "":
		return invalid("stream name is empty")
	case len(stream) > MaxStreamNameLength:
		return invalid("stream name is %d bytes, more than %d", len(stream), MaxStreamNameLength)
	case !utf8.ValidString(stream):
		return invalid("stream name is not valid UTF-8")
	}
	return nil
}

func validateBatch(events []EventData) error {
	if len(events) == 0 {
		return invalid("no events to append")
	}
	if len(events) > MaxBatchEvents {
		return invalid("%d events in one append, more than %d", len(events), MaxBatchEvents)
	}
	seen := make(map[[16]byte]struct{}, len(events))
	total := 0
	for i, e := range events {
		if _, dup := seen[e.ID]; dup {
			return invalid("event %d: id %s appears twice in the batch", i, e.ID)
		}
		seen[e.ID] = struct{}{}
		size, err := validateEvent(e)
		if err != nil {
			return invalid("event %d: %v", i, err)
		}
		total += size
	}
	if total > MaxBatchSize {
		return invalid("batch is %d bytes, more than %d", total, MaxBatchSize)
	}
	return nil
}

// validateEvent checks one event and returns its size: data plus metadata.
func validateEvent(e EventData) (int, error) {
	switch {
	case e.ID == [16]byte{}:
		return 0, errors.New("id is the nil uuid")
	case e.Type == "":
		return 0, errors.New("type is empty")
	case len(e.Type) > MaxEventTypeLength || !utf8.ValidString(e.Type):
		return 0, fmt.Errorf("type is longer than %d bytes or not UTF-8", MaxEventTypeLength)
	case e.SchemaVersion < 1 || e.SchemaVersion > math.MaxInt32:
		// The column is a PostgreSQL int; a larger version would wrap when stored.
		return 0, fmt.Errorf("schema version must be between 1 and %d", math.MaxInt32)
	case len(e.Data) == 0 || !json.Valid(e.Data):
		return 0, errors.New("data is not valid JSON")
	}
	md := e.Metadata
	for _, field := range []string{md.User, md.CorrelationID, md.CausationID, md.WorkflowID, md.RunID} {
		if !utf8.ValidString(field) || strings.ContainsRune(field, 0) {
			return 0, errors.New("metadata is not valid UTF-8 text")
		}
	}
	size := len(e.Data) + len(md.User) + len(md.CorrelationID) + len(md.CausationID) + len(md.WorkflowID) + len(md.RunID)
	if size > MaxEventSize {
		return 0, fmt.Errorf("event is %d bytes, more than %d", size, MaxEventSize)
	}
	return size, nil
}
