package projections_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/internal/storetest"
	"github.com/orderflow/orderflow/projections"
)

type waited struct {
	view    projections.OrderView
	err     error
	elapsed time.Duration
}

func waitInBackground(ctx context.Context, e *env, id uuid.UUID, version int64, maxWait time.Duration) <-chan waited {
	return waitOn(ctx, e.q, id, version, maxWait)
}

// waitInBackgroundCounted is waitInBackground that also counts the wait's reads of the
// order, so that a test can tell it is under way.
func waitInBackgroundCounted(ctx context.Context, e *env, id uuid.UUID, version int64, maxWait time.Duration) (<-chan waited, *storetest.Statements) {
	reads := &storetest.Statements{Match: "where order_id = $1"}
	pool := storetest.TracedPool(e.t, e.schema.Pool, reads)
	require.NoError(e.t, pool.Ping(ctx))
	return waitOn(ctx, projections.Queries{Pool: pool}, id, version, maxWait), reads
}

func waitOn(ctx context.Context, q projections.Queries, id uuid.UUID, version int64, maxWait time.Duration) <-chan waited {
	out := make(chan waited, 1)
	go func() {
		start := time.Now()
		v, err := q.WaitForOrderVersion(ctx, id, version, maxWait)
		out <- waited{v, err, time.Since(start)}
	}()
	return out
}

// waitForReads waits until the wait has read the order n times: it is polling.
func waitForReads(t *testing.T, reads *storetest.Statements, n int64) {
	t.Helper()
	require.Eventually(t, func() bool { return reads.Count() >= n }, 10*time.Second, time.Millisecond,
		"the wait has not read the order %d times", n)
}

func TestWaitForOrderVersionReturnsAsSoonAsTheVersionIsReached(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	id := uuid.New()
	e.waitOrder(id, e.append(order.StreamName(id), orderCreated(id, uuid.New(), uuid.New())))

	result, reads := waitInBackgroundCounted(context.Background(), e, id, 2, 8*time.Second)
	waitForReads(t, reads, 2) // it found version 1 and looked again
	select {
	case r := <-result:
		t.Fatalf("returned before version 2 existed: %+v", r)
	default:
	}
	e.append(order.StreamName(id), order.OrderApproved{OrderID: id})

	r := <-result
	require.NoError(t, r.err)
	require.Equal(t, int64(2), r.view.Version)
	require.Equal(t, order.StatusApproved, r.view.Status)
	require.Less(t, r.elapsed, 4*time.Second, "it waited for the deadline instead of the version")
}

func TestWaitForOrderVersionReturnsWhatItHasWhenTheWaitRunsOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	id := uuid.New()
	e.waitOrder(id, e.append(order.StreamName(id), orderCreated(id, uuid.New(), uuid.New()), order.OrderApproved{OrderID: id}))

	r := <-waitInBackground(context.Background(), e, id, 5, 300*time.Millisecond)
	require.ErrorIs(t, r.err, projections.ErrVersionNotReached, "a wait that ran out says so")
	require.Equal(t, int64(2), r.view.Version, "the latest version it has")
	require.Equal(t, order.StatusApproved, r.view.Status)
	require.GreaterOrEqual(t, r.elapsed, 300*time.Millisecond)
	require.Less(t, r.elapsed, 3*time.Second)

	// The caller's context bounds the wait as well, with the same answer.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	r = <-waitInBackground(ctx, e, id, 5, time.Hour)
	require.ErrorIs(t, r.err, projections.ErrVersionNotReached)
	require.Equal(t, int64(2), r.view.Version)
	require.Less(t, r.elapsed, 3*time.Second)

	// A version already reached needs no waiting at all.
	r = <-waitInBackground(context.Background(), e, id, 1, time.Hour)
	require.NoError(t, r.err)
	require.Equal(t, int64(2), r.view.Version)
	require.Less(t, r.elapsed, time.Second)
}

func TestWaitForOrderVersionOfAnOrderNeverProjectedIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()

	r := <-waitInBackground(context.Background(), e, uuid.New(), 1, 250*time.Millisecond)
	requireErrorIsAll(t, r.err, projections.ErrVersionNotReached, projections.ErrNotFound, domain.ErrOrderNotFound)
	require.GreaterOrEqual(t, r.elapsed, 250*time.Millisecond, "a missing order may be on its way: it waits")
	require.Less(t, r.elapsed, 3*time.Second)
}

// An order that does not exist yet when the wait starts is picked up as soon as it is
// projected: what a client does right after POST /v1/orders.
func TestWaitForOrderVersionWaitsForAnOrderToAppear(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	id := uuid.New()

	result, reads := waitInBackgroundCounted(context.Background(), e, id, 1, 8*time.Second)
	waitForReads(t, reads, 2) // it found no order and looked again
	e.append(order.StreamName(id), orderCreated(id, uuid.New(), uuid.New()))

	r := <-result
	require.NoError(t, r.err)
	require.Equal(t, id, r.view.ID)
	require.Equal(t, int64(1), r.view.Version)
	require.Less(t, r.elapsed, 4*time.Second)
}

// lockOrderView holds an exclusive lock on the order view (what a rebuild takes) until
// the returned func is called or the test ends: every read of the view blocks.
func lockOrderView(t *testing.T, e *env) (unlock func()) {
	t.Helper()
	tx := e.begin()
	_, err := tx.Exec(context.Background(), `lock table order_view in access exclusive mode`)
	require.NoError(t, err)
	done := false
	unlock = func() {
		if !done {
			done = true
			require.NoError(t, tx.Rollback(context.Background()))
		}
	}
	t.Cleanup(unlock)
	return unlock
}

// The deadline bounds every query of the wait, not only the pauses between them: with
// the view locked, a wait of 200 ms returns after about 200 ms and says the version was
// not reached, instead of blocking on the lock and then answering an older view.
func TestWaitForOrderVersionHonoursItsDeadlineWhileAQueryBlocks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	id := uuid.New()
	e.waitOrder(id, e.append(order.StreamName(id), orderCreated(id, uuid.New(), uuid.New())))

	unlock := lockOrderView(t, e)
	release := time.AfterFunc(3*time.Second, unlock) // today's code would block until then
	defer release.Stop()
	r := <-waitInBackground(context.Background(), e, id, 2, 200*time.Millisecond)
	require.Less(t, r.elapsed, 200*time.Millisecond+500*time.Millisecond, "the wait overran its deadline")
	require.ErrorIs(t, r.err, projections.ErrVersionNotReached)
	require.NotErrorIs(t, r.err, context.DeadlineExceeded, "a wait that ran out is not a failed query")
	require.Zero(t, r.view.Version, "no view was read: nothing older is passed off as the answer")

	// The caller's own deadline ends it the same way.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	r = <-waitInBackground(ctx, e, id, 1, time.Hour)
	require.Less(t, r.elapsed, 700*time.Millisecond)
	require.ErrorIs(t, r.err, projections.ErrVersionNotReached)
}
