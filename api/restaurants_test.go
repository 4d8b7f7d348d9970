package api_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/restaurant"
)

type restaurantBody struct {
	ID                       uuid.UUID `json:"id"`
	Name                     string    `json:"name"`
	Status                   string    `json:"status"`
	AutoAccept               bool      `json:"auto_accept"`
	AcceptanceTimeoutSeconds int       `json:"acceptance_timeout_seconds"`
	Menu                     []struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		PriceCents int64  `json:"price_cents"`
		Currency   string `json:"currency"`
	} `json:"menu"`
}

func validRestaurant() map[string]any {
	return map[string]any{
		"name": "Luigi's", "auto_accept": true, "acceptance_timeout_seconds": 120,
		"menu": []map[string]any{
			{"id": "pizza", "name": "Pizza", "price_cents": 1250},
			{"id": "pasta", "name": "Pasta", "price_cents": 900},
		},
	}
}

func TestCreateRestaurant(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	got := requireJSON[restaurantBody](t, h.post("/v1/restaurants", h.admin(), validRestaurant()), http.StatusCreated)
	require.NotEqual(t, uuid.Nil, got.ID)
	require.Equal(t, "Luigi's", got.Name)
	require.Equal(t, "OPEN", got.Status)
	require.True(t, got.AutoAccept)
	require.Equal(t, 120, got.AcceptanceTimeoutSeconds)
	require.Len(t, got.Menu, 2)
	require.Equal(t, "pizza", got.Menu[0].ID)
	require.Equal(t, int64(1250), got.Menu[0].PriceCents)
	require.Equal(t, "EUR", got.Menu[0].Currency, "a menu without a currency is in EUR")
	require.Equal(t, []string{restaurant.TypeRestaurantCreated, restaurant.TypeRestaurantOpened}, h.streamTypes(restaurant.StreamName(got.ID)))
	require.Equal(t, "admin:root", h.lastEvent(restaurant.StreamName(got.ID)).Metadata.User)

	body := validRestaurant()
	body["currency"] = "USD"
	got = requireJSON[restaurantBody](t, h.post("/v1/restaurants", h.admin(), body), http.StatusCreated)
	require.Equal(t, "USD", got.Menu[1].Currency)
}

func TestCreateRestaurantValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name   string
		edit   func(map[string]any)
		fields []domain.FieldError
	}{
		{"empty menu", func(b map[string]any) { b["menu"] = []any{} },
			[]domain.FieldError{{Field: "menu", Message: "must have between 1 and 500 items"}}},
		{"no menu", func(b map[string]any) { delete(b, "menu") },
			[]domain.FieldError{{Field: "menu", Message: "must have between 1 and 500 items"}}},
		{"duplicate item ids", func(b map[string]any) {
			b["menu"] = []map[string]any{{"id": "pizza", "name": "A", "price_cents": 1}, {"id": "pizza", "name": "B", "price_cents": 2}}
		}, []domain.FieldError{{Field: "menu[1].id", Message: "duplicates menu[0].id"}}},
		{"zero and negative prices", func(b map[string]any) {
			b["menu"] = []map[string]any{{"id": "a", "name": "A", "price_cents": 0}, {"id": "b", "name": "B", "price_cents": -100}}
		}, []domain.FieldError{
			{Field: "menu[0].price_cents", Message: "must be greater than 0"},
			{Field: "menu[1].price_cents", Message: "must be greater than 0"},
		}},
		{"item without id or name", func(b map[string]any) {
			b["menu"] = []map[string]any{{"price_cents": 100}}
		}, []domain.FieldError{
			{Field: "menu[0].id", Message: "is required"},
			{Field: "menu[0].name", Message: "is required"},
		}},
		{"item id with spaces", func(b map[string]any) {
			b["menu"] = []map[string]any{{"id": "a b", "name": "A", "price_cents": 100}}
		}, []domain.FieldError{{Field: "menu[0].id", Message: "may contain only letters, digits, '_' and '-'"}}},
		{"empty name and timeout 0", func(b map[string]any) { b["name"], b["acceptance_timeout_seconds"] = "", 0 },
			[]domain.FieldError{
				{Field: "name", Message: "is required"},
				{Field: "acceptance_timeout_seconds", Message: "must be between 1 and 86400"},
			}},
		{"bad currency", func(b map[string]any) { b["currency"] = "eur" },
			[]domain.FieldError{{Field: "currency", Message: "must be a 3-letter ISO 4217 code"}}},
		{"client-sent item currency", func(b map[string]any) {
			b["menu"] = []map[string]any{{"id": "a", "name": "A", "price_cents": 100, "currency": "USD"}}
		}, []domain.FieldError{{Field: "*currency", Message: "is not a known field"}}},
		{"price as a string", func(b map[string]any) {
			b["menu"] = []map[string]any{{"id": "a", "name": "A", "price_cents": "100"}}
		}, []domain.FieldError{{Field: "*price_cents", Message: "must be of type number"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := validRestaurant()
			tt.edit(body)
			h.nothingWritten(func() {
				requireValidation(t, h.post("/v1/restaurants", h.admin(), body), tt.fields...)
			})
		})
	}
}

func TestCreateRestaurantIsForAdminsOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for role, token := range map[string]string{"consumer": h.asConsumer(uuid.New()), "restaurant": h.asRestaurant(uuid.New())} {
		t.Run(role, func(t *testing.T) {
			h.nothingWritten(func() {
				requireProblem(t, h.post("/v1/restaurants", token, validRestaurant()), http.StatusForbidden, "forbidden")
			})
		})
	}
}

func TestOpenAndCloseRestaurant(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.newRestaurant()
	path := "/v1/restaurants/" + id.String()

	// The restaurant itself closes and opens.
	got := requireJSON[restaurantBody](t, h.post(path+"/close", h.asRestaurant(id), nil), http.StatusOK)
	require.Equal(t, "CLOSED", got.Status)
	require.Equal(t, id, got.ID)
	last := h.lastEvent(restaurant.StreamName(id))
	require.Equal(t, restaurant.TypeRestaurantClosed, last.Type)
	require.Equal(t, restaurantPrincipal(id).String(), last.Metadata.User)

	h.nothingWritten(func() { // closing a closed restaurant is a no-op
		got = requireJSON[restaurantBody](t, h.post(path+"/close", h.asRestaurant(id), nil), http.StatusOK)
		require.Equal(t, "CLOSED", got.Status)
	})

	// An admin may too.
	got = requireJSON[restaurantBody](t, h.post(path+"/open", h.admin(), nil), http.StatusOK)
	require.Equal(t, "OPEN", got.Status)
	require.Equal(t, []string{restaurant.TypeRestaurantCreated, restaurant.TypeRestaurantOpened,
		restaurant.TypeRestaurantClosed, restaurant.TypeRestaurantOpened}, h.streamTypes(restaurant.StreamName(id)))
}

func TestOpenAndCloseRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.newRestaurant()
	other := h.newRestaurant()
	tests := []struct {
		name, path, token string
		status            int
		slug              string
	}{
		{"another restaurant", "/v1/restaurants/" + id.String() + "/close", h.asRestaurant(other), 404, "restaurant-not-found"},
		{"a consumer", "/v1/restaurants/" + id.String() + "/close", h.asConsumer(uuid.New()), 404, "restaurant-not-found"},
		{"unknown restaurant", "/v1/restaurants/" + uuid.NewString() + "/open", h.admin(), 404, "restaurant-not-found"},
		{"invalid uuid", "/v1/restaurants/luigis/open", h.admin(), 400, "malformed-request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.nothingWritten(func() {
				requireProblem(t, h.post(tt.path, tt.token, nil), tt.status, tt.slug)
			})
		})
	}
}
