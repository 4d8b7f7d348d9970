package registry_test

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/consumer"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/domain/restaurant"
)

var (
	id1 = uuid.MustParse("11111111-1111-4111-8111-111111111111")
	id2 = uuid.MustParse("22222222-2222-4222-8222-222222222222")
	id3 = uuid.MustParse("44444444-4444-4444-8444-444444444444")

	eur        = money.Money{Cents: 1250, Currency: "EUR"}
	eur2       = money.Money{Cents: 2500, Currency: "EUR"}
	menu       = []restaurant.MenuItem{{ID: "pizza", Name: "Pizza", Price: eur}}
	ticketLine = []kitchen.Line{{MenuItemID: "pizza", Name: "Pizza", Quantity: 2}}
	orderLines = []order.Line{{MenuItemID: "pizza", Name: "Pizza", Quantity: 2, UnitPrice: eur, Total: eur2}}
)

// samples holds one instance of every event, every field set, so a field that does
// not survive the round trip shows up.
var samples = []event.Event{
	consumer.ConsumerRegistered{ConsumerID: id1, Name: "Ann", Email: "ann@example.com"},
	consumer.ConsumerSuspended{ConsumerID: id1, Reason: "fraud"},
	consumer.ConsumerReactivated{ConsumerID: id1},
	consumer.ConsumerVerified{ConsumerID: id1, OrderID: id2},

	restaurant.RestaurantCreated{RestaurantID: id3, Name: "Luigi's", AutoAccept: true, AcceptanceTimeoutSeconds: 300, Menu: menu},
	restaurant.MenuRevised{RestaurantID: id3, Menu: menu},
	restaurant.RestaurantOpened{RestaurantID: id3},
	restaurant.RestaurantClosed{RestaurantID: id3},

	kitchen.TicketCreated{TicketID: id2, OrderID: id2, RestaurantID: id3, Lines: ticketLine},
	kitchen.TicketAccepted{TicketID: id2},
	kitchen.TicketRejected{TicketID: id2, Reason: "busy"},
	kitchen.TicketCanceled{TicketID: id2, Reason: "order canceled"},
	kitchen.TicketRevised{TicketID: id2, Lines: ticketLine},
	kitchen.TicketPreparationStarted{TicketID: id2},
	kitchen.TicketReadyForPickup{TicketID: id2},
	kitchen.TicketPickedUp{TicketID: id2},

	accounting.AccountOpened{ConsumerID: id1, CreditLimit: eur, CardLast4: "4242"},
	accounting.AccountDisabled{ConsumerID: id1, Reason: "chargeback"},
	accounting.AccountEnabled{ConsumerID: id1},
	accounting.CreditCardAuthorized{ConsumerID: id1, OrderID: id2, Amount: eur},
	accounting.CardAuthorizationDeclined{ConsumerID: id1, OrderID: id2, Amount: eur, Reason: domain.CodeInsufficientCredit},
	accounting.CardTransactionReversed{ConsumerID: id1, OrderID: id2, Amount: eur},
	accounting.CardTransactionRevised{ConsumerID: id1, OrderID: id2, OldAmount: eur, NewAmount: eur2},

	order.OrderCreated{OrderID: id2, ConsumerID: id1, RestaurantID: id3, Lines: orderLines, Total: eur2,
		DeliveryAddress: order.Address{Street: "1 Main St", City: "Springfield", Zip: "12345"}},
	order.OrderApproved{OrderID: id2},
	order.OrderRejected{OrderID: id2, Reason: domain.CodeConsumerSuspended, Detail: "suspended"},
	order.OrderCancelRequested{OrderID: id2},
	order.OrderCancelRejected{OrderID: id2, Reason: domain.CodeTicketAlreadyPickedUp, Detail: "too late"},
	order.OrderCanceled{OrderID: id2, Reason: "CONSUMER_CANCELED"},
	order.OrderRevisionProposed{OrderID: id2, Lines: orderLines, Total: eur2},
	order.OrderRevised{OrderID: id2, Lines: orderLines, Total: eur2},
	order.OrderRevisionRejected{OrderID: id2, Reason: domain.CodeInsufficientCredit, Detail: "no credit"},
	order.OrderShipped{OrderID: id2},
	order.OrderDelivered{OrderID: id2},
	order.OrderAttentionRequired{OrderID: id2, Status: order.StatusCancelPending, Saga: "CancelOrder", Step: "ReverseCard",
		Reason: domain.CodeAccountNotFound, Detail: "account not found"},
	order.OrderAttentionResolved{OrderID: id2, Status: order.StatusCanceled, Note: "refunded by hand"},
}

func TestEveryRegisteredEventHasASample(t *testing.T) {
	var names []string
	for _, e := range samples {
		names = append(names, e.EventType())
	}
	sort.Strings(names)
	require.Equal(t, names, registry.New().Types())
}

func TestRoundTripOfEveryEvent(t *testing.T) {
	r := registry.New()
	for _, in := range samples {
		t.Run(in.EventType(), func(t *testing.T) {
			requireNoZeroField(t, reflect.ValueOf(in), in.EventType())
			data, err := r.Encode(in)
			require.NoError(t, err)
			out, err := r.Decode(in.EventType(), in.SchemaVersion(), data)
			require.NoError(t, err)
			require.Equal(t, in, out)
		})
	}
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// TestJSONKeysAreSnakeCase guards the stored schema: a forgotten tag would store
// "OrderID" and break every other reader of the event store.
func TestJSONKeysAreSnakeCase(t *testing.T) {
	r := registry.New()
	for _, e := range samples {
		data, err := r.Encode(e)
		require.NoError(t, err)
		var doc any
		require.NoError(t, json.Unmarshal(data, &doc))
		walkKeys(doc, func(k string) { require.Regexp(t, snakeCase, k, "%s: key %q", e.EventType(), k) })
	}
}

func TestSchemaOfOrderCreated(t *testing.T) {
	i := slices.IndexFunc(samples, func(e event.Event) bool { return e.EventType() == order.TypeOrderCreated })
	data, err := registry.New().Encode(samples[i])
	require.NoError(t, err)
	require.JSONEq(t, `{
		"order_id": "22222222-2222-4222-8222-222222222222",
		"consumer_id": "11111111-1111-4111-8111-111111111111",
		"restaurant_id": "44444444-4444-4444-8444-444444444444",
		"lines": [{"menu_item_id": "pizza", "name": "Pizza", "quantity": 2,
			"unit_price": {"cents": 1250, "currency": "EUR"}, "total": {"cents": 2500, "currency": "EUR"}}],
		"total": {"cents": 2500, "currency": "EUR"},
		"delivery_address": {"street": "1 Main St", "city": "Springfield", "zip": "12345"}
	}`, string(data))
}

func TestDecodeErrorsThroughTheFullRegistry(t *testing.T) {
	r := registry.New()
	_, err := r.Decode("OrderTeleported", 1, []byte(`{}`))
	require.ErrorIs(t, err, event.ErrUnknownEventType)
	_, err = r.Decode(order.TypeOrderCreated, 2, []byte(`{}`))
	require.ErrorIs(t, err, event.ErrUnsupportedSchemaVersion)
	_, err = r.Decode(order.TypeOrderCreated, 1, []byte(`{"order_id": 7}`))
	require.ErrorContains(t, err, "decode OrderCreated v1")
}

func TestRegisteringTwiceIsAProgrammingError(t *testing.T) {
	r := registry.New()
	require.Panics(t, func() { registry.RegisterAll(r) })
}

func walkKeys(v any, f func(string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			f(k)
			walkKeys(child, f)
		}
	case []any:
		for _, child := range v {
			walkKeys(child, f)
		}
	}
}

// requireNoZeroField fails for a sample with an unset field, which would let a
// field lost in encoding pass the round trip unnoticed.
func requireNoZeroField(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Struct:
		if _, isUUID := v.Interface().(uuid.UUID); isUUID {
			require.False(t, v.IsZero(), path)
			return
		}
		for i := range v.NumField() {
			requireNoZeroField(t, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case reflect.Slice:
		require.NotZero(t, v.Len(), path)
		for i := range v.Len() {
			requireNoZeroField(t, v.Index(i), path)
		}
	default:
		require.False(t, v.IsZero(), path)
	}
}
