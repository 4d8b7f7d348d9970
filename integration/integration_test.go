package integration_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/integration"
)

var (
	reg          = registry.New()
	orderID      = uuid.MustParse("11111111-1111-4111-8111-111111111111")
	consumerID   = uuid.MustParse("22222222-2222-4222-8222-222222222222")
	restaurantID = uuid.MustParse("33333333-3333-4333-8333-333333333333")
	recordedAt   = time.Date(2026, 11, 2, 12, 30, 0, 0, time.UTC)
	pizza        = order.Line{MenuItemID: "margherita", Name: "Pizza Margherita", Quantity: 2,
		UnitPrice: money.MustNew(900, "EUR"), Total: money.MustNew(1800, "EUR")}
	created = order.OrderCreated{OrderID: orderID, ConsumerID: consumerID, RestaurantID: restaurantID,
		Lines: []order.Line{pizza}, Total: money.MustNew(1800, "EUR"),
		DeliveryAddress: order.Address{Street: "1 Via Roma", City: "Milano", Zip: "20100"}}
)

func recorded(t *testing.T, stream string, e event.Event) eventstore.RecordedEvent {
	t.Helper()
	data, err := reg.Encode(e)
	require.NoError(t, err)
	return eventstore.RecordedEvent{ID: uuid.New(), StreamName: stream, Category: eventstore.Category(stream), StreamPosition: 1,
		Type: e.EventType(), SchemaVersion: e.SchemaVersion(), Data: data, Metadata: eventstore.Metadata{RecordedAt: recordedAt}}
}

// The published payloads, as JSON: the contract of docs/events.md, checked field by
// field so that a change to the domain's structs cannot change it unnoticed.
func TestEveryPublishedEventMapsToItsContract(t *testing.T) {
	ref := `"order_id":"` + orderID.String() + `","consumer_id":"` + consumerID.String() + `","restaurant_id":"` + restaurantID.String() + `"`
	ticketRef := `"ticket_id":"` + orderID.String() + `","order_id":"` + orderID.String() + `","restaurant_id":"` + restaurantID.String() + `"`
	orderStream, ticketStream := order.StreamName(orderID), kitchen.StreamName(orderID)
	orderOrigin, err := integration.OriginOf(reg, recorded(t, orderStream, created))
	require.NoError(t, err)
	ticketOrigin, err := integration.OriginOf(reg, recorded(t, ticketStream, kitchen.TicketCreated{TicketID: orderID, OrderID: orderID, RestaurantID: restaurantID}))
	require.NoError(t, err)
	require.Equal(t, integration.Origin{OrderID: orderID, ConsumerID: consumerID, RestaurantID: restaurantID, Currency: "EUR"}, orderOrigin)

	cases := []struct {
		e       event.Event
		subject string
		data    string
	}{
		{created, "orderflow.events.order.OrderCreated", `{` + ref + `,"lines":[{"menu_item_id":"margherita","name":"Pizza Margherita","quantity":2,"unit_price_cents":900,"total_cents":1800}],"total_cents":1800,"currency":"EUR","delivery_address":{"street":"1 Via Roma","city":"Milano","zip":"20100"}}`},
		{order.OrderApproved{OrderID: orderID}, "orderflow.events.order.OrderApproved", `{` + ref + `}`},
		{order.OrderRejected{OrderID: orderID, Reason: domain.Code("INSUFFICIENT_CREDIT"), Detail: "over the limit"}, "orderflow.events.order.OrderRejected",
			`{` + ref + `,"reason":"INSUFFICIENT_CREDIT","detail":"over the limit"}`},
		{order.OrderCanceled{OrderID: orderID, Reason: "changed my mind"}, "orderflow.events.order.OrderCanceled", `{` + ref + `,"reason":"changed my mind"}`},
		{order.OrderRevised{OrderID: orderID, Lines: []order.Line{pizza}, Total: money.MustNew(1800, "EUR")}, "orderflow.events.order.OrderRevised",
			`{` + ref + `,"lines":[{"menu_item_id":"margherita","name":"Pizza Margherita","quantity":2,"unit_price_cents":900,"total_cents":1800}],"total_cents":1800,"currency":"EUR"}`},
		{order.OrderShipped{OrderID: orderID}, "orderflow.events.order.OrderShipped", `{` + ref + `}`},
		{order.OrderDelivered{OrderID: orderID}, "orderflow.events.order.OrderDelivered", `{` + ref + `}`},
		{kitchen.TicketAccepted{TicketID: orderID}, "orderflow.events.kitchen.TicketAccepted", `{` + ticketRef + `}`},
		{kitchen.TicketRejected{TicketID: orderID, Reason: "out of rice"}, "orderflow.events.kitchen.TicketRejected", `{` + ticketRef + `,"reason":"out of rice"}`},
	}
	var types []string
	for _, c := range cases {
		t.Run(c.e.EventType(), func(t *testing.T) {
			stream, origin := orderStream, orderOrigin
			if slices.Contains([]string{"TicketAccepted", "TicketRejected"}, c.e.EventType()) {
				stream, origin = ticketStream, ticketOrigin
			}
			stored := recorded(t, stream, c.e)
			require.True(t, integration.Published(stored.Type))
			env, err := integration.Map(reg, stored, origin)
			require.NoError(t, err)
			require.Equal(t, c.subject, env.Subject(integration.DefaultSubjectPrefix))
			require.JSONEq(t, c.data, string(env.Data))
			require.Equal(t, stored.ID, env.ID)
			require.Equal(t, 1, env.SchemaVersion)
			require.Equal(t, orderID, env.OrderID)
			require.True(t, env.OccurredAt.Equal(recordedAt))
			require.Equal(t, map[string]string{"Nats-Msg-Id": stored.ID.String(), "Orderflow-Event-Type": c.e.EventType(),
				"Orderflow-Schema-Version": "1", "Orderflow-Order-Id": orderID.String(), "Content-Type": "application/json"}, env.Headers())

			// A subscriber reads back the typed payload.
			body, err := json.Marshal(env)
			require.NoError(t, err)
			back, err := integration.Decode(body)
			require.NoError(t, err)
			payload, err := back.Payload()
			require.NoError(t, err)
			again, err := json.Marshal(payload)
			require.NoError(t, err)
			require.JSONEq(t, c.data, string(again))
		})
		types = append(types, c.e.EventType())
	}
	slices.Sort(types)
	published := integration.PublishedTypes()
	slices.Sort(published)
	require.Equal(t, types, published, "every published type has a case here")
}

// Saga steps, locks and the kitchen's own progress are internal: never published.
func TestInternalEventsAreNotPublished(t *testing.T) {
	for _, typ := range reg.Types() {
		switch typ {
		case "OrderCreated", "OrderApproved", "OrderRejected", "OrderCanceled", "OrderRevised", "OrderShipped",
			"OrderDelivered", "TicketAccepted", "TicketRejected":
			require.True(t, integration.Published(typ), typ)
		default:
			require.False(t, integration.Published(typ), typ)
		}
	}
	_, err := integration.Map(reg, recorded(t, "order-"+orderID.String(), order.OrderCancelRequested{OrderID: orderID}), integration.Origin{})
	require.Error(t, err)
}

func TestDecodeRefusesWhatItCannotRead(t *testing.T) {
	_, err := integration.Decode([]byte(`not json`))
	require.ErrorIs(t, err, integration.ErrMalformed)
	_, err = integration.Decode([]byte(`{"type":"OrderApproved","schema_version":1,"data":{}}`))
	require.ErrorIs(t, err, integration.ErrMalformed, "no id")

	env := integration.Envelope{ID: uuid.New(), Type: "OrderTeleported", SchemaVersion: 1, Data: json.RawMessage(`{}`)}
	_, err = env.Payload()
	require.ErrorIs(t, err, integration.ErrUnknownType)
	env.Type, env.SchemaVersion = "OrderApproved", 2
	_, err = env.Payload()
	require.ErrorIs(t, err, integration.ErrUnsupportedVersion)
	env.SchemaVersion, env.Data = 1, json.RawMessage(`{"order_id":42}`)
	_, err = env.Payload()
	require.ErrorIs(t, err, integration.ErrMalformed)
}

// A published event whose stream has no origin (no creating event was found) is an
// error, not a message with zero ids.
func TestMappingWithoutAnOriginFails(t *testing.T) {
	_, err := integration.Map(reg, recorded(t, order.StreamName(orderID), order.OrderApproved{OrderID: orderID}), integration.Origin{})
	require.ErrorContains(t, err, "no origin")
}
