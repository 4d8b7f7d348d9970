package event

import (
	"strings"

	"github.com/google/uuid"
)

// StreamName is the stream of one aggregate: "<category>-<id>". The event store
// derives the category from the text before the first '-', so a category never
// contains one.
func StreamName(category string, id uuid.UUID) string {
	return category + "-" + id.String()
}

// StreamID recovers the aggregate id from a stream of category, for subscribers that
// see only stream names. ok is false for another category or a malformed id.
func StreamID(category, stream string) (id uuid.UUID, ok bool) {
	rest, found := strings.CutPrefix(stream, category+"-")
	if !found {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(rest)
	if err != nil || id.String() != rest {
		return uuid.Nil, false
	}
	return id, true
}
