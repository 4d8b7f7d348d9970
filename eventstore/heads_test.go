package eventstore

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestKnownHeadsRememberTheHighestPositionWithinALimit(t *testing.T) {
	k := newKnownHeads(2)
	require.False(t, k.has("a-1", 1))
	k.saw("a-1", 3)
	k.saw("a-1", 2) // an older read does not move it back
	require.True(t, k.has("a-1", 3))
	require.True(t, k.has("a-1", 1))
	require.False(t, k.has("a-1", 4))
	k.saw("b-1", 1)
	k.saw("c-1", 1) // over the limit: it starts afresh rather than grow
	require.False(t, k.has("a-1", 1))
	require.True(t, k.has("c-1", 1))
	k.saw("d-1", 0)
	require.False(t, k.has("d-1", 0), "a stream with no events has no known head")
}
