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
		_, err := parseCursor(base64.RawURLEncoding.EncodeToString(b), 1)
		require.ErrorIs(t, err, ErrInvalidCursor, "micros %d", micros)
	}
}

// A cursor names a part of its list only if the list has it, and part 0 has one
// spelling.
func TestACursorInAPartTheListHasNotIsInvalid(t *testing.T) {
	at := time.Date(2026, 12, 2, 5, 0, 0, 123000, time.UTC)
	second := keysetCursor{part: 1, createdAt: at, id: uuid.New()}.String()
	c, err := parseCursor(second, 2)
	require.NoError(t, err)
	require.Equal(t, uint8(1), c.part)
	_, err = parseCursor(second, 1)
	require.ErrorIs(t, err, ErrInvalidCursor, "a list of one part")

	raw, err := base64.RawURLEncoding.DecodeString(second)
	require.NoError(t, err)
	raw[1] = 0
	_, err = parseCursor(base64.RawURLEncoding.EncodeToString(raw), 2)
	require.ErrorIs(t, err, ErrInvalidCursor, "part 0 in the long spelling")
}

// FuzzParseHistoryCursor (named for the first list with a cursor): a cursor is
// accepted only if it is one String makes.
func FuzzParseHistoryCursor(f *testing.F) {
	f.Add(keysetCursor{createdAt: time.Date(2026, 12, 2, 5, 0, 0, 123000, time.UTC), id: uuid.New()}.String())
	f.Add(keysetCursor{part: 1, createdAt: time.Date(2026, 12, 2, 5, 0, 0, 123000, time.UTC), id: uuid.New()}.String())
	f.Add("AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCursor(s, 2)
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
