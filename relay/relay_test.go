package relay_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/integration"
	"github.com/orderflow/orderflow/internal/natstest"
	"github.com/orderflow/orderflow/internal/storetest"
	"github.com/orderflow/orderflow/relay"
)

// counts is relay.Metrics for tests.
type counts struct{ published, duplicates, failures atomic.Int64 }

func (c *counts) Published(messages, duplicates int) {
	c.published.Add(int64(messages))
	c.duplicates.Add(int64(duplicates))
}
func (c *counts) PublishFailed(error) { c.failures.Add(1) }

// Every public event is published once, in the store's commit order, on its subject
// with its headers; no internal event is; and events appended while the relay runs
// follow.
func TestRelayPublishesEveryPublicEventOnceInStoreOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	placeOrders(t, e.store, 10)
	behind, _, err := relay.Behind(context.Background(), e.schema.Pool, "")
	require.NoError(t, err)
	require.Equal(t, int64(40), behind, "4 public events an order, none published yet")

	r := e.relay()
	m := &counts{}
	r.Metrics = m
	storetest.Run(t, r.Run)
	e.waitCaughtUp(t, 30*time.Second)
	placeOrders(t, e.store, 5) // while it runs
	e.waitCaughtUp(t, 30*time.Second)

	want := publicInStoreOrder(t, e.store)
	require.Len(t, want, 60)
	msgs := e.streamMessages(t)
	require.Equal(t, want, msgIDs(msgs), "each public event once, in store order")
	require.Equal(t, int64(60), m.published.Load())
	require.Zero(t, m.duplicates.Load())

	for _, msg := range msgs {
		env, err := integration.Decode(msg.Data())
		require.NoError(t, err)
		require.Equal(t, env.Subject(e.names.SubjectPrefix), msg.Subject())
		require.Equal(t, env.Type, msg.Headers().Get(integration.HeaderEventType))
		require.Equal(t, "1", msg.Headers().Get(integration.HeaderSchemaVersion))
		require.Equal(t, env.OrderID.String(), msg.Headers().Get(integration.HeaderOrderID))
		payload, err := env.Payload()
		require.NoError(t, err)
		if p, ok := payload.(integration.OrderApproved); ok {
			require.NotEqual(t, uuid.Nil, p.ConsumerID, "an order event carries its consumer, from OrderCreated")
		}
		if p, ok := payload.(integration.TicketAccepted); ok {
			require.Equal(t, p.OrderID, p.TicketID)
			require.NotEqual(t, uuid.Nil, p.RestaurantID, "a ticket event carries its restaurant, from TicketCreated")
		}
	}
}

// The stream is made at start, and an existing one is brought back to the relay's
// configuration, however often.
func TestRelayEnsuresTheStreamIdempotently(t *testing.T) {
	t.Parallel()
	_, js := natstest.Connect(t, "")
	names := natstest.Unique(t, js)
	ctx := context.Background()
	for range 2 {
		s, err := relay.EnsureStream(ctx, js, names.Stream, names.SubjectPrefix)
		require.NoError(t, err)
		info, err := s.Info(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{names.SubjectPrefix + ".>"}, info.Config.Subjects)
		require.Equal(t, jetstream.FileStorage, info.Config.Storage)
		require.Equal(t, relay.DuplicateWindow, info.Config.Duplicates)
		require.Equal(t, relay.MaxAge, info.Config.MaxAge)
	}
	changed := relay.StreamConfig(names.Stream, names.SubjectPrefix)
	changed.Duplicates = time.Minute
	_, err := js.UpdateStream(ctx, changed)
	require.NoError(t, err)
	s, err := relay.EnsureStream(ctx, js, names.Stream, names.SubjectPrefix)
	require.NoError(t, err)
	require.Equal(t, relay.DuplicateWindow, s.CachedInfo().Config.Duplicates)
}

// A relay killed after JetStream acknowledged a batch but before the batch's checkpoint
// committed: the next relay publishes the batch again, JetStream drops the repeats,
// nothing is lost, and the subscriber's effects happen once.
func TestRelayCrashBetweenAcksAndCommitLosesNothingAndRepeatsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	orders := placeOrders(t, e.store, 10)
	storetest.Run(t, e.notifier().Run)

	crashed := make(chan []integration.Envelope, 1)
	first := e.relay()
	firstCtx, crash := context.WithCancel(context.Background())
	var batches atomic.Int64
	relay.SetAfterAcks(first, func(ctx context.Context, published []integration.Envelope) error {
		if batches.Add(1) == 3 { // two batches committed; the third is published, not committed
			crash()
			crashed <- published
			return ctx.Err()
		}
		return nil
	})
	require.ErrorIs(t, first.Run(firstCtx), context.Canceled)
	lost := <-crashed
	require.NotEmpty(t, lost)

	// The checkpoint stands just before the lost batch. Where that is depends on how
	// the subscription cut the batches (a batch that failed on a busy broker is retried
	// from the checkpoint), so it is read from the lost batch, not assumed.
	public := publicInStoreOrder(t, e.store)
	lostAt := slices.Index(public, lost[0].ID)
	require.Positive(t, lostAt, "batches were committed before the lost one")
	behind, _, err := relay.Behind(context.Background(), e.schema.Pool, "")
	require.NoError(t, err)
	require.Equal(t, int64(len(public)-lostAt), behind, "the store does not know the third batch was published")

	second := e.relay()
	m := &counts{}
	second.Metrics = m
	storetest.Run(t, second.Run)
	e.waitCaughtUp(t, 30*time.Second)

	require.Equal(t, publicInStoreOrder(t, e.store), msgIDs(e.streamMessages(t)), "each event in the stream once")
	require.Equal(t, int64(len(lost)), m.duplicates.Load(), "the batch published again was dropped as duplicates")
	require.Eventually(t, func() bool {
		_, processed := e.notificationCount(t)
		return processed == 40
	}, 30*time.Second, 20*time.Millisecond)
	e.requireOncePerOrder(t, orders, true)
}

// The broker restarts while the relay publishes and orders keep coming: the relay
// rides it out (a failed batch is retried), and every public event is in the stream
// exactly once; the notifier's effects happen once too.
func TestRelayAndNotifierSurviveABrokerRestart(t *testing.T) {
	t.Parallel()
	broker := natstest.StartServer(t, t.TempDir())
	e := newEnv(t, broker.URL)
	r := e.relay()
	r.AckTimeout = 2 * time.Second
	m := &counts{}
	r.Metrics = m
	storetest.Run(t, r.Run)
	storetest.Run(t, e.notifier().Run)

	var mu sync.Mutex
	var orders []uuid.UUID
	placing := make(chan struct{})
	go func() {
		defer close(placing)
		for range 20 {
			ids := placeOrders(t, e.store, 2)
			mu.Lock()
			orders = append(orders, ids...)
			mu.Unlock()
			time.Sleep(25 * time.Millisecond)
		}
	}()
	require.Eventually(t, func() bool { return m.published.Load() > 20 }, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, broker.Restart())
	<-placing
	e.waitCaughtUp(t, 60*time.Second)

	want := publicInStoreOrder(t, e.store)
	require.Len(t, want, 160)
	got := msgIDs(e.streamMessages(t))
	require.ElementsMatch(t, want, got, "every public event, once")
	require.True(t, unique(got))
	require.Eventually(t, func() bool {
		_, processed := e.notificationCount(t)
		return processed == 160
	}, 60*time.Second, 20*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	e.requireOncePerOrder(t, orders, false)
}

// A broker that is down when the relay starts is waited for: the relay publishes once
// it is up, and the batch failures count as publish errors.
func TestRelayWaitsForTheBroker(t *testing.T) {
	t.Parallel()
	broker := natstest.StartServer(t, t.TempDir())
	e := newEnv(t, broker.URL)
	broker.Stop()
	placeOrders(t, e.store, 2)
	r := e.relay()
	r.AckTimeout = 500 * time.Millisecond
	m := &counts{}
	r.Metrics = m
	storetest.Run(t, r.Run)
	require.Eventually(t, func() bool { return m.failures.Load() > 0 }, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, broker.Restart())
	e.waitCaughtUp(t, 60*time.Second)
	require.Equal(t, publicInStoreOrder(t, e.store), msgIDs(e.streamMessages(t)))
}

// A stream deleted under a running relay is made again before its next batch.
func TestRelayRemakesADeletedStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	r := e.relay()
	r.AckTimeout = time.Second
	storetest.Run(t, r.Run)
	placeOrders(t, e.store, 1)
	e.waitCaughtUp(t, 30*time.Second)
	require.NoError(t, e.js.DeleteStream(context.Background(), e.names.Stream))
	placeOrders(t, e.store, 1)
	e.waitCaughtUp(t, 60*time.Second)
	require.Len(t, e.streamMessages(t), 4, "the second order's events, in the new stream")
}
