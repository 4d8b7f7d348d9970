package api_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/app"
)

// slowUpdates is Temporal taking its time over an update (a worker down or busy:
// WaitForStage Completed waits for the workflow to run it); entered hears of each
// update as it starts waiting.
type slowUpdates struct {
	*fakeWorkflows
	delay   time.Duration
	entered chan struct{}
}

func (s slowUpdates) UpdateWorkflow(ctx context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	s.entered <- struct{}{}
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.fakeWorkflows.UpdateWorkflow(ctx, o)
}

// A keyed request whose handler outlives its key's lease (Temporal slow to take the
// update) is taken over by the client's retry, and both send the cancel: as one
// update, named after the key, which Temporal runs once per workflow. A key exists
// to prevent a second effect, and it does even past its lease.
func TestARequestThatOutlivesItsLeaseSendsOneUpdate(t *testing.T) {
	t.Parallel()
	const lease = 300 * time.Millisecond
	entered := make(chan struct{}, 2)
	h := newHarness(t, func(d *api.Deps) {
		o := d.Orders.(app.OrderCommands)
		o.Workflows = slowUpdates{o.Workflows.(*fakeWorkflows), 1500 * time.Millisecond, entered}
		d.Orders = o
		d.Idempotency = api.IdempotencyOptions{Lease: lease}
	})
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	id := h.approvedOrder(consumerID, restaurantID)
	token := h.asConsumer(consumerID)
	cancel := request{Method: http.MethodPost, Path: "/v1/orders/" + id.String() + "/cancel", Token: token,
		Body: map[string]any{"reason": "changed my mind"}, Header: map[string]string{"Idempotency-Key": "cancel-once"}}

	var wg sync.WaitGroup
	codes := make([]int, 2)
	wg.Go(func() { codes[0] = h.serve(cancel).Code })
	<-entered           // the first request waits for Temporal, holding the key
	ageKeys(h, 2*lease) // past its lease: the client gave up and retries
	wg.Go(func() { codes[1] = h.serve(cancel).Code })
	wg.Wait()
	require.Equal(t, []int{http.StatusAccepted, http.StatusAccepted}, codes)
	ids := map[string]bool{}
	for _, u := range h.wf.updateCalls() {
		ids[u.UpdateID] = true
	}
	require.Len(t, ids, 1, "one Idempotency-Key, one update: %v", ids)
	require.NotContains(t, ids, "", "the update is named after the key")
}
