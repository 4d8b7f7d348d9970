package e2e_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	openapitypes "github.com/oapi-codegen/runtime/types"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api/openapi"
	"github.com/orderflow/orderflow/internal/apiclient"
)

// address is where the tests' orders go.
var address = openapi.Address{Street: "1 Via Roma", City: "Milano", Zip: "20100"}

// registerConsumer registers a consumer with 100.00 EUR of credit, under an email of
// its own, and returns its id.
func registerConsumer(ctx context.Context, t *testing.T, admin *apiclient.Client, name string) uuid.UUID {
	t.Helper()
	resp, err := admin.RegisterConsumerWithResponse(ctx, nil, openapi.RegisterConsumerRequest{Name: name,
		Email:            openapitypes.Email(name + "." + uuid.NewString()[:8] + "@example.com"),
		CreditLimitCents: new(int64(100_00)), Currency: "EUR"})
	require.NoError(t, err)
	return resp.JSON201.ID
}

// createRestaurant creates an open restaurant with a menu in EUR, whose orders wait a
// minute for its answer unless it accepts them by itself, and returns its id.
func createRestaurant(ctx context.Context, t *testing.T, admin *apiclient.Client, name string, autoAccept bool, menu ...openapi.MenuItemRequest) uuid.UUID {
	t.Helper()
	resp, err := admin.CreateRestaurantWithResponse(ctx, nil, openapi.CreateRestaurantRequest{Name: name,
		AutoAccept: &autoAccept, AcceptanceTimeoutSeconds: 60, Currency: new("EUR"), Menu: menu})
	require.NoError(t, err)
	return resp.JSON201.ID
}

// placeOrder places an order of items from the restaurant for the consumer, to
// address, as by.
func placeOrder(ctx context.Context, by *apiclient.Client, consumer, restaurant uuid.UUID, items ...openapi.OrderItemRequest) (openapi.PlacedOrder, error) {
	resp, err := by.PlaceOrderWithResponse(ctx, nil, openapi.PlaceOrderRequest{ConsumerID: consumer,
		RestaurantID: restaurant, Items: items, DeliveryAddress: address})
	if err != nil {
		return openapi.PlacedOrder{}, err
	}
	return *resp.JSON202, nil
}
