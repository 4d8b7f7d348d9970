package event_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain/event"
)

type thingHappened struct {
	ThingID uuid.UUID `json:"thing_id"`
	Count   int       `json:"count"`
}

func (thingHappened) EventType() string  { return "ThingHappened" }
func (thingHappened) SchemaVersion() int { return 2 }

// thingHappenedV1 is the older shape of the same event.
type thingHappenedV1 struct {
	Thing string `json:"thing"`
}

func (thingHappenedV1) EventType() string  { return "ThingHappened" }
func (thingHappenedV1) SchemaVersion() int { return 1 }

type sameNameOtherType struct{}

func (sameNameOtherType) EventType() string  { return "ThingHappened" }
func (sameNameOtherType) SchemaVersion() int { return 2 }

// impostor claims a registered name without being registered itself.
type impostor struct{}

func (impostor) EventType() string  { return "ThingHappened" }
func (impostor) SchemaVersion() int { return 2 }

type pointerEvent struct{}

func (*pointerEvent) EventType() string  { return "PointerEvent" }
func (*pointerEvent) SchemaVersion() int { return 1 }

type unnamed struct{}

func (unnamed) EventType() string  { return "" }
func (unnamed) SchemaVersion() int { return 1 }

type unregistered struct{}

func (unregistered) EventType() string  { return "Unregistered" }
func (unregistered) SchemaVersion() int { return 1 }

type badJSON struct {
	F func() `json:"f"`
}

func (badJSON) EventType() string  { return "BadJSON" }
func (badJSON) SchemaVersion() int { return 1 }

func newRegistry() *event.Registry {
	r := event.NewRegistry()
	event.Register[thingHappened](r)
	event.Register[thingHappenedV1](r)
	return r
}

func TestRoundTripReturnsTheValueType(t *testing.T) {
	r := newRegistry()
	in := thingHappened{ThingID: uuid.New(), Count: 3}

	data, err := r.Encode(in)
	require.NoError(t, err)
	require.JSONEq(t, fmt.Sprintf(`{"thing_id":%q,"count":3}`, in.ThingID), string(data))

	out, err := r.Decode("ThingHappened", 2, data)
	require.NoError(t, err)
	require.IsType(t, thingHappened{}, out)
	require.Equal(t, in, out)
}

func TestDecodePicksTheTypeOfTheSchemaVersion(t *testing.T) {
	out, err := newRegistry().Decode("ThingHappened", 1, []byte(`{"thing":"old"}`))
	require.NoError(t, err)
	require.Equal(t, thingHappenedV1{Thing: "old"}, out)
}

func TestDecodeToleratesUnknownFields(t *testing.T) {
	out, err := newRegistry().Decode("ThingHappened", 2, []byte(`{"count":1,"added_later":true}`))
	require.NoError(t, err)
	require.Equal(t, thingHappened{Count: 1}, out)
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name    string
		typ     string
		version int
		data    string
		is      error  // nil: only a wrapped JSON error
		message string // substring
	}{
		{"unknown type", "NothingHappened", 1, `{}`, event.ErrUnknownEventType, `"NothingHappened"`},
		{"empty type", "", 1, `{}`, event.ErrUnknownEventType, `""`},
		{"unsupported version", "ThingHappened", 3, `{}`, event.ErrUnsupportedSchemaVersion, "ThingHappened v3"},
		{"version zero", "ThingHappened", 0, `{}`, event.ErrUnsupportedSchemaVersion, "ThingHappened v0"},
		{"invalid json", "ThingHappened", 2, `{"count":`, nil, "decode ThingHappened v2"},
		{"wrong field type", "ThingHappened", 2, `{"count":"three"}`, nil, "decode ThingHappened v2"},
		{"invalid uuid", "ThingHappened", 2, `{"thing_id":"nope"}`, nil, "decode ThingHappened v2"},
		{"null", "ThingHappened", 2, `null`, nil, "not a JSON object"},
		{"array", "ThingHappened", 2, `[]`, nil, "not a JSON object"},
		{"empty", "ThingHappened", 2, ``, nil, "not a JSON object"},
		{"trailing garbage", "ThingHappened", 2, `{} x`, nil, "decode ThingHappened v2"},
	}
	r := newRegistry()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out event.Event
			var err error
			require.NotPanics(t, func() { out, err = r.Decode(tt.typ, tt.version, []byte(tt.data)) })
			require.Error(t, err)
			require.Nil(t, out)
			require.Contains(t, err.Error(), tt.message)
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
			} else {
				require.False(t, errors.Is(err, event.ErrUnknownEventType) || errors.Is(err, event.ErrUnsupportedSchemaVersion))
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	r := newRegistry()
	event.Register[badJSON](r)

	_, err := r.Encode(unregistered{})
	require.ErrorIs(t, err, event.ErrUnknownEventType)

	_, err = r.Encode(nil)
	require.ErrorIs(t, err, event.ErrUnknownEventType)

	_, err = r.Encode(&thingHappened{})
	require.ErrorContains(t, err, "events are encoded by value")

	var nilPointer *thingHappened
	require.NotPanics(t, func() { _, err = r.Encode(nilPointer) })
	require.ErrorContains(t, err, "events are encoded by value")

	_, err = r.Encode(impostor{})
	require.ErrorContains(t, err, "registered as event_test.thingHappened, got event_test.impostor")

	_, err = r.Encode(badJSON{})
	require.ErrorContains(t, err, "encode BadJSON")
}

func TestRegisterPanicsOnProgrammingErrors(t *testing.T) {
	r := newRegistry()
	require.PanicsWithValue(t,
		"event: ThingHappened v2 registered twice (event_test.thingHappened and event_test.thingHappened)",
		func() { event.Register[thingHappened](r) })
	require.Panics(t, func() { event.Register[sameNameOtherType](r) })
	require.Panics(t, func() { event.Register[*pointerEvent](r) })
	require.Panics(t, func() { event.Register[unnamed](r) })
}

func TestNilRegistryRefusesWithoutPanicking(t *testing.T) {
	var r *event.Registry
	_, err := r.Decode("ThingHappened", 2, []byte(`{}`))
	require.ErrorIs(t, err, event.ErrUnknownEventType)
	_, err = r.Encode(thingHappened{})
	require.ErrorIs(t, err, event.ErrUnknownEventType)
}

func TestZeroRegistryIsUsable(t *testing.T) {
	var r event.Registry
	_, err := r.Decode("ThingHappened", 2, []byte(`{}`))
	require.ErrorIs(t, err, event.ErrUnknownEventType)
	event.Register[thingHappened](&r)
	_, err = r.Decode("ThingHappened", 2, []byte(`{}`))
	require.NoError(t, err)
}

func TestTypesAndVersions(t *testing.T) {
	r := newRegistry()
	event.Register[unregistered](r)
	require.Equal(t, []string{"ThingHappened", "Unregistered"}, r.Types())
	require.Equal(t, []int{1, 2}, r.Versions("ThingHappened"))
	require.Empty(t, r.Versions("Nope"))
}

func TestConcurrentDecodeAndEncode(t *testing.T) {
	r := newRegistry()
	data := []byte(`{"count":7}`)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				e, err := r.Decode("ThingHappened", 2, data)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := r.Encode(e); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
