package projections_test

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/projections"
)

// The read models' property: whatever the interleaving of writers, projector
// instances, failing handlers and rebuilds, each read model ends equal to a fresh
// replay of the store, with every event processed exactly once, and no reader ever sees
// a row go back in time or vanish. Each run draws a new random world; the seed is
// logged, and ORDERFLOW_PROPERTY_SEED replays one.
func TestReadModelsEqualAReplayWhateverHappens(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("ORDERFLOW_PROPERTY_SEED"); s != "" {
		var err error
		seed, err = strconv.ParseUint(s, 10, 64)
		require.NoError(t, err)
	}
	t.Logf("seed %d (ORDERFLOW_PROPERTY_SEED=%d replays it)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	e := newEnv(t)
	ctx := context.Background()

	// Handlers fail now and then, after writing part of their batch: recording an
	// event as processed is refused at random, in the real transaction. Only records a
	// handler makes (stamped with its transaction's time) fail, not the ones a rebuild
	// moves to the live consumer afterwards, which keep their time.
	failureRate := 0.005 + rng.Float64()*0.015
	_, err := e.schema.Pool.Exec(ctx, `create function fail_now_and_then() returns trigger language plpgsql as $$
		begin
			if new.processed_at = now() and random() < `+strconv.FormatFloat(failureRate, 'f', 3, 64)+` then
				raise exception 'injected failure';
			end if;
			return new;
		end $$;
		create trigger fail_now_and_then before insert on processed_events
			for each row execute function fail_now_and_then()`)
	require.NoError(t, err)

	// Two projector instances: one advances each projection, the other stands by.
	e.runProjector()
	e.runProjector()

	// Four writers append random histories, drawn from the saga's paths.
	writers := 4
	perWriter := 3 + rng.IntN(4)
	seeds := make([][2]uuid.UUID, writers)
	for i := range seeds {
		seeds[i] = [2]uuid.UUID{uuid.New(), uuid.New()}
	}
	var ids []uuid.UUID
	var mu sync.Mutex
	var writing sync.WaitGroup
	for w := range writers {
		writing.Go(func() {
			for range perWriter {
				written := e.seed(seeds[w][0], seeds[w][1])
				mu.Lock()
				ids = append(ids, written...)
				mu.Unlock()
			}
		})
	}

	// Rebuilds race the writers; one interrupted by an injected failure is run again,
	// as an operator would, and resumes.
	rebuilds := 1 + rng.IntN(3)
	for range rebuilds {
		name := projections.Names()[rng.IntN(len(projections.Names()))]
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			require.NoError(c, projections.Rebuild(ctx, e.store, name))
		}, 3*time.Minute, 10*time.Millisecond, "rebuild of %s", name)
	}
	writing.Wait()

	// Readers watch while the world settles and a last rebuild swaps.
	mu.Lock()
	r := e.startReaders(ids)
	mu.Unlock()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		require.NoError(c, projections.Rebuild(ctx, e.store, projections.OrderViewProjection))
	}, 3*time.Minute, 10*time.Millisecond)
	_, err = e.schema.Pool.Exec(ctx, `drop trigger fail_now_and_then on processed_events`)
	require.NoError(t, err)
	for _, name := range projections.Names() { // as an operator would, rather than wait out a backoff
		require.NoError(t, projections.Retry(ctx, e.store, name))
	}
	e.waitCaughtUp()
	r.finish()

	require.Len(t, e.allOrders(), len(ids))
	for _, v := range e.allOrders() {
		e.requireOrderMatchesAggregate(v)
	}
	for _, v := range e.allTickets() {
		e.requireTicketMatchesAggregate(v)
	}
	e.requireVerified()
	e.requireOneProcessedRecordPerEvent()
	t.Logf("%d orders by %d writers, failure rate %.3f, %d racing rebuilds", len(ids), writers, failureRate, rebuilds)
}
