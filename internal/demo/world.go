package demo

import (
	"context"
	"fmt"

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
	id     string
	client *apiclient.Client
}

var menu = []apiclient.MenuItem{
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
		created, err := admin.RegisterConsumer(ctx, c.name, fmt.Sprintf("%s.%s@example.com", c.name, randomTag()), c.credit, "EUR")
		if err != nil {
			return nil, fmt.Errorf("register %s: %w", c.name, err)
		}
		token, err := tokens.Consumer(created.ID)
		if err != nil {
			return nil, err
		}
		*c.p = party{id: created.ID, client: admin.As(token)}
	}
	if err := admin.SuspendConsumer(ctx, w.cy.id, "too many chargebacks"); err != nil {
		return nil, err
	}
	restaurants := []struct {
		p       *party
		name    string
		auto    bool
		timeout int
	}{{&w.trattoria, "Trattoria", true, 60}, {&w.sushi, "Sushi Bar", false, 60}, {&w.sleepy, "Sleepy Kitchen", false, 2}}
	for _, r := range restaurants {
		created, err := admin.CreateRestaurant(ctx, apiclient.NewRestaurant{Name: r.name, AutoAccept: r.auto,
			AcceptanceTimeoutSeconds: r.timeout, Currency: "EUR", Menu: menu})
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", r.name, err)
		}
		token, err := tokens.Restaurant(created.ID)
		if err != nil {
			return nil, err
		}
		*r.p = party{id: created.ID, client: admin.As(token)}
	}
	token, err := tokens.Courier("demo-courier")
	if err != nil {
		return nil, err
	}
	w.courier = admin.As(token)
	return w, nil
}

// order places an order of items from a restaurant as a consumer.
func (w *world) order(ctx context.Context, by, from party, items ...apiclient.Item) (string, error) {
	placed, err := by.client.PlaceOrder(ctx, apiclient.NewOrder{ConsumerID: by.id, RestaurantID: from.id, Items: items,
		DeliveryAddress: apiclient.Address{Street: "1 Via Roma", City: "Milano", Zip: "20100"}}, "")
	return placed.ID, err
}

func (w *world) waitFor(ctx context.Context, id, status string) error {
	_, err := w.admin.WaitForOrder(ctx, id, Timeout, func(o apiclient.Order) bool { return o.Status == status })
	return err
}

// waitForEvent waits until the order's audit trail holds an event of type typ.
func (w *world) waitForEvent(ctx context.Context, id, typ string) error {
	return eventually(ctx, func() error {
		events, err := w.admin.OrderEvents(ctx, id)
		if err != nil {
			return err
		}
		for _, e := range events {
			if e.Type == typ {
				return nil
			}
		}
		return &apiclient.Problem{Status: 404, Detail: "no " + typ + " yet"}
	})
}

func pizzas(n int) apiclient.Item { return apiclient.Item{MenuItemID: "margherita", Quantity: n} }
