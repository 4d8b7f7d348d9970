package projections_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/projections"
)

// appendRaw appends one event as stored bytes, whatever the registry thinks of them:
// an event a newer build wrote, or one no build can read.
func (e *env) appendRaw(stream, eventType string, schemaVersion int, data string) eventstore.RecordedEvent {
	e.t.Helper()
	_, err := e.store.Append(context.Background(), stream, eventstore.Any(), eventstore.EventData{
		ID: uuid.New(), Type: eventType, SchemaVersion: schemaVersion, Data: json.RawMessage(data),
		Metadata: eventstore.Metadata{User: "tester", CorrelationID: stream}})
	require.NoError(e.t, err)
	recorded := e.stream(stream)
	return recorded[len(recorded)-1]
}

// waitStopped waits until the projection reports that it stopped at the event, and
// returns its status.
func (e *env) waitStopped(name string, at uuid.UUID) projections.Status {
	e.t.Helper()
	var status projections.Status
	require.EventuallyWithT(e.t, func(c *assert.CollectT) {
		var err error
		status, err = projections.StatusOf(context.Background(), e.store, name)
		require.NoError(c, err)
		require.NotNil(c, status.Stopped, "%s has not stopped", name)
		require.Equal(c, at, status.Stopped.EventID)
	}, 15*time.Second, 10*time.Millisecond)
	return status
}

func (e *env) processed(consumer string, id uuid.UUID) bool {
	e.t.Helper()
	return e.count(`select count(*) from processed_events where consumer = $1 and event_id = $2`, consumer, id) == 1
}

// An event whose data no build can decode stops its projection at that event, after
// committing every event before it, even those in the same batch; it says where and
// why; the other projections keep going; and an operator can skip it, which is
// recorded with the reason.
func TestAPoisonEventStopsItsProjectionVisiblyAfterTheEventsBeforeIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	consumer, restaurant := uuid.New(), uuid.New()
	before := uuid.New()
	e.append(order.StreamName(before), orderCreated(before, consumer, restaurant))
	poisoned := uuid.New()
	e.append(order.StreamName(poisoned), orderCreated(poisoned, consumer, restaurant))
	poison := e.appendRaw(order.StreamName(poisoned), order.TypeOrderApproved, 1, `{"order_id": 42}`)
	after := uuid.New()
	e.append(order.StreamName(after), orderCreated(after, consumer, restaurant))

	var failures []error
	failed := make(chan error, 100)
	e.runProjectorWith(projections.Projector{Store: e.store, OnError: func(name string, err error) {
		if name == projections.OrderViewProjection {
			failed <- err
		}
	}})
	status := e.waitStopped(projections.OrderViewProjection, poison.ID)
	require.Equal(t, order.TypeOrderApproved, status.Stopped.Type)
	require.Equal(t, poison.StreamName, status.Stopped.Stream)
	require.Contains(t, status.Stopped.Reason, "decode")
	require.Positive(t, status.Stopped.Failures)
	require.Equal(t, int64(2), status.Lag, "only the poison event and the one after it wait")
	failures = append(failures, <-failed)
	require.ErrorContains(t, failures[0], poison.ID.String())

	// The events before it, in its batch, are applied; it and the events after it are not.
	e.waitOrder(before, 1)
	e.waitOrder(poisoned, 1)
	_, err := e.q.GetOrder(context.Background(), after)
	require.ErrorIs(t, err, projections.ErrNotFound)
	require.False(t, e.processed(projections.OrderViewProjection, poison.ID))

	// A reader waiting for a version the stopped view cannot reach is told at once.
	start := time.Now()
	_, err = e.q.WaitForOrderVersion(context.Background(), poisoned, 2, 8*time.Second)
	require.ErrorIs(t, err, projections.ErrVersionNotReached)
	require.ErrorIs(t, err, projections.ErrProjectionStopped)
	require.Less(t, time.Since(start), 4*time.Second, "it waited for a version a stopped projection cannot reach")

	// The kitchen's projection is not held up by the order view's poison.
	e.append(kitchen.StreamName(after), ticketCreated(after, restaurant))
	e.waitTicket(after, 1)

	// Skipping needs the event the projection stopped at, and a reason.
	err = projections.Skip(context.Background(), e.store, projections.OrderViewProjection, uuid.New(), "wrong event", "ops")
	require.ErrorIs(t, err, eventstore.ErrNotStoppedAtEvent)
	err = projections.Skip(context.Background(), e.store, projections.OrderViewProjection, poison.ID, "", "ops")
	require.Error(t, err)

	require.NoError(t, projections.Skip(context.Background(), e.store, projections.OrderViewProjection, poison.ID,
		"order_id written as a number by a bug fixed in 1.4", "ops"))
	e.waitOrder(after, 1)
	v, err := e.q.GetOrder(context.Background(), poisoned)
	require.NoError(t, err)
	require.Equal(t, order.StatusApprovalPending, v.Status, "the skipped event is not applied")
	status, err = projections.StatusOf(context.Background(), e.store, projections.OrderViewProjection)
	require.NoError(t, err)
	require.Nil(t, status.Stopped)
	require.Len(t, status.Skipped, 1)
	require.Equal(t, poison.ID, status.Skipped[0].EventID)
	require.Equal(t, "order_id written as a number by a bug fixed in 1.4", status.Skipped[0].Reason)
	require.Equal(t, "ops", status.Skipped[0].By)

	// A replay skips what the operator skipped, so the view still equals a replay.
	e.requireVerified()
}

// orderTeleported is an event type a newer build knows and this one does not.
type orderTeleported struct {
	OrderID uuid.UUID `json:"order_id"`
}

func (orderTeleported) EventType() string  { return "OrderTeleported" }
func (orderTeleported) SchemaVersion() int { return 1 }

// orderApprovedV99 is a schema version of a known type that only a newer build reads.
type orderApprovedV99 struct {
	OrderID uuid.UUID `json:"order_id"`
}

func (orderApprovedV99) EventType() string  { return order.TypeOrderApproved }
func (orderApprovedV99) SchemaVersion() int { return 99 }

// One policy for what a build does not understand, an unknown type or a newer schema
// version of a known one: it never marks the event processed and never moves past it,
// so a newer build, taking over in a rolling deploy, applies it.
func TestEventsABuildDoesNotUnderstandWaitForABuildThatDoes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		eventType     string
		schemaVersion int
	}{
		{"unknown type", "OrderTeleported", 1},
		{"newer schema version", order.TypeOrderApproved, 99},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			id := uuid.New()
			e.append(order.StreamName(id), orderCreated(id, uuid.New(), uuid.New()))
			newer := e.appendRaw(order.StreamName(id), tc.eventType, tc.schemaVersion, `{"order_id": "`+id.String()+`"}`)
			e.append(order.StreamName(id), order.OrderCancelRequested{OrderID: id})

			stop := e.runProjector()
			status := e.waitStopped(projections.OrderViewProjection, newer.ID)
			require.Contains(t, status.Stopped.Reason, "not understood")
			v := e.waitOrder(id, 1)
			require.Equal(t, int64(1), v.Version, "the view does not claim a version it lacks an event of")
			require.False(t, e.processed(projections.OrderViewProjection, newer.ID))
			stop()

			// The newer build understands both and carries on from the event.
			reg := registry.New()
			event.Register[orderTeleported](reg)
			event.Register[orderApprovedV99](reg)
			e.runProjectorWith(projections.Projector{Store: e.store, Registry: reg})
			// Until its first batch commits, the stop is still on record and a wait says
			// so at once; the view gets there all the same.
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				v, err := e.q.GetOrder(context.Background(), id)
				require.NoError(c, err)
				require.Equal(c, int64(3), v.Version)
			}, 15*time.Second, 10*time.Millisecond)
			require.True(t, e.processed(projections.OrderViewProjection, newer.ID))
		})
	}
}
