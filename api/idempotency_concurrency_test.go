package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// concurrentPosts sends bodies to path at once, all with one Idempotency-Key, each
// retried while the server says the first request with the key is still running, as
// Retry-After asks (without its wait: the tests need no pacing).
func concurrentPosts(h *harness, path, token, key string, bodies ...any) []*httptest.ResponseRecorder {
	out := make([]*httptest.ResponseRecorder, len(bodies))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, body := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			deadline := time.Now().Add(20 * time.Second)
			for {
				rec := h.serve(request{Method: http.MethodPost, Path: path, Token: token, Body: body,
					Header: map[string]string{"Idempotency-Key": key}})
				inFlight := rec.Code == http.StatusConflict && rec.Header().Get("Retry-After") != ""
				if !inFlight || time.Now().After(deadline) {
					out[i] = rec
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// pairs is how many pairs of concurrent requests a test sends, each pair with a key of
// its own, so that both orders of arrival are likely to be seen.
const pairs = 10

// orderingConsumer is a harness with a consumer and a restaurant, and the consumer's
// token.
func orderingConsumer(t *testing.T) (h *harness, token string, consumerID, restaurantID uuid.UUID) {
	t.Parallel()
	h = newHarness(t)
	consumerID, restaurantID = h.newConsumer(), h.newRestaurant()
	return h, h.asConsumer(consumerID), consumerID, restaurantID
}

// Two requests with one Idempotency-Key and one body, at the same moment: one order,
// one workflow started, and both clients are told of the same order.
func TestConcurrentOrdersWithOneKeyAndOneBodyPlaceOneOrder(t *testing.T) {
	h, token, consumerID, restaurantID := orderingConsumer(t)
	body := orderBody(consumerID, restaurantID)
	for i := range pairs {
		got := concurrentPosts(h, "/v1/orders", token, fmt.Sprintf("pair-%d", i), body, body)
		var ids []string
		for _, rec := range got {
			ids = append(ids, requireJSON[placedBody](t, rec, http.StatusAccepted).ID.String())
		}
		require.Equal(t, ids[0], ids[1], "both clients are told of the same order")
	}
	starts := map[string]int{}
	for _, s := range h.wf.startCalls() {
		starts[s.Options.ID]++
	}
	require.Len(t, starts, pairs, "one order a key")
	for id, n := range starts {
		require.Equalf(t, 1, n, "workflow %s was started %d times", id, n)
	}
}

// Two requests with one Idempotency-Key and different bodies, at the same moment: one
// places its order, the other is refused with 422 idempotency-key-reused.
func TestConcurrentOrdersWithOneKeyAndTwoBodiesPlaceOneAndRefuseTheOther(t *testing.T) {
	h, token, consumerID, restaurantID := orderingConsumer(t)
	one := orderBody(consumerID, restaurantID)
	other := orderBody(consumerID, restaurantID, map[string]any{"menu_item_id": "pasta", "quantity": 1})
	for i := range pairs {
		got := concurrentPosts(h, "/v1/orders", token, fmt.Sprintf("pair-%d", i), one, other)
		require.ElementsMatch(t, []int{http.StatusAccepted, http.StatusUnprocessableEntity}, []int{got[0].Code, got[1].Code},
			"%s / %s", got[0].Body, got[1].Body)
		for _, rec := range got {
			if rec.Code != http.StatusAccepted {
				requireProblem(t, rec, http.StatusUnprocessableEntity, "idempotency-key-reused")
			}
		}
	}
	require.Len(t, h.wf.startCalls(), pairs, "one order a key")
}
