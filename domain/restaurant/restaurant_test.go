package restaurant_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/domaintest"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/restaurant"
)

var (
	restaurantID = uuid.MustParse("44444444-4444-4444-8444-444444444444")

	pizza = restaurant.MenuItem{ID: "pizza", Name: "Pizza", Price: eur(1250)}
	pasta = restaurant.MenuItem{ID: "pasta", Name: "Pasta", Price: eur(900)}
	salad = restaurant.MenuItem{ID: "salad-1", Name: "Salad", Price: eur(550)}

	created = restaurant.RestaurantCreated{
		RestaurantID: restaurantID, Name: "Luigi's", AutoAccept: true, AcceptanceTimeoutSeconds: 300,
		Menu: []restaurant.MenuItem{pizza, pasta},
	}
	opened  = restaurant.RestaurantOpened{RestaurantID: restaurantID}
	closed  = restaurant.RestaurantClosed{RestaurantID: restaurantID}
	revised = restaurant.MenuRevised{RestaurantID: restaurantID, Menu: []restaurant.MenuItem{salad}}
)

func eur(c int64) money.Money { return money.Money{Cents: c, Currency: "EUR"} }

func TestStreamName(t *testing.T) {
	require.Equal(t, "restaurant-44444444-4444-4444-8444-444444444444", restaurant.StreamName(restaurantID))
	require.Equal(t, "restaurant", restaurant.Category)
}

func TestFold(t *testing.T) {
	base := restaurant.State{ID: restaurantID, Name: "Luigi's", AutoAccept: true, AcceptanceTimeoutSeconds: 300,
		Menu: []restaurant.MenuItem{pizza, pasta}}
	withOpen := func(s restaurant.State, open bool) restaurant.State { s.Open = open; return s }
	withMenu := func(s restaurant.State, m ...restaurant.MenuItem) restaurant.State { s.Menu = m; return s }
	tests := []struct {
		name    string
		history []event.Event
		want    restaurant.State
	}{
		{"nothing", nil, restaurant.State{}},
		{"created starts closed", []event.Event{created}, base},
		{"opened", []event.Event{created, opened}, withOpen(base, true)},
		{"closed", []event.Event{created, opened, closed}, base},
		{"menu revised", []event.Event{created, opened, revised}, withMenu(withOpen(base, true), salad)},
		{"foreign event ignored", []event.Event{created, opened, domaintest.Foreign{}}, withOpen(base, true)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, restaurant.Fold(tt.history...))
		})
	}
}

func TestFoldDoesNotShareTheEventsMenu(t *testing.T) {
	e := restaurant.MenuRevised{RestaurantID: restaurantID, Menu: []restaurant.MenuItem{salad}}
	s := restaurant.Fold(created, e)
	e.Menu[0].Name = "changed"
	require.Equal(t, "Salad", s.Menu[0].Name)
}

func TestStateHelpers(t *testing.T) {
	s := restaurant.Fold(created)
	require.True(t, s.Exists())
	require.False(t, restaurant.State{}.Exists())
	require.Equal(t, 5*time.Minute, s.AcceptanceTimeout())
	item, ok := s.MenuItem("pasta")
	require.True(t, ok)
	require.Equal(t, pasta, item)
	_, ok = s.MenuItem("sushi")
	require.False(t, ok)
	require.Equal(t, "EUR", s.Currency(), "the menu's")
	require.Equal(t, restaurant.StatusClosed, s.Status())
	require.Equal(t, restaurant.StatusOpen, restaurant.Fold(created, opened).Status())
	require.Equal(t, "", restaurant.State{}.Currency())
}

func validCreate() restaurant.CreateCommand {
	return restaurant.CreateCommand{
		ID: restaurantID, Name: " Luigi's ", AutoAccept: true, AcceptanceTimeoutSeconds: 300,
		Menu: []restaurant.MenuItem{{ID: "pizza", Name: " Pizza", Price: eur(1250)}, pasta},
	}
}

func TestCreate(t *testing.T) {
	got, err := restaurant.Create(restaurant.State{}, validCreate())
	domaintest.Check(t, domaintest.Outcome{Events: []event.Event{created, opened}}, got, err)

	got, err = restaurant.Create(restaurant.Fold(created), validCreate())
	domaintest.Check(t, domaintest.Outcome{Code: domain.CodeInvalidStateTransition}, got, err)
}

func TestCreateValidation(t *testing.T) {
	manyItems := make([]restaurant.MenuItem, 501)
	for i := range manyItems {
		manyItems[i] = restaurant.MenuItem{ID: strings.Repeat("x", 1+i%60) + string(rune('a'+i%26)), Name: "x", Price: eur(1)}
	}
	tests := []struct {
		name   string
		edit   func(*restaurant.CreateCommand)
		fields []domain.FieldError
	}{
		{"missing id", func(c *restaurant.CreateCommand) { c.ID = uuid.Nil },
			[]domain.FieldError{{Field: "id", Message: "is required"}}},
		{"blank name", func(c *restaurant.CreateCommand) { c.Name = "  " },
			[]domain.FieldError{{Field: "name", Message: "is required"}}},
		{"long name", func(c *restaurant.CreateCommand) { c.Name = strings.Repeat("n", 201) },
			[]domain.FieldError{{Field: "name", Message: "must be at most 200 characters"}}},
		{"timeout zero", func(c *restaurant.CreateCommand) { c.AcceptanceTimeoutSeconds = 0 },
			[]domain.FieldError{{Field: "acceptance_timeout_seconds", Message: "must be between 1 and 86400"}}},
		{"timeout above a day", func(c *restaurant.CreateCommand) { c.AcceptanceTimeoutSeconds = 86401 },
			[]domain.FieldError{{Field: "acceptance_timeout_seconds", Message: "must be between 1 and 86400"}}},
		{"empty menu", func(c *restaurant.CreateCommand) { c.Menu = nil },
			[]domain.FieldError{{Field: "menu", Message: "must have between 1 and 500 items"}}},
		{"menu too long", func(c *restaurant.CreateCommand) { c.Menu = manyItems },
			[]domain.FieldError{{Field: "menu", Message: "must have between 1 and 500 items"}}},
		{"bad items", func(c *restaurant.CreateCommand) {
			c.Menu = []restaurant.MenuItem{
				pizza,
				{ID: "", Name: "", Price: eur(0)},
				{ID: "pizza", Name: "Again", Price: eur(-1)},
				{ID: "has space", Name: "x", Price: money.Money{Cents: 1, Currency: "USD"}},
				{ID: strings.Repeat("i", 65), Name: strings.Repeat("n", 201), Price: eur(1)},
			}
		}, []domain.FieldError{
			{Field: "menu[1].id", Message: "is required"},
			{Field: "menu[1].name", Message: "is required"},
			{Field: "menu[1].price_cents", Message: "must be greater than 0"},
			{Field: "menu[2].id", Message: "duplicates menu[0].id"},
			{Field: "menu[2].price_cents", Message: "must be greater than 0"},
			{Field: "menu[3].id", Message: "may contain only letters, digits, '_' and '-'"},
			{Field: "menu[3].price_cents", Message: `currency "USD" differs from the menu's "EUR"`},
			{Field: "menu[4].id", Message: "must be at most 64 characters"},
			{Field: "menu[4].name", Message: "must be at most 200 characters"},
		}},
		{"invalid currency", func(c *restaurant.CreateCommand) {
			c.Menu = []restaurant.MenuItem{{ID: "a", Name: "A", Price: money.Money{Cents: 1, Currency: "eur"}}}
		}, []domain.FieldError{{Field: "currency", Message: "must be a 3-letter uppercase ISO 4217 code"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := validCreate()
			tt.edit(&cmd)
			got, err := restaurant.Create(restaurant.State{}, cmd)
			require.Nil(t, got)
			require.ErrorIs(t, err, domain.ErrValidation)
			require.Equal(t, tt.fields, domaintest.FieldsOf(t, err))
		})
	}
}

func TestCreateAcceptsBoundaries(t *testing.T) {
	menu := make([]restaurant.MenuItem, 500)
	for i := range menu {
		menu[i] = restaurant.MenuItem{ID: "item_" + strings.Repeat("9", i%50) + "-" + string(rune('a'+i/50)) + string(rune('a'+i%26)), Name: "x", Price: eur(1)}
	}
	cmd := validCreate()
	cmd.AcceptanceTimeoutSeconds = 86400
	cmd.Menu = menu
	cmd.Menu[0].ID = strings.Repeat("Z", 64)
	got, err := restaurant.Create(restaurant.State{}, cmd)
	require.NoError(t, err)
	require.Len(t, got, 2)

	cmd.AcceptanceTimeoutSeconds = 1
	_, err = restaurant.Create(restaurant.State{}, cmd)
	require.NoError(t, err)
}

func TestReviseMenu(t *testing.T) {
	tests := []struct {
		name    string
		history []event.Event
		menu    []restaurant.MenuItem
		want    domaintest.Outcome
	}{
		{"new menu", []event.Event{created, opened}, []restaurant.MenuItem{{ID: "salad-1", Name: " Salad ", Price: eur(550)}},
			domaintest.Outcome{Events: []event.Event{revised}}},
		{"same menu", []event.Event{created}, []restaurant.MenuItem{pizza, pasta}, domaintest.Outcome{}},
		{"same menu after revision", []event.Event{created, revised}, []restaurant.MenuItem{salad}, domaintest.Outcome{}},
		{"invalid menu", []event.Event{created}, nil, domaintest.Outcome{Code: domain.CodeValidationFailed}},
		{"no restaurant", nil, []restaurant.MenuItem{salad}, domaintest.Outcome{Code: domain.CodeRestaurantNotFound}},
		{"another currency", []event.Event{created, opened},
			[]restaurant.MenuItem{{ID: "salad-1", Name: "Salad", Price: money.Money{Cents: 550, Currency: "USD"}}},
			domaintest.Outcome{Code: domain.CodeCurrencyMismatch}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := restaurant.ReviseMenu(restaurant.Fold(tt.history...), tt.menu)
			domaintest.Check(t, tt.want, got, err)
		})
	}
}

func TestOpenAndClose(t *testing.T) {
	tests := []struct {
		name    string
		decide  func(restaurant.State) ([]event.Event, error)
		history []event.Event
		want    domaintest.Outcome
	}{
		{"open a closed restaurant", restaurant.Open, []event.Event{created, opened, closed}, domaintest.Outcome{Events: []event.Event{opened}}},
		{"open an open restaurant", restaurant.Open, []event.Event{created, opened}, domaintest.Outcome{}},
		{"open nothing", restaurant.Open, nil, domaintest.Outcome{Code: domain.CodeRestaurantNotFound}},
		{"close an open restaurant", restaurant.Close, []event.Event{created, opened}, domaintest.Outcome{Events: []event.Event{closed}}},
		{"close a closed restaurant", restaurant.Close, []event.Event{created, opened, closed}, domaintest.Outcome{}},
		{"close nothing", restaurant.Close, nil, domaintest.Outcome{Code: domain.CodeRestaurantNotFound}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decide(restaurant.Fold(tt.history...))
			domaintest.Check(t, tt.want, got, err)
		})
	}
}

func TestPriceOrder(t *testing.T) {
	open := restaurant.Fold(created, opened)
	got, err := restaurant.PriceOrder(open, []restaurant.OrderLine{{MenuItemID: "pizza", Quantity: 2}, {MenuItemID: "pasta", Quantity: 1}})
	require.NoError(t, err)
	require.Equal(t, restaurant.Priced{
		Lines: []restaurant.PricedLine{
			{MenuItemID: "pizza", Name: "Pizza", Quantity: 2, UnitPrice: eur(1250), Total: eur(2500)},
			{MenuItemID: "pasta", Name: "Pasta", Quantity: 1, UnitPrice: eur(900), Total: eur(900)},
		},
		Total: eur(3400),
	}, got)
}

func TestPriceOrderUsesTheCurrentMenu(t *testing.T) {
	s := restaurant.Fold(created, opened, revised)
	_, err := restaurant.PriceOrder(s, []restaurant.OrderLine{{MenuItemID: "pizza", Quantity: 1}})
	require.ErrorIs(t, err, domain.ErrMenuItemNotFound)
	got, err := restaurant.PriceOrder(s, []restaurant.OrderLine{{MenuItemID: "salad-1", Quantity: 99}})
	require.NoError(t, err)
	require.Equal(t, eur(550*99), got.Total)
}

func TestPriceOrderRefusals(t *testing.T) {
	open := restaurant.Fold(created, opened)
	fifty := make([]restaurant.OrderLine, 51)
	for i := range fifty {
		fifty[i] = restaurant.OrderLine{MenuItemID: "pizza", Quantity: 1}
	}
	tests := []struct {
		name   string
		state  restaurant.State
		lines  []restaurant.OrderLine
		code   domain.Code
		fields []domain.FieldError
	}{
		{"no restaurant", restaurant.State{}, []restaurant.OrderLine{{MenuItemID: "pizza", Quantity: 1}}, domain.CodeRestaurantNotFound, nil},
		{"closed", restaurant.Fold(created), []restaurant.OrderLine{{MenuItemID: "pizza", Quantity: 1}}, domain.CodeRestaurantClosed, nil},
		{"closed again", restaurant.Fold(created, opened, closed), []restaurant.OrderLine{{MenuItemID: "pizza", Quantity: 1}}, domain.CodeRestaurantClosed, nil},
		{"no lines", open, nil, domain.CodeValidationFailed,
			[]domain.FieldError{{Field: "items", Message: "must have between 1 and 50 items"}}},
		{"51 lines", open, fifty, domain.CodeValidationFailed,
			[]domain.FieldError{{Field: "items", Message: "must have between 1 and 50 items"}}},
		{"bad lines", open, []restaurant.OrderLine{
			{MenuItemID: "pizza", Quantity: 0},
			{MenuItemID: "pasta", Quantity: 100},
			{MenuItemID: "", Quantity: 1},
			{MenuItemID: "pizza", Quantity: 1},
		}, domain.CodeValidationFailed, []domain.FieldError{
			{Field: "items[0].quantity", Message: "must be between 1 and 99"},
			{Field: "items[1].quantity", Message: "must be between 1 and 99"},
			{Field: "items[2].menu_item_id", Message: "is required"},
			{Field: "items[3].menu_item_id", Message: "duplicates items[0].menu_item_id; order a larger quantity instead"},
		}},
		{"unknown items", open, []restaurant.OrderLine{
			{MenuItemID: "sushi", Quantity: 1},
			{MenuItemID: "pizza", Quantity: 1},
			{MenuItemID: "ramen", Quantity: 2},
		}, domain.CodeMenuItemNotFound, []domain.FieldError{
			{Field: "items[0].menu_item_id", Message: `"sushi" is not on the menu`},
			{Field: "items[2].menu_item_id", Message: `"ramen" is not on the menu`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := restaurant.PriceOrder(tt.state, tt.lines)
			require.Equal(t, restaurant.Priced{}, got)
			domaintest.Refused(t, err, tt.code, tt.fields)
		})
	}
}

func TestPriceOrderOverflow(t *testing.T) {
	huge := restaurant.RestaurantCreated{RestaurantID: restaurantID, Name: "Gold", AcceptanceTimeoutSeconds: 1,
		Menu: []restaurant.MenuItem{
			{ID: "gold", Name: "Gold", Price: eur(math.MaxInt64 / 2)},
			{ID: "silver", Name: "Silver", Price: eur(math.MaxInt64/2 + 2)},
		}}
	s := restaurant.Fold(huge, opened)
	tests := []struct {
		name  string
		lines []restaurant.OrderLine
	}{
		{"line overflows", []restaurant.OrderLine{{MenuItemID: "gold", Quantity: 3}}},
		{"sum overflows", []restaurant.OrderLine{{MenuItemID: "gold", Quantity: 1}, {MenuItemID: "silver", Quantity: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := restaurant.PriceOrder(s, tt.lines)
			require.ErrorIs(t, err, domain.ErrValidation)
			require.Equal(t, []domain.FieldError{{Field: "items", Message: "the order total is too large"}}, domaintest.FieldsOf(t, err))
		})
	}
	got, err := restaurant.PriceOrder(s, []restaurant.OrderLine{{MenuItemID: "gold", Quantity: 2}})
	require.NoError(t, err)
	require.Equal(t, eur(math.MaxInt64-1), got.Total)
}
