package event_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain/event"
)

type added struct{ N int }

func (added) EventType() string  { return "Added" }
func (added) SchemaVersion() int { return 1 }

type other struct{}

func (other) EventType() string  { return "Other" }
func (other) SchemaVersion() int { return 1 }

// tally is a state whose Apply records the order of what it was given.
type tally struct {
	Sum  int
	Seen []int
}

func (t *tally) Apply(e event.Event) {
	if a, ok := e.(added); ok {
		t.Sum += a.N
		t.Seen = append(t.Seen, a.N)
	}
}

func TestFoldAppliesEveryEventInOrderToAZeroState(t *testing.T) {
	require.Equal(t, tally{}, event.Fold[tally]())
	got := event.Fold[tally](added{1}, other{}, added{2}, added{3})
	require.Equal(t, tally{Sum: 6, Seen: []int{1, 2, 3}}, got)
}
