package api_test

// The HTTP surface under abuse: bounded metric labels, metrics and readiness off the
// API's listener, every refusal a problem, per-principal rate limits, and
// read-your-writes waits that only an order's own principals can make.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/projections"
	"github.com/orderflow/orderflow/workflows"
)

func withLimits(l api.Limits) harnessOption { return func(d *api.Deps) { d.Limits = l } }

// Invented methods, unknown paths and every status must not grow /metrics: each label
// takes a fixed set of values whatever clients send.
func TestMetricLabelsAreBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for i := range 300 {
		method := fmt.Sprintf("X%dFOO", i)
		for _, path := range []string{"/v1/orders", "/nope/" + strconv.Itoa(i), "/healthz"} {
			rec := h.serve(request{Method: method, Path: path, Token: h.admin()})
			require.GreaterOrEqual(t, rec.Code, 400)
		}
	}
	require.Equal(t, http.StatusOK, h.get("/healthz", "").Code)

	rec := h.adminGet("/metrics")
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	methods := map[string]bool{}
	for _, m := range regexp.MustCompile(`orderflow_http_requests_total\{[^}]*method="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		methods[m[1]] = true
	}
	require.Contains(t, methods, "other", "invented methods are counted as other")
	for m := range methods {
		require.Contains(t, []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "other"}, m)
	}
	for _, m := range regexp.MustCompile(`orderflow_http_requests_total\{[^}]*status="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		require.Regexp(t, `^[1-5]xx$`, m[1], "statuses are counted by class")
	}
	series := regexp.MustCompile(`(?m)^orderflow_http_requests_total\{`).FindAllString(body, -1)
	require.LessOrEqual(t, len(series), 10, "900 requests made %d series", len(series))
	require.Less(t, len(body), 64<<10, "/metrics grew to %d bytes", len(body))
}

// /metrics and /readyz are not on the API's listener (anyone can reach it), but on
// the admin listener's handler; /healthz, which tells nothing, is on both.
func TestMetricsAndReadinessAreOnTheAdminListenerOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, path := range []string{"/metrics", "/readyz"} {
		requireProblem(t, h.get(path, ""), http.StatusNotFound, "not-found")
		requireProblem(t, h.get(path, h.admin()), http.StatusNotFound, "not-found")
		require.Equal(t, http.StatusOK, h.adminGet(path).Code, path)
	}
	require.Equal(t, http.StatusOK, h.get("/healthz", "").Code)
	require.Equal(t, http.StatusOK, h.adminGet("/healthz").Code)

	// The admin handler's own refusals are problems too.
	rec := httptest.NewRecorder()
	h.adminHandler.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/metrics", nil))
	requireProblem(t, rec, http.StatusMethodNotAllowed, "method-not-allowed")
	requireProblem(t, h.adminGet("/v1/orders"), http.StatusNotFound, "not-found")
}

// Go's profiles are served on the admin listener when asked for (orderflow api
// --admin-pprof), and never on the API's.
func TestPprofIsOnTheAdminListenerWhenTurnedOn(t *testing.T) {
	t.Parallel()
	off := newHarness(t)
	on := newHarness(t, func(d *api.Deps) { d.Pprof = true })
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/cmdline"} {
		requireProblem(t, off.adminGet(path), http.StatusNotFound, "not-found")
		for _, h := range []*harness{off, on} {
			requireProblem(t, h.get(path, ""), http.StatusNotFound, "not-found")
			requireProblem(t, h.get(path, h.admin()), http.StatusNotFound, "not-found")
		}
		rec := on.adminGet(path)
		require.Equal(t, http.StatusOK, rec.Code, "%s: %s", path, rec.Body.String())
	}
	require.Contains(t, on.adminGet("/debug/pprof/").Body.String(), "goroutine")
	require.Contains(t, on.adminGet("/debug/pprof/goroutine?debug=1").Body.String(), "goroutine profile")
}

// A path with a trailing slash (or another spelling of a route) is a 404 problem, not
// gin's redirect with a text/html body.
func TestTrailingSlashIsAProblem(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := uuid.NewString()
	for _, r := range []request{
		{Method: http.MethodGet, Path: "/v1/orders/" + id + "/", Token: h.admin()},
		{Method: http.MethodGet, Path: "/v1/orders/" + id + "/events/", Token: h.admin()},
		{Method: http.MethodPost, Path: "/v1/orders/", Token: h.admin(), Body: map[string]any{}},
		{Method: http.MethodGet, Path: "/healthz/"},
		{Method: http.MethodGet, Path: "/V1/orders/" + id, Token: h.admin()},
		{Method: http.MethodGet, Path: "/openapi.yaml/"},
	} {
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			h.nothingWritten(func() {
				rec := h.serve(r)
				requireProblem(t, rec, http.StatusNotFound, "not-found")
				require.Empty(t, rec.Header().Get("Location"))
			})
		})
	}
	rec := h.adminGet("/metrics/")
	requireProblem(t, rec, http.StatusNotFound, "not-found")
}

// Each principal has its own request budget: past it, 429 problem+json with
// Retry-After, nothing done, and other principals unaffected. Every token of one
// consumer shares the consumer's budget.
func TestRateLimitPerPrincipal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withLimits(api.Limits{Rate: 0.2, Burst: 3}))
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	history := "/v1/consumers/" + consumerID.String() + "/orders"
	token := h.asConsumer(consumerID)
	for range 3 {
		require.Equal(t, http.StatusOK, h.get(history, token).Code)
	}
	rec := h.get(history, token)
	p := requireProblem(t, rec, http.StatusTooManyRequests, "too-many-requests")
	require.NotEmpty(t, p.Detail)
	after, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	require.NoError(t, err, "Retry-After: %q", rec.Header().Get("Retry-After"))
	require.InDelta(t, 5, after, 1, "one request every 5 s")

	// Another token of the same consumer (another subject) spends the same budget.
	other := h.token(api.Principal{Subject: "second-device", Role: api.RoleConsumer, ConsumerID: consumerID})
	requireProblem(t, h.get(history, other), http.StatusTooManyRequests, "too-many-requests")
	// A refused command is not run.
	h.nothingWritten(func() {
		requireProblem(t, h.post("/v1/orders", token, orderBody(consumerID, restaurantID)), http.StatusTooManyRequests, "too-many-requests")
	})

	// Other principals have their own budgets.
	require.Equal(t, http.StatusOK, h.get("/v1/consumers/"+uuid.NewString()+"/orders", h.admin()).Code)
	otherConsumer := uuid.New()
	require.Equal(t, http.StatusOK, h.get("/v1/consumers/"+otherConsumer.String()+"/orders", h.asConsumer(otherConsumer)).Code)
	// Without a valid token there is no principal: 401, as always.
	requireProblem(t, h.get(history, ""), http.StatusUnauthorized, "unauthenticated")
}

// A throttled POST leaves its Idempotency-Key unused: once the budget allows, the same
// request with the same key runs (it is not a replay of the 429).
func TestRateLimitedRequestLeavesItsIdempotencyKeyUnused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withLimits(api.Limits{Rate: 2, Burst: 1}))
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	token := h.asConsumer(consumerID)
	place := request{Method: http.MethodPost, Path: "/v1/orders", Token: token, Body: orderBody(consumerID, restaurantID),
		Header: map[string]string{"Idempotency-Key": "throttled-1"}}

	require.Equal(t, http.StatusOK, h.get("/v1/consumers/"+consumerID.String()+"/orders", token).Code)
	rec := h.serve(place)
	requireProblem(t, rec, http.StatusTooManyRequests, "too-many-requests")
	require.Empty(t, h.wf.startCalls())

	after, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	require.NoError(t, err)
	time.Sleep(time.Duration(after) * time.Second)
	rec = h.serve(place)
	requireJSON[placedBody](t, rec, http.StatusAccepted)
	require.Empty(t, rec.Header().Get("Idempotent-Replayed"))
	require.Len(t, h.wf.startCalls(), 1)
}

// ?min_version= authorizes before it waits: another principal's order and an id that
// does not exist are refused at once, with the same problem (only the id differs), so
// neither the answer nor its timing tells whether the id exists.
func TestMinVersionAuthorizesBeforeWaiting(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runProjector()
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	id := h.placeOrder(consumerID, restaurantID)
	h.waitOrderView(id, 1)
	missing := uuid.New()

	type answer struct {
		body     string
		duration time.Duration
	}
	ask := func(orderID uuid.UUID, token string) answer {
		start := time.Now()
		rec := h.get("/v1/orders/"+orderID.String()+"?min_version=99", token)
		d := time.Since(start)
		p := requireProblem(t, rec, http.StatusNotFound, "order-not-found")
		require.Equal(t, "ORDER_NOT_FOUND", p.Code)
		return answer{strings.ReplaceAll(rec.Body.String(), orderID.String(), "<id>"), d}
	}
	stranger, otherRestaurant := h.asConsumer(uuid.New()), h.asRestaurant(uuid.New())
	for range 3 {
		others := ask(id, stranger)
		none := ask(missing, stranger)
		require.Equal(t, none.body, others.body, "another's order and a missing one must read the same")
		require.Less(t, others.duration, time.Second, "waited %s on another's order", others.duration)
		require.Less(t, none.duration, time.Second, "waited %s on an order that does not exist", none.duration)
		require.Equal(t, none.body, ask(id, otherRestaurant).body)
		require.Less(t, ask(missing, h.admin()).duration, time.Second, "an admin waited for an order that does not exist")
	}
}

// Another principal's order reads exactly as a missing one everywhere: the read model,
// the audit trail, cancel and revise, and a ticket's actions.
func TestOthersOrdersReadAsMissing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runProjector()
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	id := h.approvedOrder(consumerID, restaurantID)
	h.waitOrderView(id, 2)
	missing := uuid.New()
	stranger := h.asConsumer(uuid.New())
	otherKitchen := h.asRestaurant(uuid.New())

	same := func(method, pathFormat, token string, body any) {
		t.Helper()
		var bodies []string
		for _, orderID := range []uuid.UUID{id, missing} {
			rec := h.serve(request{Method: method, Path: fmt.Sprintf(pathFormat, orderID), Token: token, Body: body})
			require.Equal(t, http.StatusNotFound, rec.Code, "%s %s: %s", method, pathFormat, rec.Body.String())
			bodies = append(bodies, strings.ReplaceAll(rec.Body.String(), orderID.String(), "<id>"))
		}
		require.Equal(t, bodies[1], bodies[0], "%s %s tells another's order from a missing one", method, pathFormat)
	}
	h.nothingWritten(func() {
		same(http.MethodGet, "/v1/orders/%s", stranger, nil)
		same(http.MethodGet, "/v1/orders/%s", otherKitchen, nil)
		same(http.MethodGet, "/v1/orders/%s/events", stranger, nil)
		same(http.MethodGet, "/v1/orders/%s/events", otherKitchen, nil)
		same(http.MethodPost, "/v1/orders/%s/cancel", stranger, nil)
		same(http.MethodPost, "/v1/orders/%s/revise", stranger, map[string]any{"items": []map[string]any{{"menu_item_id": "pizza", "quantity": 1}}})
		for _, action := range []string{"accept", "preparing", "ready", "picked-up"} {
			same(http.MethodPost, "/v1/tickets/%s/"+action, otherKitchen, nil)
		}
	})
}

// The consumer who has just placed an order may wait for it at once, before the
// saga's first step has written it (its workflow says whose it is); anyone else
// asking for that order is refused at once.
func TestMinVersionReadsYourWritesRightAfterPlacing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runProjector()
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	token := h.asConsumer(consumerID)
	placed := requireJSON[placedBody](t, h.post("/v1/orders", token, orderBody(consumerID, restaurantID)), http.StatusAccepted)
	path := "/v1/orders/" + placed.ID.String() + "?min_version=1"

	// Nobody else may wait for it, nor learn it exists.
	start := time.Now()
	requireProblem(t, h.get(path, h.asConsumer(uuid.New())), http.StatusNotFound, "order-not-found")
	requireProblem(t, h.get(path, h.asRestaurant(uuid.New())), http.StatusNotFound, "order-not-found")
	require.Less(t, time.Since(start), time.Second)

	// Its consumer waits while the saga's first step runs, and gets the order.
	got := make(chan *httptest.ResponseRecorder, 2)
	go func() { got <- h.get(path, token) }()
	go func() { got <- h.get(path, h.asRestaurant(restaurantID)) }()
	time.Sleep(300 * time.Millisecond)
	in := h.wf.startCalls()[0].Args[0].(workflows.PlaceOrder)
	_, err := aggregate.Execute(context.Background(), h.store, aggregate.Command[order.State]{
		Stream: order.StreamName(placed.ID), Apply: (*order.State).Apply, Metadata: sagaMeta(placed.ID, in.User, in.CommandID),
		Decide: func(s order.State) ([]event.Event, error) { return order.Create(s, in.Order) },
	})
	require.NoError(t, err)
	for range 2 {
		view := requireJSON[projections.OrderView](t, <-got, http.StatusOK)
		require.Equal(t, placed.ID, view.ID)
		require.Equal(t, int64(1), view.Version)
	}
}

// The reads waiting for a version are capped per principal (429) and in all (503),
// each with Retry-After; a wait that ended frees its place.
func TestMinVersionWaitersAreCapped(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withLimits(api.Limits{Rate: rate.Inf, MaxWaitersPerPrincipal: 1, MaxWaiters: 2, MaxVersionWait: 3 * time.Second}))
	h.runProjector()
	restaurantID := h.newRestaurant()
	first, second := h.newConsumer(), h.newConsumer()
	firstOrder, secondOrder := h.placeOrder(first, restaurantID), h.placeOrder(second, restaurantID)
	h.waitOrderView(firstOrder, 1)
	h.waitOrderView(secondOrder, 1)
	wait := func(id uuid.UUID) string { return "/v1/orders/" + id.String() + "?min_version=99" }

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for _, r := range []struct {
		id    uuid.UUID
		token string
	}{{firstOrder, h.asConsumer(first)}, {secondOrder, h.asConsumer(second)}} {
		wg.Go(func() { h.serve(request{Method: http.MethodGet, Path: wait(r.id), Token: r.token, Ctx: ctx}) })
		time.Sleep(300 * time.Millisecond) // in order: the first waits before the second asks
	}

	rec := h.get(wait(firstOrder), h.asConsumer(first))
	requireProblem(t, rec, http.StatusTooManyRequests, "too-many-requests")
	require.NotEmpty(t, rec.Header().Get("Retry-After"))
	rec = h.get(wait(firstOrder), h.admin())
	requireProblem(t, rec, http.StatusServiceUnavailable, "server-busy")
	require.NotEmpty(t, rec.Header().Get("Retry-After"))
	// Reading without a wait is not capped.
	require.Equal(t, http.StatusOK, h.get("/v1/orders/"+firstOrder.String(), h.asConsumer(first)).Code)

	cancel()
	wg.Wait()
	start := time.Now()
	view := requireJSON[projections.OrderView](t, h.get("/v1/orders/"+firstOrder.String()+"?min_version=1", h.asConsumer(first)), http.StatusOK)
	require.Equal(t, int64(1), view.Version)
	require.Less(t, time.Since(start), time.Second)
	require.Contains(t, h.adminGet("/metrics").Body.String(), `orderflow_http_throttled_total{limit="waiters"} 1`)
}
