package event_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain/event"
)

func TestStreamNameAndID(t *testing.T) {
	id := uuid.MustParse("0b6f6c8e-2a51-4b8f-9d4c-2f0f5b9b1c11")
	name := event.StreamName("order", id)
	require.Equal(t, "order-0b6f6c8e-2a51-4b8f-9d4c-2f0f5b9b1c11", name)

	got, ok := event.StreamID("order", name)
	require.True(t, ok)
	require.Equal(t, id, got)

	for _, bad := range []string{
		"ticket-0b6f6c8e-2a51-4b8f-9d4c-2f0f5b9b1c11", // other category
		"order-nope", // not a uuid
		"order-0B6F6C8E-2A51-4B8F-9D4C-2F0F5B9B1C11",   // not the canonical spelling
		"order-{0b6f6c8e-2a51-4b8f-9d4c-2f0f5b9b1c11}", // ditto
		"order",
		"",
	} {
		_, ok := event.StreamID("order", bad)
		require.False(t, ok, bad)
	}
	require.Equal(t, "order", name[:strings.IndexByte(name, '-')], "the store derives the category from the first '-'")
}
