package projections_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/projections"
)

type waited struct {
	view    projections.OrderView
	err     error
	elapsed time.Duration
}

func waitInBackground(ctx context.Context, e *env, id uuid.UUID, version int64, maxWait time.Duration) <-chan waited {
	out := make(chan waited, 1)
	go func() {
		start := time.Now()
		v, err := e.q.WaitForOrderVersion(ctx, id, version, maxWait)
		out <- waited{v, err, time.Since(start)}
	}()
	return out
}

func TestWaitForOrderVersionReturnsAsSoonAsTheVersionIsReached(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	id := uuid.New()
	e.waitOrder(id, e.append(order.StreamName(id), orderCreated(id, uuid.New(), uuid.New())))

	result := waitInBackground(context.Background(), e, id, 2, 8*time.Second)
	time.Sleep(200 * time.Millisecond)
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
	require.NoError(t, r.err)
	require.Equal(t, int64(2), r.view.Version, "the latest version it has")
	require.Equal(t, order.StatusApproved, r.view.Status)
	require.GreaterOrEqual(t, r.elapsed, 300*time.Millisecond)
	require.Less(t, r.elapsed, 3*time.Second)

	// The caller's context bounds the wait as well, with the same answer.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	r = <-waitInBackground(ctx, e, id, 5, time.Hour)
	require.NoError(t, r.err)
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
	requireErrorIsAll(t, r.err, projections.ErrNotFound, domain.ErrOrderNotFound)
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

	result := waitInBackground(context.Background(), e, id, 1, 8*time.Second)
	time.Sleep(100 * time.Millisecond)
	e.append(order.StreamName(id), orderCreated(id, uuid.New(), uuid.New()))

	r := <-result
	require.NoError(t, r.err)
	require.Equal(t, id, r.view.ID)
	require.Equal(t, int64(1), r.view.Version)
	require.Less(t, r.elapsed, 4*time.Second)
}
