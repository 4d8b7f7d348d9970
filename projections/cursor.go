package projections

import (
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/google/uuid"
)

// historyCursor is a place in a consumer's order history: just after (older than) the
// order with this creation time and id. Keyset pagination over (created_at, order_id)
// stays correct while orders are added (a new order lands on page one, never shifting
// later pages) and costs the same on page 100 as on page 1. The id breaks ties between
// orders created in the same microsecond.
type historyCursor struct {
	createdAt time.Time
	orderID   uuid.UUID
}

// cursorFormat leads every cursor so that a later format can tell old cursors apart.
const cursorFormat byte = 1

// maxCursorMicros is the last instant a cursor may name, the end of year 9999: orders
// are created now, and a later time is a forged cursor.
var maxCursorMicros = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC).UnixMicro()

// cursorLen is format + created_at in Unix microseconds (PostgreSQL's precision) + id.
const cursorLen = 1 + 8 + 16

// String renders the cursor for clients: opaque, URL-safe, 34 characters.
func (c historyCursor) String() string {
	b := make([]byte, 0, cursorLen)
	b = append(b, cursorFormat)
	b = binary.BigEndian.AppendUint64(b, uint64(c.createdAt.UnixMicro()))
	b = append(b, c.orderID[:]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// parseHistoryCursor reads a cursor that String made; anything else is ErrInvalidCursor.
func parseHistoryCursor(s string) (historyCursor, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s) // one spelling per cursor
	if err != nil || len(b) != cursorLen || b[0] != cursorFormat {
		return historyCursor{}, invalidCursor()
	}
	micros := int64(binary.BigEndian.Uint64(b[1:9]))
	id, err := uuid.FromBytes(b[9:])
	if err != nil || micros < 0 || micros > maxCursorMicros {
		return historyCursor{}, invalidCursor() // a forged time PostgreSQL would refuse to compare
	}
	return historyCursor{createdAt: time.UnixMicro(micros).UTC(), orderID: id}, nil
}
