package eventstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/pgtest"
	"github.com/orderflow/orderflow/internal/storetest"
)

// effects is a handler whose effect is a row per delivered event, written in the
// subscription's transaction; a plain table (no unique key) so that a double delivery
// would show as two rows.
func effects(t *testing.T, schema pgtest.Schema) eventstore.Handler {
	_, err := schema.Pool.Exec(context.Background(),
		`create table effects (event_id uuid not null, stream_name text not null, stream_position bigint not null,
		 seq bigserial primary key)`)
	require.NoError(t, err)
	return func(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
		_, err := tx.Exec(ctx, `insert into effects (event_id, stream_name, stream_position) values ($1, $2, $3)`,
			e.ID, e.StreamName, e.StreamPosition)
		return err
	}
}

type effectRow struct {
	id       uuid.UUID
	stream   string
	position int64
}

func effectRows(t *testing.T, schema pgtest.Schema) []effectRow {
	var out []effectRow
	rows, err := schema.Pool.Query(context.Background(), `select event_id, stream_name, stream_position from effects order by seq`)
	require.NoError(t, err)
	for rows.Next() {
		var r effectRow
		require.NoError(t, rows.Scan(&r.id, &r.stream, &r.position))
		out = append(out, r)
	}
	require.NoError(t, rows.Err())
	return out
}

// requireExactlyOnceInOrder checks that every appended event had its effect exactly once
// and that each stream's events took effect in stream order.
func requireExactlyOnceInOrder(t *testing.T, rows []effectRow, appended map[uuid.UUID]bool) {
	t.Helper()
	seen := map[uuid.UUID]int{}
	lastPosition := map[string]int64{}
	for _, r := range rows {
		seen[r.id]++
		require.Greaterf(t, r.position, lastPosition[r.stream], "stream %s out of order", r.stream)
		lastPosition[r.stream] = r.position
	}
	for id := range appended {
		require.Equalf(t, 1, seen[id], "event %s took effect %d times", id, seen[id])
	}
	require.Len(t, rows, len(appended))
}

func runSubscription(t *testing.T, store *eventstore.Store, sub eventstore.Subscription) (stop func()) {
	return storetest.Run(t, func(ctx context.Context) error { return store.Subscribe(ctx, sub) })
}

func waitForEffects(t *testing.T, schema pgtest.Schema, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		var count int
		require.NoError(t, schema.Pool.QueryRow(context.Background(), "select count(*) from effects").Scan(&count))
		return count >= n
	}, 20*time.Second, 10*time.Millisecond, "waiting for %d effects", n)
}

// appendTracked appends n events to stream and adds them to appended.
func appendTracked(t *testing.T, store *eventstore.Store, stream string, n int, appended map[uuid.UUID]bool) {
	t.Helper()
	batch := events(n, "E")
	for _, e := range batch {
		appended[e.ID] = true
	}
	_, err := store.Append(context.Background(), stream, eventstore.Any(), batch...)
	require.NoError(t, err)
}

// drain appends a marker after everything else and waits until it has taken effect.
// A subscription delivers in commit order, so a second delivery of any earlier event
// (a checkpoint that did not move, two instances reading the same batch) lands before
// the marker's: once the marker is in, the effects are final. The marker joins appended.
func drain(t *testing.T, store *eventstore.Store, schema pgtest.Schema, appended map[uuid.UUID]bool) {
	t.Helper()
	marker := event("Marker", nil)
	_, err := store.Append(context.Background(), "marker-1", eventstore.Any(), marker)
	require.NoError(t, err)
	appended[marker.ID] = true
	require.Eventually(t, func() bool {
		var seen bool
		require.NoError(t, schema.Pool.QueryRow(context.Background(),
			"select exists (select 1 from effects where event_id = $1)", marker.ID).Scan(&seen))
		return seen
	}, 20*time.Second, 10*time.Millisecond, "waiting for the marker event's effect")
}

// writeQuietly inserts an event without the notification Append sends, so that only a
// subscription's own catch-up reads can find it.
func writeQuietly(t *testing.T, schema pgtest.Schema, stream string) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	id := uuid.New()
	require.NoError(t, pgx.BeginFunc(ctx, schema.Pool, func(tx pgx.Tx) error { return insertEvent(ctx, tx, stream, id) }))
	return id
}

// nextBatch waits for the checkpoint OnBatch reports after the next committed batch.
func nextBatch(t *testing.T, batches <-chan eventstore.Checkpoint) eventstore.Checkpoint {
	t.Helper()
	select {
	case c := <-batches:
		return c
	case <-time.After(20 * time.Second):
		t.Fatal("no batch was delivered within 20s")
		return eventstore.Checkpoint{}
	}
}

func effectIDs(t *testing.T, schema pgtest.Schema) []uuid.UUID {
	var ids []uuid.UUID
	for _, r := range effectRows(t, schema) {
		ids = append(ids, r.id)
	}
	return ids
}

// Writers whose transactions commit out of order (each sleeps a random while between
// taking its position and committing) while a subscriber follows: every event is
// delivered exactly once and each stream in order. A reader that only remembers the
// highest global position seen would skip the events of the slow transactions.
func TestSubscriptionDeliversOutOfOrderCommitsExactlyOnceInOrder(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	handler := effects(t, schema)
	runSubscription(t, store, eventstore.Subscription{Name: "all", Handler: handler, BatchSize: 7,
		PollInterval: 20 * time.Millisecond})

	ctx := context.Background()
	var mu sync.Mutex
	appended := map[uuid.UUID]bool{}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 30; i++ {
				id := uuid.New()
				stream := streamName("writer", rand.IntN(4))
				for {
					err := pgx.BeginFunc(ctx, schema.Pool, func(tx pgx.Tx) error {
						if err := insertEvent(ctx, tx, stream, id); err != nil {
							return err
						}
						_, err := tx.Exec(ctx, `select pg_sleep($1)`, rand.Float64()*0.01)
						return err
					})
					var pgErr *pgconn.PgError
					if errors.As(err, &pgErr) && pgErr.Code == pgerrcode.UniqueViolation {
						continue // another writer took this stream position first
					}
					require.NoError(t, err)
					break
				}
				mu.Lock()
				appended[id] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	drain(t, store, schema, appended)
	requireExactlyOnceInOrder(t, effectRows(t, schema), appended)
}

// The handler's process dies mid-batch (its context ends and the batch fails); a new
// subscription resumes from the checkpoint and every effect happens exactly once.
func TestSubscriptionResumesAfterACrashWithEveryEffectExactlyOnce(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	handler := effects(t, schema)
	ctx := context.Background()
	appended := map[uuid.UUID]bool{}
	for i := 0; i < 20; i++ {
		batch := events(50, "E")
		for _, e := range batch {
			appended[e.ID] = true
		}
		_, err := store.Append(ctx, streamName("s", i), eventstore.NoStream(), batch...)
		require.NoError(t, err)
	}

	crashCtx, crash := context.WithCancel(ctx)
	var delivered atomic.Int64
	crashing := func(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
		if err := handler(ctx, tx, e); err != nil {
			return err
		}
		if delivered.Add(1) == 430 { // in the middle of the ninth batch of 50
			crash()
			return errors.New("process killed")
		}
		return nil
	}
	err := store.Subscribe(crashCtx, eventstore.Subscription{Name: "projection", Handler: crashing, BatchSize: 50})
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, effectRows(t, schema), 400, "the interrupted batch left no effect behind")

	runSubscription(t, store, eventstore.Subscription{Name: "projection", Handler: handler, BatchSize: 50})
	drain(t, store, schema, appended)
	requireExactlyOnceInOrder(t, effectRows(t, schema), appended)
}

func TestSubscriptionRetriesAFailingHandler(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	handler := effects(t, schema)
	appended := map[uuid.UUID]bool{}
	appendTracked(t, store, "s-1", 10, appended)

	var failures atomic.Int64
	flaky := func(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
		if e.StreamPosition == 6 && failures.Add(1) <= 2 {
			return fmt.Errorf("downstream unavailable")
		}
		return handler(ctx, tx, e)
	}
	runSubscription(t, store, eventstore.Subscription{Name: "flaky", Handler: flaky, BatchSize: 4})
	drain(t, store, schema, appended)
	requireExactlyOnceInOrder(t, effectRows(t, schema), appended)
	require.Equal(t, int64(3), failures.Load())
}

// A subscription that has caught up and polls once an hour learns of an append only
// from its notification: the event must arrive long before the next poll.
func TestSubscriptionWakesOnNotification(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	handler := effects(t, schema)
	// The first catch-up read, made after the subscription starts listening, finds this
	// one; its batch tells that the subscription is listening and has nothing left.
	quiet := writeQuietly(t, schema, "quiet-1")
	batches := make(chan eventstore.Checkpoint, 10)
	runSubscription(t, store, eventstore.Subscription{Name: "live", Handler: handler, PollInterval: time.Hour,
		OnBatch: func(_ int, last eventstore.Checkpoint) { batches <- last }})
	first := nextBatch(t, batches)

	notified := event("E", nil)
	_, err := store.Append(context.Background(), "s-1", eventstore.NoStream(), notified)
	require.NoError(t, err)
	second := nextBatch(t, batches)
	require.Greater(t, second.GlobalPosition, first.GlobalPosition)
	require.Equal(t, []uuid.UUID{quiet, notified.ID}, effectIDs(t, schema))
}

// An append whose notification arrives while a running transaction holds it behind the
// horizon is still delivered once that transaction ends, with polling effectively off:
// nobody will notify again, so the subscriber must look again by itself.
func TestSubscriptionDeliversEventsHeldBackWhenTheirNotificationCame(t *testing.T) {
	t.Parallel()
	_, schema := storetest.New(t)
	ctx := context.Background()
	// Every delivery attempt starts by locking the checkpoint and measuring the horizon.
	looks := &storetest.Statements{Match: "pg_snapshot_xmin"}
	store := eventstore.New(storetest.TracedPool(t, schema.Pool, looks), eventstore.WithChannel(schema.Name))
	t.Cleanup(store.Close)
	handler := effects(t, schema)
	quiet := writeQuietly(t, schema, "quiet-1")
	batches := make(chan eventstore.Checkpoint, 10)
	runSubscription(t, store, eventstore.Subscription{Name: "patient", Handler: handler, PollInterval: time.Hour,
		OnBatch: func(_ int, last eventstore.Checkpoint) { batches <- last }})
	nextBatch(t, batches) // listening, caught up, waiting for a notification
	before := looks.Count()

	slow, err := schema.Pool.Begin(ctx)
	require.NoError(t, err)
	defer slow.Rollback(ctx)
	require.NoError(t, insertEvent(ctx, slow, "slow-1", uuid.New()))
	fast := event("E", nil)
	_, err = store.Append(ctx, "fast-1", eventstore.NoStream(), fast)
	require.NoError(t, err)
	// Only the notification wakes it: the look it takes after that finds the event held.
	require.Eventually(t, func() bool { return looks.Count() > before }, 20*time.Second, time.Millisecond,
		"the subscription never looked after the notification")
	require.Equal(t, []uuid.UUID{quiet}, effectIDs(t, schema), "the fast event is held behind the slow transaction")

	require.NoError(t, slow.Rollback(ctx))
	nextBatch(t, batches)
	require.Equal(t, []uuid.UUID{quiet, fast.ID}, effectIDs(t, schema))
}

// The listening connection is killed by the server; the subscription reconnects and
// carries on from its checkpoint.
func TestSubscriptionSurvivesADroppedConnection(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	handler := effects(t, schema)
	ctx := context.Background()
	runSubscription(t, store, eventstore.Subscription{Name: "sturdy", Handler: handler, PollInterval: time.Hour})

	first := event("E", nil)
	_, err := store.Append(ctx, "s-1", eventstore.NoStream(), first)
	require.NoError(t, err)
	waitForEffects(t, schema, 1)

	var killed int
	require.NoError(t, schema.Pool.QueryRow(ctx, `select count(pg_terminate_backend(pid)) from pg_stat_activity
		where application_name = 'orderflow subscription sturdy' and datname = current_database()
		and pid <> pg_backend_pid()`).Scan(&killed))
	require.Equal(t, 1, killed)

	second := event("E", nil)
	require.Eventually(t, func() bool {
		// Appends before the new LISTEN would wait for the hour-long poll, so keep
		// nudging with empty notifications until the reconnected session hears one.
		_, err := schema.Pool.Exec(ctx, "select pg_notify($1, '')", schema.Name)
		return err == nil && len(effectRows(t, schema)) == 1
	}, 5*time.Second, 50*time.Millisecond)
	_, err = store.Append(ctx, "s-1", eventstore.Exact(1), second)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, _ = schema.Pool.Exec(ctx, "select pg_notify($1, '')", schema.Name)
		return len(effectRows(t, schema)) == 2
	}, 20*time.Second, 50*time.Millisecond)
	requireExactlyOnceInOrder(t, effectRows(t, schema), map[uuid.UUID]bool{first.ID: true, second.ID: true})
}

// Two instances of one subscription (two projector processes): each event still takes
// effect once.
func TestTwoInstancesOfASubscriptionDeliverEachEventOnce(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	handler := effects(t, schema)
	for i := 0; i < 2; i++ {
		runSubscription(t, store, eventstore.Subscription{Name: "shared", Handler: handler, BatchSize: 10,
			PollInterval: 10 * time.Millisecond})
	}
	appended := map[uuid.UUID]bool{}
	for i := 0; i < 20; i++ {
		batch := events(5, "E")
		for _, e := range batch {
			appended[e.ID] = true
		}
		_, err := store.Append(context.Background(), streamName("s", i%3), eventstore.Any(), batch...)
		require.NoError(t, err)
	}
	drain(t, store, schema, appended)
	requireExactlyOnceInOrder(t, effectRows(t, schema), appended)
}

// Two instances of one subscription, the second started while the first owns it: the
// standby delivers nothing while the owner runs; when the owner stops, the standby takes
// over from the owner's checkpoint, and no event is lost or takes effect twice.
func TestAStandbyTakesOverFromTheCheckpointWhenTheOwnerStops(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	handler := effects(t, schema)
	ctx := context.Background()
	appended := map[uuid.UUID]bool{}
	appendSome := func(stream string) { appendTracked(t, store, stream, 5, appended) }
	const name = "takeover"
	instance := func(batches chan eventstore.Checkpoint) eventstore.Subscription {
		return eventstore.Subscription{Name: name, Handler: handler, BatchSize: 3, PollInterval: 20 * time.Millisecond,
			OnBatch: func(_ int, last eventstore.Checkpoint) { batches <- last }}
	}

	ownerBatches, standbyBatches := make(chan eventstore.Checkpoint, 100), make(chan eventstore.Checkpoint, 100)
	appendSome("s-1")
	stopOwner := runSubscription(t, store, instance(ownerBatches))
	nextBatch(t, ownerBatches) // it owns the subscription
	runSubscription(t, store, instance(standbyBatches))
	require.Eventually(t, func() bool {
		var sessions int
		require.NoError(t, schema.Pool.QueryRow(ctx, `select count(*) from pg_stat_activity
			where application_name = 'orderflow subscription '||$1 and datname = current_database()`, name).Scan(&sessions))
		return sessions == 2
	}, 20*time.Second, 10*time.Millisecond, "the standby is connected")

	appendSome("s-2")
	waitForEffects(t, schema, 10)
	stopOwner()
	require.Zero(t, len(standbyBatches), "batches the standby delivered while the owner ran")
	handedOver, err := store.SubscriptionCheckpoint(ctx, name)
	require.NoError(t, err)

	appendSome("s-3")
	taken := nextBatch(t, standbyBatches)
	require.Greater(t, taken.GlobalPosition, handedOver.GlobalPosition)
	drain(t, store, schema, appended)
	requireExactlyOnceInOrder(t, effectRows(t, schema), appended)
	var byStandby int
	require.NoError(t, schema.Pool.QueryRow(ctx, `select count(*) from effects e join events v using (event_id)
		where v.global_position > $1`, handedOver.GlobalPosition).Scan(&byStandby))
	require.Equal(t, 6, byStandby, "the last five and the marker, all after the handover")
}

func TestIdempotentHandlerRunsOncePerEvent(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	ctx := context.Background()
	e := event("E", nil)
	_, err := store.Append(ctx, "s-1", eventstore.NoStream(), e)
	require.NoError(t, err)
	recorded, err := store.ReadLast(ctx, "s-1")
	require.NoError(t, err)

	var runs int
	h := eventstore.Idempotent("mailer", func(context.Context, pgx.Tx, eventstore.RecordedEvent) error {
		runs++
		return nil
	})
	for i := 0; i < 3; i++ {
		require.NoError(t, pgx.BeginFunc(ctx, schema.Pool, func(tx pgx.Tx) error { return h(ctx, tx, recorded) }))
	}
	require.Equal(t, 1, runs)

	// A rolled-back transaction forgets that the event was processed.
	rolledBack := eventstore.Idempotent("auditor", func(context.Context, pgx.Tx, eventstore.RecordedEvent) error {
		runs++
		return errors.New("failed")
	})
	require.Error(t, pgx.BeginFunc(ctx, schema.Pool, func(tx pgx.Tx) error { return rolledBack(ctx, tx, recorded) }))
	require.NoError(t, pgx.BeginFunc(ctx, schema.Pool, func(tx pgx.Tx) error { return h(ctx, tx, recorded) }))
	var n int
	require.NoError(t, schema.Pool.QueryRow(ctx, `select count(*) from processed_events where consumer = 'auditor'`).Scan(&n))
	require.Equal(t, 0, n)
	require.Equal(t, 2, runs)
}

// A batch handler gets each batch whole and in commit order; a batch it fails is rolled
// back and handed to it again, whole, so its effects commit once.
func TestBatchHandlerGetsWholeBatchesAndRetriesAFailedOne(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	handler := effects(t, schema)
	appended := map[uuid.UUID]bool{}
	appendTracked(t, store, "s-1", 10, appended)

	var mu sync.Mutex
	var sizes []int
	var failed atomic.Bool
	runSubscription(t, store, eventstore.Subscription{Name: "batches", BatchSize: 4,
		HandleBatch: func(ctx context.Context, tx pgx.Tx, events []eventstore.RecordedEvent) error {
			for _, e := range events {
				if err := handler(ctx, tx, e); err != nil {
					return err
				}
			}
			if events[0].StreamPosition == 5 && failed.CompareAndSwap(false, true) {
				return fmt.Errorf("broker unavailable") // after the effects: they roll back
			}
			mu.Lock()
			sizes = append(sizes, len(events))
			mu.Unlock()
			return nil
		}})
	waitForEffects(t, schema, 10)
	drain(t, store, schema, appended)
	requireExactlyOnceInOrder(t, effectRows(t, schema), appended)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []int{4, 4, 2, 1}, sizes, "the ten events, then the marker")
	require.True(t, failed.Load())
}

func TestSubscriptionNeedsExactlyOneHandler(t *testing.T) {
	t.Parallel()
	store, _ := storetest.New(t)
	noop := func(context.Context, pgx.Tx, eventstore.RecordedEvent) error { return nil }
	noopBatch := func(context.Context, pgx.Tx, []eventstore.RecordedEvent) error { return nil }
	for _, sub := range []eventstore.Subscription{{Name: "none"},
		{Name: "both", Handler: noop, HandleBatch: noopBatch}} {
		require.ErrorIs(t, store.Subscribe(context.Background(), sub), eventstore.ErrInvalidInput, sub.Name)
	}
}

// Behind counts the events matching a subscription's filter that its checkpoint has not
// reached, and the age of the oldest; everything is behind a subscription that never ran.
func TestBehindCountsWhatASubscriptionHasNotHandled(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	ctx := context.Background()
	_, err := store.Append(ctx, "a-1", eventstore.NoStream(), events(3, "Wanted")...)
	require.NoError(t, err)
	_, err = store.Append(ctx, "b-1", eventstore.NoStream(), append(events(2, "Wanted"), events(2, "Other")...)...)
	require.NoError(t, err)
	time.Sleep(10 * time.Millisecond)

	for _, c := range []struct {
		filter eventstore.Filter
		want   int64
	}{{eventstore.Filter{}, 7}, {eventstore.Filter{Category: "a"}, 3}, {eventstore.Filter{Types: []string{"Wanted"}}, 5},
		{eventstore.Filter{Category: "b", Types: []string{"Other"}}, 2}} {
		events, age, err := eventstore.Behind(ctx, schema.Pool, "never-ran", c.filter)
		require.NoError(t, err)
		require.Equal(t, c.want, events, "%+v", c.filter)
		require.Greater(t, age, time.Duration(0))
	}

	stop := runSubscription(t, store, eventstore.Subscription{Name: "wanted", Filter: eventstore.Filter{Types: []string{"Wanted"}},
		Handler: func(context.Context, pgx.Tx, eventstore.RecordedEvent) error { return nil }})
	require.Eventually(t, func() bool {
		n, age, err := eventstore.Behind(ctx, schema.Pool, "wanted", eventstore.Filter{Types: []string{"Wanted"}})
		return err == nil && n == 0 && age == 0
	}, 10*time.Second, 10*time.Millisecond)
	stop()
	_, err = store.Append(ctx, "a-2", eventstore.NoStream(), events(1, "Wanted")...)
	require.NoError(t, err)
	n, _, err := eventstore.Behind(ctx, schema.Pool, "wanted", eventstore.Filter{Types: []string{"Wanted"}})
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
}
