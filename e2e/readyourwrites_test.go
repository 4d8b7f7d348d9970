package e2e_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/api/openapi"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/restaurant"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/apiclient"
	"github.com/orderflow/orderflow/internal/demo"
	"github.com/orderflow/orderflow/internal/pgtest"
	"github.com/orderflow/orderflow/internal/stack"
	"github.com/orderflow/orderflow/workflows"
)

// Right after the 202, before the saga's first step has written the order, its
// consumer may wait for it with ?min_version=1: the API learns whose order it is from
// the workflow's search attributes on the real Temporal server. Nobody else may wait,
// and another's order and a missing one answer alike and at once. No worker runs: the
// test writes the saga's first step itself, so the order stays not written for as long
// as it likes.
func TestReadYourWritesBeforeTheSagaHasWritten(t *testing.T) {
	ctx := context.Background()
	schema := pgtest.NewSchema(t, stack.Migrations()...)
	temporal := server.Client(t)
	tokens := api.Tokens{Secret: []byte("end-to-end-test-secret-of-32-bytes!!"), Issuer: "orderflow"}
	s := stack.New(schema.Pool, temporal, tokens, slog.New(slog.NewTextHandler(io.Discard, nil)), schema.Name)
	t.Cleanup(s.Close)
	projectorCtx, stopProjector := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { require.NoError(t, s.RunProjector(projectorCtx, nil)) })
	reg := prometheus.NewRegistry()
	apiServer := httptest.NewServer(s.APIHandler(reg))
	adminServer := httptest.NewServer(s.AdminHandler(reg))
	t.Cleanup(func() {
		apiServer.Close()
		adminServer.Close()
		stopProjector()
		wg.Wait()
	})

	// Readiness (PostgreSQL and the real Temporal) is on the admin listener, not the API.
	requireGet(t, adminServer.URL+"/readyz", "", http.StatusOK)
	requireGet(t, apiServer.URL+"/readyz", "", http.StatusNotFound)

	signed := demo.SignedTokens{Tokens: tokens}
	adminToken, err := signed.Admin()
	require.NoError(t, err)
	admin := apiclient.New(apiServer.URL, adminToken, nil)
	consumerID := registerConsumer(ctx, t, admin, "Ada")
	restaurantID := createRestaurant(ctx, t, admin, "Trattoria", true, openapi.MenuItemRequest{ID: "margherita", Name: "Margherita", PriceCents: 900})
	consumerToken, err := signed.Consumer(consumerID)
	require.NoError(t, err)
	placed, err := placeOrder(ctx, admin.As(consumerToken), consumerID, restaurantID, openapi.OrderItemRequest{MenuItemID: "margherita", Quantity: 2})
	require.NoError(t, err)
	orderID := placed.ID
	t.Cleanup(func() { _ = temporal.TerminateWorkflow(ctx, workflows.OrderWorkflowID(orderID), "", "test over") })

	// Another consumer, another restaurant, and an id nobody placed: 404 at once, alike.
	stranger, err := signed.Consumer(uuid.New())
	require.NoError(t, err)
	otherKitchen, err := signed.Restaurant(uuid.New())
	require.NoError(t, err)
	missing := uuid.NewString()
	start := time.Now()
	theirs := requireGet(t, apiServer.URL+"/v1/orders/"+orderID.String()+"?min_version=1", stranger, http.StatusNotFound)
	require.Equal(t, theirs, requireGet(t, apiServer.URL+"/v1/orders/"+orderID.String()+"?min_version=1", otherKitchen, http.StatusNotFound))
	none := requireGet(t, apiServer.URL+"/v1/orders/"+missing+"?min_version=1", stranger, http.StatusNotFound)
	require.Equal(t, strings.ReplaceAll(none, missing, "<id>"), strings.ReplaceAll(theirs, orderID.String(), "<id>"))
	require.Less(t, time.Since(start), 2*time.Second, "a refusal waited")

	// Its consumer waits, and gets the order once the saga's first step has written it.
	type answer struct {
		status int
		body   string
		err    error
	}
	got := make(chan answer, 1)
	go func() {
		status, body, err := get(apiServer.URL+"/v1/orders/"+orderID.String()+"?min_version=1", consumerToken)
		got <- answer{status, body, err}
	}()
	time.Sleep(500 * time.Millisecond)
	r, _, err := aggregate.Load(ctx, s.Store, restaurant.StreamName(restaurantID), (*restaurant.State).Apply)
	require.NoError(t, err)
	priced, err := restaurant.PriceOrder(r, []restaurant.OrderLine{{MenuItemID: "margherita", Quantity: 2}})
	require.NoError(t, err)
	lines, total := order.LinesFromPriced(priced)
	_, err = aggregate.Execute(ctx, s.Store, aggregate.Command[order.State]{
		Stream: order.StreamName(orderID), Apply: (*order.State).Apply,
		Metadata: eventstore.Metadata{User: "consumer:" + consumerID.String(), CorrelationID: orderID.String()},
		Decide: func(st order.State) ([]event.Event, error) {
			return order.Create(st, order.CreateCommand{OrderID: orderID, ConsumerID: consumerID,
				RestaurantID: restaurantID, Lines: lines, Total: total,
				DeliveryAddress: order.Address{Street: address.Street, City: address.City, Zip: address.Zip}})
		},
	})
	require.NoError(t, err)
	select {
	case a := <-got:
		require.NoError(t, a.err)
		require.Equal(t, http.StatusOK, a.status, a.body)
		require.Contains(t, a.body, `"version":1`)
		require.Contains(t, a.body, orderID.String())
	case <-time.After(10 * time.Second):
		t.Fatal("the consumer's read-your-writes wait did not answer")
	}
}

// requireGet GETs url (with a bearer token when not empty), checks the status, and
// returns the body.
func requireGet(t *testing.T, url, token string, status int) string {
	t.Helper()
	got, body, err := get(url, token)
	require.NoError(t, err)
	require.Equal(t, status, got, fmt.Sprintf("GET %s: %s", url, body))
	return body
}

func get(url, token string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}
