package relay_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/integration"
	"github.com/orderflow/orderflow/internal/natstest"
	"github.com/orderflow/orderflow/internal/pgtest"
	"github.com/orderflow/orderflow/internal/storetest"
	"github.com/orderflow/orderflow/notifier"
	"github.com/orderflow/orderflow/relay"
)

// env is one test's store (its own schema) and broker names (its own stream and
// subject prefix on the shared NATS server).
type env struct {
	schema pgtest.Schema
	store  *eventstore.Store
	nc     *nats.Conn
	js     jetstream.JetStream
	names  natstest.Names
}

func newEnv(t *testing.T, natsURL string) *env {
	store, schema := storetest.New(t, notifier.Migrations)
	nc, js := natstest.Connect(t, natsURL, append(relay.ConnectOptions(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))...)
	return &env{schema: schema, store: store, nc: nc, js: js, names: natstest.Unique(t, js)}
}

func (e *env) relay() *relay.Relay {
	return &relay.Relay{Store: e.store, Conn: e.nc, Stream: e.names.Stream, SubjectPrefix: e.names.SubjectPrefix,
		BatchSize: 7, AckTimeout: 5 * time.Second}
}

func (e *env) notifier() *notifier.Notifier {
	return &notifier.Notifier{Pool: e.schema.Pool, Conn: e.nc, Stream: e.names.Stream, SubjectPrefix: e.names.SubjectPrefix,
		AckWait: time.Second}
}

// placeOrders appends n orders' lives, interleaving their streams, public and
// internal events alike: created, ticket created (internal) and accepted, approved,
// cancel requested (internal), canceled. Each order has 4 public events.
func placeOrders(t *testing.T, store *eventstore.Store, n int) []uuid.UUID {
	t.Helper()
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = uuid.New()
	}
	eur := money.MustNew(900, "EUR")
	for _, id := range ids {
		storetest.Append(t, store, order.StreamName(id), order.OrderCreated{OrderID: id, ConsumerID: uuid.New(), RestaurantID: uuid.New(),
			Lines: []order.Line{{MenuItemID: "m", Name: "Margherita", Quantity: 1, UnitPrice: eur, Total: eur}}, Total: eur})
		storetest.Append(t, store, kitchen.StreamName(id), kitchen.TicketCreated{TicketID: id, OrderID: id, RestaurantID: uuid.New()})
	}
	for _, id := range ids {
		storetest.Append(t, store, kitchen.StreamName(id), kitchen.TicketAccepted{TicketID: id})
		storetest.Append(t, store, order.StreamName(id), order.OrderApproved{OrderID: id}, order.OrderCancelRequested{OrderID: id})
	}
	for _, id := range ids {
		storetest.Append(t, store, order.StreamName(id), order.OrderCanceled{OrderID: id, Reason: "test"})
	}
	return ids
}

// publicInStoreOrder are the ids of the store's public events in commit order: what
// the relay must publish, in this order.
func publicInStoreOrder(t *testing.T, store *eventstore.Store) []uuid.UUID {
	t.Helper()
	events, err := store.ReadAll(context.Background(), eventstore.Checkpoint{}, eventstore.Filter{}, 100_000)
	require.NoError(t, err)
	var ids []uuid.UUID
	for _, e := range events {
		if integration.Published(e.Type) {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

// streamMessages reads every message of the test's stream, in stream order.
func (e *env) streamMessages(t *testing.T) []jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := e.js.Stream(ctx, e.names.Stream)
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	total := int(info.State.Msgs)
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	require.NoError(t, err)
	var out []jetstream.Msg
	for len(out) < total {
		batch, err := c.Fetch(total-len(out), jetstream.FetchMaxWait(5*time.Second))
		require.NoError(t, err)
		for m := range batch.Messages() {
			out = append(out, m)
		}
		require.NoError(t, batch.Error())
	}
	return out
}

func msgIDs(msgs []jetstream.Msg) []uuid.UUID {
	out := make([]uuid.UUID, len(msgs))
	for i, m := range msgs {
		out[i] = uuid.MustParse(m.Headers().Get(integration.HeaderMsgID))
	}
	return out
}

// waitCaughtUp waits until the relay has published everything in the store.
func (e *env) waitCaughtUp(t *testing.T, within time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool {
		n, _, err := relay.Behind(context.Background(), e.schema.Pool, "")
		return err == nil && n == 0
	}, within, 20*time.Millisecond, "the relay did not catch up")
}

func (e *env) notificationCount(t *testing.T) (notifications, processed int) {
	t.Helper()
	require.NoError(t, e.schema.Pool.QueryRow(context.Background(),
		`select (select count(*) from notifications), (select count(*) from processed_messages)`).Scan(&notifications, &processed))
	return notifications, processed
}

// requireOncePerOrder checks that each order has exactly its notifications, once each:
// created, approved and canceled (the ticket's events notify no consumer); inOrder,
// in that order (not promised after a broker failure: docs/events.md).
func (e *env) requireOncePerOrder(t *testing.T, orders []uuid.UUID, inOrder bool) {
	t.Helper()
	for _, id := range orders {
		notes, err := notifier.ForOrder(context.Background(), e.schema.Pool, id)
		require.NoError(t, err)
		var types []string
		for _, n := range notes {
			types = append(types, n.EventType)
		}
		want := []string{"OrderCreated", "OrderApproved", "OrderCanceled"}
		if inOrder {
			require.Equal(t, want, types, "order %s", id)
		} else {
			require.ElementsMatch(t, want, types, "order %s", id)
		}
	}
}

func unique(ids []uuid.UUID) bool {
	s := slices.Clone(ids)
	slices.SortFunc(s, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	return len(slices.Compact(s)) == len(ids)
}
