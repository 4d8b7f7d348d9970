package api_test

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api/openapi"
)

// server serves the harness's handler over HTTP, checking every exchange against
// api/openapi.yaml as serve does.
func (h *harness) server() *httptest.Server {
	h.t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		rec := httptest.NewRecorder()
		h.handler.ServeHTTP(rec, r)
		h.contract.checkExchange(h.t, r, raw, rec)
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	h.t.Cleanup(srv.Close)
	return srv
}

// generatedClient is the client oapi-codegen generates from api/openapi.yaml, acting
// with token.
func generatedClient(t *testing.T, srv *httptest.Server, token string) *openapi.ClientWithResponses {
	t.Helper()
	c, err := openapi.NewClientWithResponses(srv.URL, openapi.WithHTTPClient(srv.Client()),
		openapi.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	require.NoError(t, err)
	return c
}

// The generated client speaks to the server: its request bodies are accepted, and
// the answers, successes and problems alike, decode into its types.
func TestGeneratedClient(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runProjector()
	srv := h.server()
	ctx := context.Background()
	admin := generatedClient(t, srv, h.admin())

	menu := []openapi.MenuItemRequest{{ID: "pizza", Name: "Pizza Margherita", PriceCents: 1250}}
	created, err := admin.CreateRestaurantWithResponse(ctx, nil, openapi.CreateRestaurantRequest{
		Name: "Luigi's", AutoAccept: new(true), AcceptanceTimeoutSeconds: 60, Menu: menu})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, created.StatusCode(), string(created.Body))
	require.NotNil(t, created.JSON201)
	require.Equal(t, "Pizza Margherita", created.JSON201.Menu[0].Name)

	registered, err := admin.RegisterConsumerWithResponse(ctx, nil, openapi.RegisterConsumerRequest{
		Name: "Ann Example", Email: "ann@example.com", CreditLimitCents: new(int64(10_000)), Currency: "EUR"})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, registered.StatusCode(), string(registered.Body))
	consumerID := registered.JSON201.ID

	consumer := generatedClient(t, srv, h.asConsumer(consumerID))
	placed, err := consumer.PlaceOrderWithResponse(ctx, nil, openapi.PlaceOrderRequest{
		ConsumerID: consumerID, RestaurantID: created.JSON201.ID,
		Items:           []openapi.OrderItemRequest{{MenuItemID: "pizza", Quantity: 2}},
		DeliveryAddress: openapi.Address{Street: "1 Main St", City: "Springfield", Zip: "12345"}})
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, placed.StatusCode(), string(placed.Body))
	require.Equal(t, int64(2500), placed.JSON202.TotalCents)

	// The fake Temporal runs no saga: the order the client reads is one the fixtures
	// record.
	id := h.placeOrder(consumerID, h.newRestaurant())
	got, err := consumer.GetOrderWithResponse(ctx, id, &openapi.GetOrderParams{MinVersion: new(int64(1))})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, got.StatusCode(), string(got.Body))
	require.Equal(t, id, got.JSON200.ID)
	require.Equal(t, openapi.OrderStatus("APPROVAL_PENDING"), got.JSON200.Status)
	require.Equal(t, int64(3400), got.JSON200.TotalCents)

	missing, err := consumer.GetOrderWithResponse(ctx, uuid.New(), nil)
	require.NoError(t, err)
	require.NotNil(t, missing.ApplicationProblemJSON404, "status %d: %s", missing.StatusCode(), missing.Body)
	require.Equal(t, problemBase+"order-not-found", missing.ApplicationProblemJSON404.Type)
}
