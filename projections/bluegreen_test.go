package projections_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/projections"
)

// readers keep reading orders and tickets while a test does something to the read
// models, and remember every failure to answer a row they had read before and every
// row that went back in time.
//
// Each reader judges a read against its own earlier reads, never another reader's:
// reads are not taken under a lock, so a read that answered "not there yet" may be
// judged after another reader has seen the row appear, and comparing the two would
// call a row new to the view one that vanished.
type readers struct {
	e       *env
	ids     []uuid.UUID
	initial map[uuid.UUID][2]int64 // order and ticket versions there when the readers started
	stop    chan struct{}
	done    sync.WaitGroup
	mu      sync.Mutex
	faults  []string
	reads   int
}

func (e *env) startReaders(ids []uuid.UUID) *readers {
	r := &readers{e: e, ids: ids, stop: make(chan struct{}), initial: map[uuid.UUID][2]int64{}}
	for _, id := range ids { // what is there now must stay there
		var versions [2]int64
		if o, err := e.q.GetOrder(context.Background(), id); err == nil {
			versions[0] = o.Version
		}
		if t, err := e.q.GetTicket(context.Background(), id); err == nil {
			versions[1] = t.Version
		}
		r.initial[id] = versions
	}
	for range 3 {
		r.done.Go(r.run)
	}
	return r
}

func (r *readers) run() {
	seen := maps.Clone(r.initial) // order and ticket versions this reader saw last
	for {
		for _, id := range r.ids {
			select {
			case <-r.stop:
				return
			default:
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			o, oerr := r.e.q.GetOrder(ctx, id)
			t, terr := r.e.q.GetTicket(ctx, id)
			cancel()
			last := seen[id]
			faults := []string{
				judgeRead("order", id, o.Version, oerr, &last[0]),
				judgeRead("ticket", id, t.Version, terr, &last[1]),
			}
			seen[id] = last
			r.mu.Lock()
			r.reads++
			for _, f := range faults {
				if f != "" {
					r.faults = append(r.faults, f)
				}
			}
			r.mu.Unlock()
		}
	}
}

// judgeRead compares one read of a row with the version the same reader saw last, and
// moves that on; it returns the fault, if the read shows one.
func judgeRead(what string, id uuid.UUID, version int64, err error, last *int64) string {
	switch {
	case errors.Is(err, projections.ErrNotFound) && *last == 0:
		return "" // not projected yet: a row that never was is not one that vanished
	case err != nil:
		return what + " " + id.String() + ": " + err.Error()
	case version < *last:
		return fmt.Sprintf("%s %s went back in time: v%d after v%d", what, id, version, *last)
	}
	*last = version
	return ""
}

// finish stops the readers and checks that every read answered and nothing went back.
func (r *readers) finish() {
	r.e.t.Helper()
	close(r.stop)
	r.done.Wait()
	require.Positive(r.e.t, r.reads)
	require.Empty(r.e.t, r.faults[:min(len(r.faults), 5)], "and %d more", max(len(r.faults)-5, 0))
}

// A rebuild replays into new tables beside the live ones and swaps them in once they
// have caught up: readers never miss a row they could read before, never see one go
// back in time, and orders placed during the rebuild show up as they would without it.
func TestReadersNeverSeeARebuildGoBackInTime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	consumer, restaurant := uuid.New(), uuid.New()
	var ids []uuid.UUID
	for range 8 {
		ids = append(ids, e.seed(consumer, restaurant)...)
	}
	e.waitCaughtUp()
	r := e.startReaders(ids)

	placing, placed := make(chan struct{}), make(chan []uuid.UUID, 1)
	go func() {
		var during []uuid.UUID
		for {
			select {
			case <-placing:
				placed <- during
				return
			default:
			}
			id := uuid.New()
			e.append(order.StreamName(id), orderCreated(id, consumer, restaurant))
			e.append(kitchen.StreamName(id), ticketCreated(id, restaurant))
			during = append(during, id)
		}
	}()
	for _, name := range projections.Names() {
		require.NoError(t, projections.Rebuild(context.Background(), e.store, name))
	}
	close(placing)
	during := <-placed
	r.finish()

	// Orders placed during the rebuild were served while it ran.
	require.NotEmpty(t, during)
	e.waitOrder(during[len(during)-1], 1)
	e.waitCaughtUp()
	for _, v := range e.allOrders() {
		e.requireOrderMatchesAggregate(v)
	}
	for _, v := range e.allTickets() {
		e.requireTicketMatchesAggregate(v)
	}
	require.Len(t, e.allOrders(), len(ids)+len(during))
	e.requireOneProcessedRecordPerEvent()
	e.requireVerified()
	require.Zero(t, e.count(`select count(*) from pg_tables where schemaname = current_schema() and tablename like '%_next'`),
		"the replaced tables are gone")
}

// A rebuild never holds the live view locked while it works: here it is made to wait
// on a processed-event record another transaction holds, and reads go on answering
// from the view as it was.
func TestARebuildThatWaitsDoesNotBlockReaders(t *testing.T) {
	t.Parallel()
	e, ids := projectedOrders(t)
	ctx := context.Background()
	holder := e.begin()
	_, err := holder.Exec(ctx, `select 1 from processed_events where consumer = $1 for update`, projections.OrderViewProjection)
	require.NoError(t, err)
	_, err = holder.Exec(ctx, `lock table processed_events in share row exclusive mode`)
	require.NoError(t, err)

	rebuilt := make(chan error, 1)
	go func() { rebuilt <- projections.Rebuild(ctx, e.store, projections.OrderViewProjection) }()
	e.schema.AwaitWaiterOn(t, holder, "the rebuild")

	for _, id := range ids {
		readCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		v, err := e.q.GetOrder(readCtx, id)
		cancel()
		require.NoError(t, err, "a read waited for the rebuild")
		require.Positive(t, v.Version)
	}
	require.NoError(t, holder.Rollback(ctx))
	require.NoError(t, <-rebuilt)
	e.requireOneProcessedRecordPerEvent()
}

// A rebuild hands over while a transaction that will write stays open: the events
// committed after that transaction began are held back from every reader of the log
// until it ends, and a rebuild that waited to see them would wait as long (on a busy
// store, for ever: there is always such a transaction). The live projection takes
// them once they can be read, in the rebuilt view.
func TestARebuildHandsOverWhileATransactionHoldsEventsBack(t *testing.T) {
	t.Parallel()
	e, ids := projectedOrders(t)
	ctx := context.Background()
	open := e.begin()
	_, err := open.Exec(ctx, `select pg_current_xact_id()`) // it has an id, as a writer does
	require.NoError(t, err)
	late := uuid.New()
	e.append(order.StreamName(late), orderCreated(late, uuid.New(), uuid.New()))

	rebuildCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, projections.Rebuild(rebuildCtx, e.store, projections.OrderViewProjection),
		"the rebuild waited for the open transaction")
	for _, id := range ids {
		v, err := e.q.GetOrder(ctx, id)
		require.NoError(t, err)
		require.Positive(t, v.Version)
	}

	require.NoError(t, open.Rollback(ctx))
	e.waitOrder(late, 1)
	e.waitCaughtUp()
	e.requireOneProcessedRecordPerEvent()
	e.requireVerified()
}

// projectedOrders is a store with a few orders, projected by a running projector.
func projectedOrders(t *testing.T) (*env, []uuid.UUID) {
	e := newEnv(t)
	e.runProjector()
	ids := e.seed(uuid.New(), uuid.New())
	e.waitCaughtUp()
	return e, ids
}

// begin opens a transaction on the test's schema, rolled back when the test ends
// unless the test ended it first.
func (e *env) begin() pgx.Tx {
	tx, err := e.schema.Pool.Begin(context.Background())
	require.NoError(e.t, err)
	e.t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	return tx
}
