package projections

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// A forged cursor naming a time PostgreSQL cannot hold is an invalid cursor (400), not
// a query that fails (500).
func TestACursorOutsideTimeIsInvalid(t *testing.T) {
	for _, micros := range []int64{math.MaxInt64, -1, maxCursorMicros + 1} {
		b := []byte{cursorFormat}
		b = binary.BigEndian.AppendUint64(b, uint64(micros))
		b = append(b, uuid.New().String()[:16]...)
		_, err := parseHistoryCursor(base64.RawURLEncoding.EncodeToString(b))
		require.ErrorIs(t, err, ErrInvalidCursor, "micros %d", micros)
	}
}

// FuzzParseHistoryCursor: a cursor is accepted only if it is one String makes.
func FuzzParseHistoryCursor(f *testing.F) {
	f.Add(historyCursor{createdAt: time.Date(2026, 12, 2, 5, 0, 0, 123000, time.UTC), orderID: uuid.New()}.String())
	f.Add("AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseHistoryCursor(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidCursor) {
				t.Fatalf("%q: %v is not ErrInvalidCursor", s, err)
			}
			return
		}
		if c.String() != s {
			t.Fatalf("%q was accepted as %q", s, c.String())
		}
	})
}
