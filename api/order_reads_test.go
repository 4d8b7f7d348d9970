package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/consumer"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/internal/storetest"
	"github.com/orderflow/orderflow/projections"
)

func TestGetOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runProjector()
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	id := h.approvedOrder(consumerID, restaurantID)
	h.waitOrderView(id, 2)
	path := "/v1/orders/" + id.String()

	rec := h.get(path, h.asConsumer(consumerID))
	raw := requireJSON[map[string]json.RawMessage](t, rec, http.StatusOK)
	for _, field := range []string{"id", "status", "consumer_id", "restaurant_id", "items", "total_cents", "currency",
		"rejection_reason", "version", "updated_at"} {
		require.Contains(t, raw, field, "the contract's field %s", field)
	}
	require.JSONEq(t, `null`, string(raw["rejection_reason"]))

	got := decodeBody[projections.OrderView](t, rec)
	require.Equal(t, id, got.ID)
	require.Equal(t, order.StatusApproved, got.Status)
	require.Equal(t, consumerID, got.ConsumerID)
	require.Equal(t, restaurantID, got.RestaurantID)
	require.Equal(t, []projections.OrderItem{
		{MenuItemID: "pizza", Name: "Pizza Margherita", Quantity: 2, UnitPriceCents: 1250, TotalCents: 2500},
		{MenuItemID: "pasta", Name: "Pasta Carbonara", Quantity: 1, UnitPriceCents: 900, TotalCents: 900},
	}, got.Items)
	require.Equal(t, int64(3400), got.TotalCents)
	require.Equal(t, "EUR", got.Currency)
	require.Equal(t, int64(2), got.Version)
	require.WithinDuration(t, time.Now(), got.UpdatedAt, time.Minute)

	// The order's restaurant and admins see it too.
	requireJSON[projections.OrderView](t, h.get(path, h.asRestaurant(restaurantID)), http.StatusOK)
	requireJSON[projections.OrderView](t, h.get(path, h.admin()), http.StatusOK)

	// Reads write nothing and never touch Temporal.
	require.Zero(t, h.wf.calls())
}

func TestGetRejectedOrderHasItsReason(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runProjector()
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	id := h.placeOrder(consumerID, restaurantID)
	execute(h, order.StreamName(id), (*order.State).Apply, sagaMeta(id, "system", "reject"),
		func(s order.State) ([]event.Event, error) {
			return order.Reject(s, domain.CodeInsufficientCredit, "over the limit")
		})
	h.waitOrderView(id, 2)

	raw := requireJSON[map[string]json.RawMessage](t, h.get("/v1/orders/"+id.String(), h.asConsumer(consumerID)), http.StatusOK)
	require.JSONEq(t, `"REJECTED"`, string(raw["status"]))
	require.JSONEq(t, `"INSUFFICIENT_CREDIT"`, string(raw["rejection_reason"]))
}

func TestGetOrderWaitsForMinVersion(t *testing.T) {
	t.Parallel()
	reads := &storetest.Statements{Match: "where order_id = $1"} // the API's reads of one order
	h := newHarness(t, func(d *api.Deps) { d.Queries = projections.Queries{Pool: storetest.TracedPool(t, d.Pool, reads)} })
	h.runProjector()
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	id := h.placeOrder(consumerID, restaurantID)
	h.waitOrderView(id, 1)
	path := "/v1/orders/" + id.String()
	token := h.asConsumer(consumerID)

	// A version already there answers at once.
	rec := h.get(path+"?min_version=1", token)
	got := requireJSON[projections.OrderView](t, rec, http.StatusOK)
	require.Equal(t, int64(1), got.Version)
	require.Equal(t, "true", rec.Header().Get("Orderflow-Version-Reached"))
	require.Empty(t, rec.Header().Get("Retry-After"))

	// A version that arrives while the request waits is what it answers with.
	approved := make(chan error, 1)
	before := reads.Count()
	go func() {
		// Once the request has read version 1 and looked again, it is waiting.
		if !assert.Eventually(t, func() bool { return reads.Count() >= before+2 }, 10*time.Second, time.Millisecond) {
			approved <- errors.New("the request never waited")
			return
		}
		_, err := aggregate.Execute(context.Background(), h.store, aggregate.Command[order.State]{
			Stream: order.StreamName(id), Apply: (*order.State).Apply, Decide: order.Approve,
			Metadata: sagaMeta(id, "system", "approve"),
		})
		approved <- err
	}()
	start := time.Now()
	got = requireJSON[projections.OrderView](t, h.get(path+"?min_version=2", token), http.StatusOK)
	require.NoError(t, <-approved)
	require.Equal(t, int64(2), got.Version)
	require.Equal(t, order.StatusApproved, got.Status)
	require.Less(t, time.Since(start), 4*time.Second)

	// A version beyond what exists: after the wait (5 s), what there is, saying the
	// version was not reached and when to ask again.
	start = time.Now()
	rec = h.get(path+"?min_version=99", token)
	got = requireJSON[projections.OrderView](t, rec, http.StatusOK)
	require.Equal(t, int64(2), got.Version)
	require.GreaterOrEqual(t, time.Since(start), 4*time.Second, "answered before the wait ran out")
	require.Equal(t, "false", rec.Header().Get("Orderflow-Version-Reached"), "an older version passed off as the answer")
	require.Equal(t, "1", rec.Header().Get("Retry-After"))

	// A client that gives up earlier gets what there is then.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start = time.Now()
	rec = h.serve(request{Method: http.MethodGet, Path: path + "?min_version=99", Token: token, Ctx: ctx})
	require.Equal(t, int64(2), requireJSON[projections.OrderView](t, rec, http.StatusOK).Version)
	require.Less(t, time.Since(start), 3*time.Second)
	require.Equal(t, "false", rec.Header().Get("Orderflow-Version-Reached"))
}

// A wait whose reads block (the view locked, as a rebuild locks it) still ends at its
// deadline, and says it found nothing rather than answering 404 for an order that
// exists: 503 version-not-reached with Retry-After.
func TestGetOrderMinVersionEndsAtItsDeadlineWhenTheViewIsLocked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withLimits(api.Limits{Rate: rate.Inf, MaxVersionWait: 300 * time.Millisecond}))
	h.runProjector()
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	id := h.placeOrder(consumerID, restaurantID)
	h.waitOrderView(id, 1)

	tx, err := h.schema.Pool.Begin(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	_, err = tx.Exec(context.Background(), `lock table order_view in access exclusive mode`)
	require.NoError(t, err)
	unlock := time.AfterFunc(4*time.Second, func() { _ = tx.Rollback(context.Background()) })
	defer unlock.Stop()

	start := time.Now()
	rec := h.get("/v1/orders/"+id.String()+"?min_version=2", h.asConsumer(consumerID))
	require.Less(t, time.Since(start), 300*time.Millisecond+time.Second, "the wait overran its deadline")
	requireProblem(t, rec, http.StatusServiceUnavailable, "version-not-reached")
	require.Equal(t, "false", rec.Header().Get("Orderflow-Version-Reached"))
	require.Equal(t, "1", rec.Header().Get("Retry-After"))
}

func TestGetOrderRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runProjector()
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	id := h.placeOrder(consumerID, restaurantID)
	h.waitOrderView(id, 1)
	path := "/v1/orders/" + id.String()
	token := h.asConsumer(consumerID)

	tests := []struct {
		name, path, token string
		status            int
		slug              string
		fields            []string
	}{
		{"another consumer's order", path, h.asConsumer(uuid.New()), 404, "order-not-found", nil},
		{"another restaurant", path, h.asRestaurant(uuid.New()), 404, "order-not-found", nil},
		{"unknown order", "/v1/orders/" + uuid.NewString(), token, 404, "order-not-found", nil},
		{"invalid uuid", "/v1/orders/123", token, 400, "malformed-request", nil},
		{"min_version not a number", path + "?min_version=two", token, 422, "validation-failed", []string{"min_version"}},
		{"min_version negative", path + "?min_version=-1", token, 422, "validation-failed", []string{"min_version"}},
		{"min_version empty", path + "?min_version=", token, 422, "validation-failed", []string{"min_version"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := requireProblem(t, h.get(tt.path, tt.token), tt.status, tt.slug)
			if tt.fields != nil {
				require.Equal(t, tt.fields, fieldNames(p))
			}
		})
	}

	// Another consumer's order and an unknown one read the same, so ids cannot be probed.
	mine := requireProblem(t, h.get(path, h.asConsumer(uuid.New())), 404, "order-not-found")
	require.NotContains(t, mine.Detail, consumerID.String())
}

type auditTrail struct {
	Events []struct {
		ID             uuid.UUID       `json:"id"`
		Stream         string          `json:"stream"`
		StreamPosition int64           `json:"stream_position"`
		GlobalPosition int64           `json:"global_position"`
		Type           string          `json:"type"`
		SchemaVersion  int             `json:"schema_version"`
		Data           json.RawMessage `json:"data"`
		Metadata       struct {
			RecordedAt    time.Time `json:"recorded_at"`
			User          string    `json:"user"`
			CorrelationID string    `json:"correlation_id"`
			CausationID   string    `json:"causation_id"`
			WorkflowID    string    `json:"workflow_id"`
			RunID         string    `json:"run_id"`
		} `json:"metadata"`
	} `json:"events"`
}

func TestOrderEvents(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	id := h.approvedOrder(consumerID, restaurantID)
	h.approvedOrder(consumerID, restaurantID) // another order of the same consumer and restaurant
	path := "/v1/orders/" + id.String() + "/events"

	rec := h.get(path, h.asConsumer(consumerID))
	raw := requireJSON[map[string][]map[string]json.RawMessage](t, rec, http.StatusOK)
	require.NotEmpty(t, raw["events"])
	for _, field := range []string{"id", "stream", "stream_position", "global_position", "type", "data", "metadata"} {
		require.Contains(t, raw["events"][0], field)
	}
	var md map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw["events"][0]["metadata"], &md))
	for _, field := range []string{"recorded_at", "user", "correlation_id", "causation_id", "workflow_id", "run_id"} {
		require.Contains(t, md, field)
	}

	trail := decodeBody[auditTrail](t, rec)
	var types, streams []string
	for i, e := range trail.Events {
		types = append(types, e.Type)
		streams = append(streams, e.Stream)
		if i > 0 {
			require.Greater(t, e.GlobalPosition, trail.Events[i-1].GlobalPosition, "events in global order")
		}
		require.NotEqual(t, uuid.Nil, e.ID)
		require.Positive(t, e.StreamPosition)
		require.Equal(t, 1, e.SchemaVersion)
		require.True(t, json.Valid(e.Data))
		require.Equal(t, id.String(), e.Metadata.CorrelationID)
		require.Equal(t, "order-"+id.String(), e.Metadata.WorkflowID)
		require.Equal(t, "run-"+id.String()[:8], e.Metadata.RunID)
		require.NotEmpty(t, e.Metadata.CausationID)
		require.NotEmpty(t, e.Metadata.User)
		require.WithinDuration(t, time.Now(), e.Metadata.RecordedAt, time.Minute)
		require.Equal(t, time.UTC, e.Metadata.RecordedAt.Location())
	}
	// Every event of the order, its ticket, its consumer's verification and its card
	// transaction, and nothing of the other order or of the consumer's registration.
	require.Equal(t, []string{order.TypeOrderCreated, consumer.TypeConsumerVerified, kitchen.TypeTicketCreated,
		accounting.TypeCreditCardAuthorized, kitchen.TypeTicketAccepted, order.TypeOrderApproved}, types)
	require.Equal(t, []string{order.StreamName(id), consumer.StreamName(consumerID), kitchen.StreamName(id),
		accounting.StreamName(consumerID), kitchen.StreamName(id), order.StreamName(id)}, streams)
	first := trail.Events[0]
	require.Equal(t, consumerPrincipal(consumerID).String(), first.Metadata.User)
	require.Equal(t, restaurantPrincipal(restaurantID).String(), trail.Events[4].Metadata.User)
	var created order.OrderCreated
	require.NoError(t, json.Unmarshal(first.Data, &created))
	require.Equal(t, id, created.OrderID)

	// The restaurant and admins may read it; nobody else. The restaurant sees the order
	// and its ticket, not the consumer's verification or card transactions.
	var seen []string
	for _, e := range requireJSON[auditTrail](t, h.get(path, h.asRestaurant(restaurantID)), http.StatusOK).Events {
		seen = append(seen, e.Type)
	}
	require.Equal(t, []string{order.TypeOrderCreated, kitchen.TypeTicketCreated, kitchen.TypeTicketAccepted,
		order.TypeOrderApproved}, seen)
	requireJSON[auditTrail](t, h.get(path, h.admin()), http.StatusOK)
	requireProblem(t, h.get(path, h.asConsumer(uuid.New())), http.StatusNotFound, "order-not-found")
	requireProblem(t, h.get(path, h.asRestaurant(uuid.New())), http.StatusNotFound, "order-not-found")
	requireProblem(t, h.get("/v1/orders/"+uuid.NewString()+"/events", h.admin()), http.StatusNotFound, "order-not-found")
	requireProblem(t, h.get("/v1/orders/nope/events", h.admin()), http.StatusBadRequest, "malformed-request")
}

type historyPage struct {
	Orders     []projections.OrderView `json:"orders"`
	NextCursor *string                 `json:"next_cursor"`
}

func TestConsumerOrderHistory(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runProjector()
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	otherConsumer := h.newConsumer()
	var placed []uuid.UUID // oldest first
	for i := range 5 {
		id := h.placeOrder(consumerID, restaurantID)
		if i%2 == 0 {
			h.approve(id)
		}
		placed = append(placed, id)
	}
	h.placeOrder(otherConsumer, restaurantID)
	for i, id := range placed {
		h.waitOrderView(id, int64(1+(1-i%2)))
	}
	newestFirst := slices.Clone(placed)
	slices.Reverse(newestFirst)
	base := "/v1/consumers/" + consumerID.String() + "/orders"
	token := h.asConsumer(consumerID)

	// One page with everything, newest first.
	page := requireJSON[historyPage](t, h.get(base, token), http.StatusOK)
	require.Nil(t, page.NextCursor)
	require.Equal(t, newestFirst, orderIDs(page.Orders))

	// Pages of two walk the whole history once.
	var walked []uuid.UUID
	path, pages := base+"?limit=2", 0
	for {
		page := requireJSON[historyPage](t, h.get(path, token), http.StatusOK)
		pages++
		require.LessOrEqual(t, len(page.Orders), 2)
		walked = append(walked, orderIDs(page.Orders)...)
		if page.NextCursor == nil {
			break
		}
		require.NotEmpty(t, *page.NextCursor)
		path = base + "?limit=2&cursor=" + *page.NextCursor
		require.Less(t, pages, 10, "pagination does not end")
	}
	require.Equal(t, 3, pages)
	require.Equal(t, newestFirst, walked)

	// A status filter.
	page = requireJSON[historyPage](t, h.get(base+"?status=APPROVED", token), http.StatusOK)
	require.Equal(t, []uuid.UUID{placed[4], placed[2], placed[0]}, orderIDs(page.Orders))
	for _, o := range page.Orders {
		require.Equal(t, order.StatusApproved, o.Status)
	}
	page = requireJSON[historyPage](t, h.get(base+"?status=APPROVAL_PENDING&limit=1", token), http.StatusOK)
	require.Equal(t, []uuid.UUID{placed[3]}, orderIDs(page.Orders))
	require.NotNil(t, page.NextCursor)
	page = requireJSON[historyPage](t, h.get(base+"?status=APPROVAL_PENDING&limit=1&cursor="+*page.NextCursor, token), http.StatusOK)
	require.Equal(t, []uuid.UUID{placed[1]}, orderIDs(page.Orders))

	// Admins see it; a consumer without orders gets an empty list, not null.
	requireJSON[historyPage](t, h.get(base, h.admin()), http.StatusOK)
	rec := h.get("/v1/consumers/"+uuid.NewString()+"/orders", h.admin())
	require.JSONEq(t, `{"orders":[],"next_cursor":null}`, string(requireJSON[json.RawMessage](t, rec, http.StatusOK)))

	tests := []struct {
		name, path, token string
		status            int
		slug              string
		fields            []string
	}{
		{"bad cursor", base + "?cursor=not-a-cursor", token, 422, "validation-failed", []string{"cursor"}},
		{"bad status", base + "?status=COOKING", token, 422, "validation-failed", []string{"status"}},
		{"lowercase status", base + "?status=approved", token, 422, "validation-failed", []string{"status"}},
		{"limit 0", base + "?limit=0", token, 422, "validation-failed", []string{"limit"}},
		{"limit too large", base + "?limit=101", token, 422, "validation-failed", []string{"limit"}},
		{"limit not a number", base + "?limit=two", token, 422, "validation-failed", []string{"limit"}},
		{"limit given twice", base + "?limit=1&limit=2", token, 422, "validation-failed", []string{"limit"}},
		{"cursor given twice", base + "?cursor=a&cursor=b", token, 422, "validation-failed", []string{"cursor"}},
		{"another consumer", base, h.asConsumer(otherConsumer), 404, "not-found", nil},
		{"a restaurant", base, h.asRestaurant(restaurantID), 404, "not-found", nil},
		{"invalid uuid", "/v1/consumers/ann/orders", h.admin(), 400, "malformed-request", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := requireProblem(t, h.get(tt.path, tt.token), tt.status, tt.slug)
			if tt.fields != nil {
				require.Equal(t, tt.fields, fieldNames(p))
				require.Equal(t, string(domain.CodeValidationFailed), p.Code)
			}
		})
	}
}

func orderIDs(views []projections.OrderView) []uuid.UUID {
	ids := make([]uuid.UUID, len(views))
	for i, v := range views {
		ids[i] = v.ID
	}
	return ids
}
