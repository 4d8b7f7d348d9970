package projections

import (
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/google/uuid"
)

// keysetCursor is a place in a list served by keyset pagination over (created_at, id):
// just after the row with this creation time and id, in the list's order. Keyset
// pagination stays correct while rows are added (a new order lands on page one, never
// shifting later pages) and costs the same on page 100 as on page 1. The id breaks
// ties between rows created in the same microsecond.
//
// part is for lists made of consecutive parts sorted each its own way (a restaurant's
// tickets: the queue oldest first, then the history newest first); it is 0 in a list
// of one part (a consumer's history) and in a list's first part. Each list says how
// many parts it has (parseCursor's parts).
type keysetCursor struct {
	part      uint8
	createdAt time.Time
	id        uuid.UUID
}

// The cursor formats; the leading byte tells them apart, so a later format can too.
// cursorFormat is a cursor in part 0: format + created_at in Unix microseconds
// (PostgreSQL's precision) + id. partCursorFormat is one in a later part, the part
// after the format byte. A cursor in part 0 has one spelling only, the shorter one
// (which every cursor had before lists had parts).
const (
	cursorFormat     byte = 1
	partCursorFormat byte = 2
	cursorLen             = 1 + 8 + 16
	partCursorLen         = cursorLen + 1
)

// maxCursorMicros is the last instant a cursor may name, the end of year 9999: rows
// are created now, and a later time is a forged cursor.
var maxCursorMicros = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC).UnixMicro()

// String renders the cursor for clients: opaque, URL-safe, 34 characters (36 past
// part 0).
func (c keysetCursor) String() string {
	b := make([]byte, 0, partCursorLen)
	if c.part == 0 {
		b = append(b, cursorFormat)
	} else {
		b = append(b, partCursorFormat, c.part)
	}
	b = binary.BigEndian.AppendUint64(b, uint64(c.createdAt.UnixMicro()))
	b = append(b, c.id[:]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// parseCursor reads a cursor that String made for a list of parts parts; anything
// else (a part the list does not have included) is ErrInvalidCursor.
func parseCursor(s string, parts int) (keysetCursor, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) == 0 {
		return keysetCursor{}, invalidCursor()
	}
	var c keysetCursor
	switch {
	case b[0] == cursorFormat && len(b) == cursorLen:
		b = b[1:]
	case b[0] == partCursorFormat && len(b) == partCursorLen && b[1] != 0 && int(b[1]) < parts:
		c.part, b = b[1], b[2:]
	default:
		return keysetCursor{}, invalidCursor()
	}
	micros := int64(binary.BigEndian.Uint64(b[:8])) //nolint:gosec // a wrapped value is negative and refused just below
	id, err := uuid.FromBytes(b[8:])
	if err != nil || micros < 0 || micros > maxCursorMicros {
		return keysetCursor{}, invalidCursor() // a forged time PostgreSQL would refuse to compare
	}
	c.createdAt, c.id = time.UnixMicro(micros).UTC(), id
	if c.String() != s {
		// base64's decoder skips line breaks even when strict: only the spelling String
		// makes is a cursor (found by FuzzParseHistoryCursor).
		return keysetCursor{}, invalidCursor()
	}
	return c, nil
}
