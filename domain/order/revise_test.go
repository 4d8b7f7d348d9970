package order_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/domaintest"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
)

func TestRevisedLines(t *testing.T) {
	approvedOrder := order.Fold(created, approved)
	tests := []struct {
		name    string
		changes []order.LineChange
		lines   []order.Line
		total   money.Money
	}{
		{"raise a quantity", []order.LineChange{{MenuItemID: "pizza", Quantity: 3}},
			[]order.Line{pizza3, pasta1}, eur(4650)},
		{"remove a line", []order.LineChange{{MenuItemID: "pasta", Quantity: 0}},
			[]order.Line{pizza2}, eur(2500)},
		{"change both", []order.LineChange{{MenuItemID: "pasta", Quantity: 2}, {MenuItemID: "pizza", Quantity: 1}},
			[]order.Line{
				{MenuItemID: "pizza", Name: "Pizza", Quantity: 1, UnitPrice: eur(1250), Total: eur(1250)},
				{MenuItemID: "pasta", Name: "Pasta", Quantity: 2, UnitPrice: eur(900), Total: eur(1800)},
			}, eur(3050)},
		{"no change", []order.LineChange{{MenuItemID: "pizza", Quantity: 2}},
			[]order.Line{pizza2, pasta1}, eur(3400)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, total, err := order.RevisedLines(approvedOrder, tt.changes)
			require.NoError(t, err)
			require.Equal(t, tt.lines, lines)
			require.Equal(t, tt.total, total)
		})
	}
	require.Equal(t, []order.Line{pizza2, pasta1}, approvedOrder.Lines, "the state is not modified")
}

func TestRevisedLinesRefusals(t *testing.T) {
	approvedOrder := order.Fold(created, approved)
	tests := []struct {
		name    string
		state   order.State
		changes []order.LineChange
		code    domain.Code
		fields  []domain.FieldError
	}{
		{"no order", order.State{}, []order.LineChange{{MenuItemID: "pizza", Quantity: 1}}, domain.CodeOrderNotFound, nil},
		{"no changes", approvedOrder, nil, domain.CodeValidationFailed,
			[]domain.FieldError{{Field: "items", Message: "must have between 1 and 50 items"}}},
		{"bad changes", approvedOrder, []order.LineChange{
			{MenuItemID: "pizza", Quantity: -1},
			{MenuItemID: "pasta", Quantity: 100},
			{MenuItemID: "", Quantity: 1},
			{MenuItemID: "pizza", Quantity: 1},
		}, domain.CodeValidationFailed, []domain.FieldError{
			{Field: "items[0].quantity", Message: "must be between 0 and 99"},
			{Field: "items[1].quantity", Message: "must be between 0 and 99"},
			{Field: "items[2].menu_item_id", Message: "is required"},
			{Field: "items[3].menu_item_id", Message: "duplicates items[0].menu_item_id"},
		}},
		{"items not in the order", approvedOrder, []order.LineChange{
			{MenuItemID: "sushi", Quantity: 1}, {MenuItemID: "pizza", Quantity: 1}, {MenuItemID: "ramen", Quantity: 1},
		}, domain.CodeMenuItemNotFound, []domain.FieldError{
			{Field: "items[0].menu_item_id", Message: `"sushi" is not in this order`},
			{Field: "items[2].menu_item_id", Message: `"ramen" is not in this order`},
		}},
		{"removes everything", approvedOrder, []order.LineChange{{MenuItemID: "pizza", Quantity: 0}, {MenuItemID: "pasta", Quantity: 0}},
			domain.CodeValidationFailed,
			[]domain.FieldError{{Field: "items", Message: "a revision cannot remove every line; cancel the order instead"}}},
		{"overflows", order.Fold(order.OrderCreated{
			OrderID: orderID, ConsumerID: consumerID, RestaurantID: restaurantID, Total: eur(math.MaxInt64 / 2), DeliveryAddress: address,
			Lines: []order.Line{{MenuItemID: "gold", Name: "Gold", Quantity: 1, UnitPrice: eur(math.MaxInt64 / 2), Total: eur(math.MaxInt64 / 2)}},
		}), []order.LineChange{{MenuItemID: "gold", Quantity: 3}}, domain.CodeValidationFailed,
			[]domain.FieldError{{Field: "items", Message: "the order total is too large"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, total, err := order.RevisedLines(tt.state, tt.changes)
			require.Nil(t, lines)
			require.Equal(t, money.Money{}, total)
			domaintest.Refused(t, err, tt.code, tt.fields)
		})
	}
}

func TestProposeRevisionRefusals(t *testing.T) {
	approvedOrder := order.Fold(created, approved)
	tests := []struct {
		name   string
		lines  []order.Line
		total  money.Money
		code   domain.Code
		fields []domain.FieldError
	}{
		{"no change", []order.Line{pizza2, pasta1}, eur(3400), domain.CodeValidationFailed,
			[]domain.FieldError{{Field: "items", Message: "the revision does not change the order"}}},
		{"other currency", []order.Line{{MenuItemID: "pizza", Name: "Pizza", Quantity: 1, UnitPrice: money.Money{Cents: 1, Currency: "USD"}, Total: money.Money{Cents: 1, Currency: "USD"}}},
			money.Money{Cents: 1, Currency: "USD"}, domain.CodeCurrencyMismatch, nil},
		{"total is not the sum", []order.Line{pizza3}, eur(1), domain.CodeValidationFailed,
			[]domain.FieldError{{Field: "total", Message: "must equal the sum of the lines, 37.50 EUR"}}},
		{"no lines", nil, eur(0), domain.CodeValidationFailed,
			[]domain.FieldError{{Field: "items", Message: "must have between 1 and 50 items"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := order.ProposeRevision(approvedOrder, tt.lines, tt.total)
			require.Nil(t, got)
			domaintest.Refused(t, err, tt.code, tt.fields)
		})
	}
}

func TestReviseSagaHappyPath(t *testing.T) {
	s := order.Fold(created, approved)
	lines, total, err := order.RevisedLines(s, []order.LineChange{{MenuItemID: "pizza", Quantity: 3}})
	require.NoError(t, err)

	events, err := order.ProposeRevision(s, lines, total)
	domaintest.Check(t, domaintest.Outcome{Events: []event.Event{proposed}}, events, err)
	s.Apply(events[0])

	events, err = order.ConfirmRevision(s)
	domaintest.Check(t, domaintest.Outcome{Events: []event.Event{revised}}, events, err)
	s.Apply(events[0])

	require.Equal(t, order.StatusApproved, s.Status)
	require.Equal(t, eur(4650), s.Total)
	require.Nil(t, s.PendingRevision)
}
