package order_test

import (
	"math"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/domaintest"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/restaurant"
)

func validCreate() order.CreateCommand {
	return order.CreateCommand{
		OrderID: orderID, ConsumerID: consumerID, RestaurantID: restaurantID,
		Lines: []order.Line{pizza2, pasta1}, Total: eur(3400),
		DeliveryAddress: order.Address{Street: " 1 Main St ", City: "Springfield", Zip: "12345 "},
	}
}

func TestCreate(t *testing.T) {
	got, err := order.Create(order.State{}, validCreate())
	domaintest.Check(t, domaintest.Outcome{Events: []event.Event{created}}, got, err)
}

func TestCreateFailsWhenTheOrderExists(t *testing.T) {
	for status, history := range histories {
		if status == "" {
			continue
		}
		got, err := order.Create(order.Fold(history...), validCreate())
		domaintest.Check(t, domaintest.Outcome{Code: domain.CodeInvalidStateTransition}, got, err)
	}
}

func TestCreateFromPricing(t *testing.T) {
	menu := restaurant.Fold(
		restaurant.RestaurantCreated{RestaurantID: restaurantID, Name: "Luigi's", AcceptanceTimeoutSeconds: 60,
			Menu: []restaurant.MenuItem{{ID: "pizza", Name: "Pizza", Price: eur(1250)}, {ID: "pasta", Name: "Pasta", Price: eur(900)}}},
		restaurant.RestaurantOpened{RestaurantID: restaurantID},
	)
	priced, err := restaurant.PriceOrder(menu, []restaurant.OrderLine{{MenuItemID: "pizza", Quantity: 2}, {MenuItemID: "pasta", Quantity: 1}})
	require.NoError(t, err)

	lines, total := order.LinesFromPriced(priced)
	require.Equal(t, []order.Line{pizza2, pasta1}, lines)
	require.Equal(t, eur(3400), total)

	got, err := order.Create(order.State{}, order.CreateCommand{
		OrderID: orderID, ConsumerID: consumerID, RestaurantID: restaurantID, Lines: lines, Total: total, DeliveryAddress: address,
	})
	domaintest.Check(t, domaintest.Outcome{Events: []event.Event{created}}, got, err)
}

func TestCreateValidation(t *testing.T) {
	fiftyOne := make([]order.Line, 51)
	for i := range fiftyOne {
		fiftyOne[i] = pizza2
	}
	tests := []struct {
		name   string
		edit   func(*order.CreateCommand)
		fields []domain.FieldError
	}{
		{"ids missing", func(c *order.CreateCommand) { c.OrderID, c.ConsumerID, c.RestaurantID = uuid.Nil, uuid.Nil, uuid.Nil },
			[]domain.FieldError{
				{Field: "id", Message: "is required"},
				{Field: "consumer_id", Message: "is required"},
				{Field: "restaurant_id", Message: "is required"},
			}},
		{"no lines", func(c *order.CreateCommand) { c.Lines = nil },
			[]domain.FieldError{{Field: "items", Message: "must have between 1 and 50 items"}}},
		{"51 lines", func(c *order.CreateCommand) { c.Lines = fiftyOne },
			[]domain.FieldError{{Field: "items", Message: "must have between 1 and 50 items"}}},
		{"invalid currency", func(c *order.CreateCommand) { c.Total.Currency = "" },
			[]domain.FieldError{{Field: "total", Message: "must have a 3-letter uppercase ISO 4217 currency"}}},
		{"bad lines", func(c *order.CreateCommand) {
			c.Lines = []order.Line{
				{MenuItemID: "", Name: "", Quantity: 0, UnitPrice: eur(0), Total: eur(0)},
				{MenuItemID: "x", Name: "X", Quantity: 100, UnitPrice: eur(1), Total: eur(100)},
				{MenuItemID: "x", Name: "X", Quantity: 1, UnitPrice: money.Money{Cents: 1, Currency: "USD"}, Total: money.Money{Cents: 1, Currency: "USD"}},
				{MenuItemID: "y", Name: "Y", Quantity: 2, UnitPrice: eur(5), Total: eur(11)},
			}
		}, []domain.FieldError{
			{Field: "items[0].menu_item_id", Message: "is required and at most 64 characters"},
			{Field: "items[0].name", Message: "is required"},
			{Field: "items[0].quantity", Message: "must be between 1 and 99"},
			{Field: "items[0].unit_price", Message: "must be positive and in the order's currency"},
			{Field: "items[1].quantity", Message: "must be between 1 and 99"},
			{Field: "items[2].menu_item_id", Message: "duplicates items[1].menu_item_id"},
			{Field: "items[2].unit_price", Message: "must be positive and in the order's currency"},
			{Field: "items[3].total", Message: "must equal unit_price x quantity"},
		}},
		{"total is not the sum", func(c *order.CreateCommand) { c.Total = eur(3399) },
			[]domain.FieldError{{Field: "total", Message: "must equal the sum of the lines, 34.00 EUR"}}},
		{"line total overflows", func(c *order.CreateCommand) {
			c.Lines = []order.Line{{MenuItemID: "x", Name: "X", Quantity: 2, UnitPrice: eur(math.MaxInt64), Total: eur(-2)}}
		}, []domain.FieldError{{Field: "items[0].total", Message: "must equal unit_price x quantity"}}},
		{"sum overflows", func(c *order.CreateCommand) {
			big := order.Line{MenuItemID: "x", Name: "X", Quantity: 1, UnitPrice: eur(math.MaxInt64), Total: eur(math.MaxInt64)}
			other := big
			other.MenuItemID = "y"
			c.Lines = []order.Line{big, other}
		}, []domain.FieldError{{Field: "total", Message: "is too large"}}},
		{"address missing", func(c *order.CreateCommand) { c.DeliveryAddress = order.Address{} },
			[]domain.FieldError{
				{Field: "delivery_address.street", Message: "is required"},
				{Field: "delivery_address.city", Message: "is required"},
				{Field: "delivery_address.zip", Message: "is required"},
			}},
		{"address too long", func(c *order.CreateCommand) {
			c.DeliveryAddress = order.Address{Street: strings.Repeat("s", 201), City: strings.Repeat("c", 101), Zip: strings.Repeat("1", 21)}
		}, []domain.FieldError{
			{Field: "delivery_address.street", Message: "must be at most 200 characters"},
			{Field: "delivery_address.city", Message: "must be at most 100 characters"},
			{Field: "delivery_address.zip", Message: "must be at most 20 characters"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := validCreate()
			tt.edit(&cmd)
			got, err := order.Create(order.State{}, cmd)
			require.Nil(t, got)
			require.ErrorIs(t, err, domain.ErrValidation)
			require.Equal(t, tt.fields, domaintest.FieldsOf(t, err))
		})
	}
}

func TestCreateAcceptsBoundaries(t *testing.T) {
	cmd := validCreate()
	cmd.DeliveryAddress = order.Address{Street: strings.Repeat("s", 200), City: strings.Repeat("c", 100), Zip: strings.Repeat("1", 20)}
	cmd.Lines = make([]order.Line, 50)
	for i := range cmd.Lines {
		cmd.Lines[i] = order.Line{MenuItemID: strings.Repeat("m", i+1), Name: "M", Quantity: 99, UnitPrice: eur(1), Total: eur(99)}
	}
	cmd.Total = eur(50 * 99)
	got, err := order.Create(order.State{}, cmd)
	require.NoError(t, err)
	require.Len(t, got, 1)
}

func TestCancelReasonIsValidated(t *testing.T) {
	_, err := order.Cancel(order.Fold(created), strings.Repeat("r", 501))
	require.Equal(t, []domain.FieldError{{Field: "reason", Message: "must be at most 500 characters"}}, domaintest.FieldsOf(t, err))
}
