package demo

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	openapitypes "github.com/oapi-codegen/runtime/types"

	"github.com/orderflow/orderflow/api/openapi"
	"github.com/orderflow/orderflow/internal/apiclient"
)

// world is what the scenarios order from: consumers and restaurants made by seed, with
// clients acting as each of them, and a courier.
type world struct {
	admin                    *apiclient.Client
	ada, bob, cy             party // ada can pay, bob cannot, cy is suspended
	trattoria, sushi, sleepy party // auto-accepts; answers by hand; never answers (2 s)
	courier                  *apiclient.Client
}

type party struct {
	id     uuid.UUID
	client *apiclient.Client
}

var menu = []openapi.MenuItemRequest{
	{ID: "margherita", Name: "Pizza Margherita", PriceCents: 900},
	{ID: "tiramisu", Name: "Tiramisu", PriceCents: 550},
}

func seed(ctx context.Context, admin *apiclient.Client, tokens Tokens) (*world, error) {
	w := &world{admin: admin}
	consumers := []struct {
		p      *party
		name   string
		credit int64
	}{{&w.ada, "Ada", 100_00}, {&w.bob, "Bob", 10_00}, {&w.cy, "Cy", 100_00}}
	for _, c := range consumers {
		created, err := admin.RegisterConsumerWithResponse(ctx, nil, openapi.RegisterConsumerRequest{Name: c.name,
			Email: openapitypes.Email(fmt.Sprintf("%s.%s@example.com", c.name, randomTag())), CreditLimitCents: &c.credit, Currency: "EUR"})
		if err != nil {
			return nil, fmt.Errorf("register %s: %w", c.name, err)
		}
		id := created.JSON201.ID
		token, err := tokens.Consumer(id)
		if err != nil {
			return nil, err
		}
		*c.p = party{id: id, client: admin.As(token)}
	}
	if _, err := admin.SuspendConsumerWithResponse(ctx, w.cy.id, nil,
		openapi.SuspendConsumerRequest{Reason: new("too many chargebacks")}); err != nil {
		return nil, err
	}
	restaurants := []struct {
		p       *party
		name    string
		auto    bool
		timeout int
	}{{&w.trattoria, "Trattoria", true, 60}, {&w.sushi, "Sushi Bar", false, 60}, {&w.sleepy, "Sleepy Kitchen", false, 2}}
	for _, r := range restaurants {
		created, err := admin.CreateRestaurantWithResponse(ctx, nil, openapi.CreateRestaurantRequest{Name: r.name,
			AutoAccept: &r.auto, AcceptanceTimeoutSeconds: r.timeout, Currency: new("EUR"), Menu: menu})
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", r.name, err)
		}
		id := created.JSON201.ID
		token, err := tokens.Restaurant(id)
		if err != nil {
			return nil, err
		}
		*r.p = party{id: id, client: admin.As(token)}
	}
	token, err := tokens.Courier("demo-courier")
	if err != nil {
		return nil, err
	}
	w.courier = admin.As(token)
	return w, nil
}

// order places an order of items from a restaurant as a consumer.
func (w *world) order(ctx context.Context, by, from party, items ...openapi.OrderItemRequest) (uuid.UUID, error) {
	placed, err := by.client.PlaceOrderWithResponse(ctx, nil, openapi.PlaceOrderRequest{ConsumerID: by.id,
		RestaurantID: from.id, Items: items, DeliveryAddress: openapi.Address{Street: "1 Via Roma", City: "Milano", Zip: "20100"}})
	if err != nil {
		return uuid.Nil, err
	}
	return placed.JSON202.ID, nil
}

func (w *world) waitFor(ctx context.Context, id uuid.UUID, status openapi.OrderStatus) error {
	_, err := w.admin.WaitForOrder(ctx, id, Timeout, func(o openapi.OrderView) bool { return o.Status == status })
	return err
}

// trail reads the order's audit trail.
func (w *world) trail(ctx context.Context, id uuid.UUID) ([]openapi.RecordedEvent, error) {
	resp, err := w.admin.GetOrderEventsWithResponse(ctx, id)
	if err != nil {
		return nil, err
	}
	return resp.JSON200.Events, nil
}

// waitForEvent waits until the order's audit trail holds an event of type typ.
func (w *world) waitForEvent(ctx context.Context, id uuid.UUID, typ string) error {
	return eventually(ctx, func() error {
		events, err := w.trail(ctx, id)
		if err != nil {
			return err
		}
		for _, e := range events {
			if e.Type == typ {
				return nil
			}
		}
		return &apiclient.Problem{Problem: openapi.Problem{Status: 404, Detail: new("no " + typ + " yet")}}
	})
}

func pizzas(n int) openapi.OrderItemRequest {
	return openapi.OrderItemRequest{MenuItemID: "margherita", Quantity: n}
}
