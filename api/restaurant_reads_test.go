package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/restaurant"
	"github.com/orderflow/orderflow/projections"
	"github.com/orderflow/orderflow/workflows"
)

// revisedMenu raises the pizza, drops the pasta and adds a salad.
func revisedMenu() map[string]any {
	return map[string]any{"menu": []map[string]any{
		{"id": "pizza", "name": "Pizza Margherita", "price_cents": 1400},
		{"id": "tiramisu", "name": "Tiramisu", "price_cents": 575},
		{"id": "salad", "name": " Green Salad ", "price_cents": 800},
	}}
}

func (h *harness) put(path, token string, body any) *httptest.ResponseRecorder {
	h.t.Helper()
	return h.serve(request{Method: http.MethodPut, Path: path, Token: token, Body: body})
}

func TestReviseMenu(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.newRestaurant()
	path := "/v1/restaurants/" + id.String() + "/menu"

	got := requireJSON[restaurantBody](t, h.put(path, h.asRestaurant(id), revisedMenu()), http.StatusOK)
	require.Equal(t, id, got.ID)
	require.Len(t, got.Menu, 3)
	require.Equal(t, "pizza", got.Menu[0].ID)
	require.Equal(t, int64(1400), got.Menu[0].PriceCents)
	require.Equal(t, "Green Salad", got.Menu[2].Name, "names are trimmed as on creation")
	for _, m := range got.Menu {
		require.Equal(t, "EUR", m.Currency, "prices are in the restaurant's currency")
	}
	last := h.lastEvent(restaurant.StreamName(id))
	require.Equal(t, restaurant.TypeMenuRevised, last.Type)
	require.Equal(t, restaurantPrincipal(id).String(), last.Metadata.User)
	var revised restaurant.MenuRevised
	require.NoError(t, json.Unmarshal(last.Data, &revised))
	require.Equal(t, []restaurant.MenuItem{
		{ID: "pizza", Name: "Pizza Margherita", Price: money.Money{Cents: 1400, Currency: "EUR"}},
		{ID: "tiramisu", Name: "Tiramisu", Price: money.Money{Cents: 575, Currency: "EUR"}},
		{ID: "salad", Name: "Green Salad", Price: money.Money{Cents: 800, Currency: "EUR"}},
	}, revised.Menu)

	// The same menu again changes nothing: PUT is idempotent.
	h.nothingWritten(func() {
		again := requireJSON[restaurantBody](t, h.put(path, h.asRestaurant(id), revisedMenu()), http.StatusOK)
		require.Equal(t, got, again)
	})

	// An admin may too; a restaurant priced in USD stays in USD.
	usd := requireJSON[restaurantBody](t, h.post("/v1/restaurants", h.admin(), map[string]any{
		"name": "Diner", "acceptance_timeout_seconds": 60, "currency": "USD",
		"menu": []map[string]any{{"id": "burger", "name": "Burger", "price_cents": 1100}},
	}), http.StatusCreated)
	got = requireJSON[restaurantBody](t, h.put("/v1/restaurants/"+usd.ID.String()+"/menu", h.admin(), revisedMenu()), http.StatusOK)
	require.Equal(t, "USD", got.Menu[0].Currency)
	require.Equal(t, "admin:root", h.lastEvent(restaurant.StreamName(usd.ID)).Metadata.User)
}

func TestReviseMenuValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.newRestaurant()
	path := "/v1/restaurants/" + id.String() + "/menu"
	tests := []struct {
		name   string
		body   any
		fields []domain.FieldError
	}{
		{"empty menu", map[string]any{"menu": []any{}},
			[]domain.FieldError{{Field: "menu", Message: "must have between 1 and 500 items"}}},
		{"no menu", map[string]any{},
			[]domain.FieldError{{Field: "menu", Message: "must have between 1 and 500 items"}}},
		{"duplicate ids and bad prices", map[string]any{"menu": []map[string]any{
			{"id": "pizza", "name": "A", "price_cents": 0}, {"id": "pizza", "name": "B", "price_cents": -1}}},
			[]domain.FieldError{
				{Field: "menu[0].price_cents", Message: "must be greater than 0"},
				{Field: "menu[1].id", Message: "duplicates menu[0].id"},
				{Field: "menu[1].price_cents", Message: "must be greater than 0"},
			}},
		{"item without id or name", map[string]any{"menu": []map[string]any{{"price_cents": 100}}},
			[]domain.FieldError{{Field: "menu[0].id", Message: "is required"}, {Field: "menu[0].name", Message: "is required"}}},
		{"a currency of the client's", map[string]any{"menu": []map[string]any{{"id": "a", "name": "A", "price_cents": 100, "currency": "USD"}}},
			[]domain.FieldError{{Field: "*currency", Message: "is not a known field"}}},
		{"a currency for the menu", map[string]any{"currency": "USD", "menu": []map[string]any{{"id": "a", "name": "A", "price_cents": 100}}},
			[]domain.FieldError{{Field: "currency", Message: "is not a known field"}}},
		{"price as a string", map[string]any{"menu": []map[string]any{{"id": "a", "name": "A", "price_cents": "100"}}},
			[]domain.FieldError{{Field: "*price_cents", Message: "must be of type number"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.nothingWritten(func() {
				requireValidation(t, h.put(path, h.asRestaurant(id), tt.body), tt.fields...)
			})
		})
	}
	h.nothingWritten(func() {
		requireProblem(t, h.put(path, h.asRestaurant(id), `{"menu": [`), http.StatusBadRequest, "malformed-request")
		requireProblem(t, h.put(path, h.asRestaurant(id), nil), http.StatusUnsupportedMediaType, "unsupported-media-type")
		rec := h.serve(request{Method: http.MethodPut, Path: path, Token: h.asRestaurant(id),
			Body: strings.Repeat(" ", 70_000) + `{}`})
		requireProblem(t, rec, http.StatusRequestEntityTooLarge, "request-too-large")
	})
}

// Only the restaurant itself (or an admin) revises its menu; to anyone else another's
// restaurant reads exactly as a missing one, whatever the body.
func TestReviseMenuRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id, other := h.newRestaurant(), h.newRestaurant()
	missing := uuid.New()
	menuPath := func(r uuid.UUID) string { return "/v1/restaurants/" + r.String() + "/menu" }
	h.nothingWritten(func() {
		for name, token := range map[string]string{"another restaurant": h.asRestaurant(other), "a consumer": h.asConsumer(uuid.New())} {
			for _, body := range []any{revisedMenu(), map[string]any{"menu": []any{}}, `not json`} {
				theirs := h.put(menuPath(id), token, body)
				requireProblem(t, theirs, http.StatusNotFound, "restaurant-not-found")
				none := h.put(menuPath(missing), token, body)
				require.Equal(t, strings.ReplaceAll(none.Body.String(), missing.String(), "<id>"),
					strings.ReplaceAll(theirs.Body.String(), id.String(), "<id>"), "%s tells a restaurant from a missing one", name)
			}
		}
		requireProblem(t, h.put(menuPath(missing), h.admin(), revisedMenu()), http.StatusNotFound, "restaurant-not-found")
		requireProblem(t, h.put(menuPath(missing), h.asRestaurant(missing), revisedMenu()),
			http.StatusNotFound, "restaurant-not-found")
		requireProblem(t, h.put("/v1/restaurants/luigis/menu", h.admin(), revisedMenu()),
			http.StatusBadRequest, "malformed-request")
	})
}

// An order is priced from the menu at the moment it is placed: a revision of the menu
// prices the orders placed after it, and leaves those placed before it as they were,
// even when it removes an item they hold.
func TestReviseMenuPricesOnlyTheOrdersPlacedAfterIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runProjector()
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	before := h.approvedOrder(consumerID, restaurantID) // 2 pizzas at 12.50, 1 pasta at 9.00
	placed := h.waitOrderView(before, 2)
	orderEvents := h.streamTypes(order.StreamName(before))

	requireJSON[restaurantBody](t, h.put("/v1/restaurants/"+restaurantID.String()+"/menu", h.asRestaurant(restaurantID),
		revisedMenu()), http.StatusOK)

	// The order placed before keeps its lines, prices and total, the pasta included.
	require.Equal(t, orderEvents, h.streamTypes(order.StreamName(before)), "the revision wrote nothing to the order")
	got := requireJSON[projections.OrderView](t, h.get("/v1/orders/"+before.String(), h.asConsumer(consumerID)), http.StatusOK)
	require.Equal(t, placed.Items, got.Items)
	require.Equal(t, int64(3400), got.TotalCents)
	require.Equal(t, order.StatusApproved, got.Status)
	// So does what its revise saga prices a change with: the order's own lines.
	s, _, err := aggregate.Load(context.Background(), h.store, order.StreamName(before), (*order.State).Apply)
	require.NoError(t, err)
	lines, total, err := order.RevisedLines(s, []order.LineChange{{MenuItemID: "pasta", Quantity: 2}})
	require.NoError(t, err, "an item no longer on the menu may still change quantity in the order holding it")
	require.Equal(t, money.Money{Cents: 2*1250 + 2*900, Currency: "EUR"}, total)
	require.Equal(t, int64(900), lines[1].UnitPrice.Cents)

	// An order placed after it is priced from the revised menu, and may not name the
	// item it removed.
	token := h.asConsumer(consumerID)
	after := requireJSON[placedBody](t, h.post("/v1/orders", token, orderBody(consumerID, restaurantID,
		map[string]any{"menu_item_id": "pizza", "quantity": 2})), http.StatusAccepted)
	require.Equal(t, int64(2*1400), after.TotalCents)
	starts := h.wf.startCalls()
	in := starts[len(starts)-1].Args[0].(workflows.PlaceOrder)
	require.Equal(t, money.Money{Cents: 1400, Currency: "EUR"}, in.Order.Lines[0].UnitPrice)
	h.nothingWritten(func() {
		p := requireProblem(t, h.post("/v1/orders", token, orderBody(consumerID, restaurantID,
			map[string]any{"menu_item_id": "pasta", "quantity": 1})), http.StatusUnprocessableEntity, "menu-item-not-found")
		require.Equal(t, []domain.FieldError{{Field: "items[0].menu_item_id", Message: `"pasta" is not on the menu`}}, p.Errors)
	})
}

func TestGetRestaurant(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runProjector()
	id := h.newRestaurant()
	h.waitRestaurantView(id, 2)
	path := "/v1/restaurants/" + id.String()

	// Every principal may read the catalog: the consumers who order, any restaurant.
	for name, token := range map[string]string{"consumer": h.asConsumer(uuid.New()), "another restaurant": h.asRestaurant(uuid.New()),
		"itself": h.asRestaurant(id), "admin": h.admin()} {
		rec := h.get(path, token)
		raw := requireJSON[map[string]json.RawMessage](t, rec, http.StatusOK)
		for _, field := range []string{"id", "name", "status", "currency", "auto_accept", "acceptance_timeout_seconds", "menu"} {
			require.Contains(t, raw, field, "%s: the contract's field %s", name, field)
		}
		got := decodeBody[projections.RestaurantView](t, rec)
		require.Equal(t, id, got.ID)
		require.Equal(t, "Luigi's", got.Name)
		require.Equal(t, restaurant.StatusOpen, got.Status)
		require.Equal(t, "EUR", got.Currency)
		require.False(t, got.AutoAccept)
		require.Equal(t, 300, got.AcceptanceTimeoutSeconds)
		require.Equal(t, []projections.MenuItem{
			{ID: "pizza", Name: "Pizza Margherita", PriceCents: 1250, Currency: "EUR"},
			{ID: "pasta", Name: "Pasta Carbonara", PriceCents: 900, Currency: "EUR"},
			{ID: "tiramisu", Name: "Tiramisu", PriceCents: 575, Currency: "EUR"},
		}, got.Menu)
		require.Equal(t, int64(2), got.Version)
	}

	// The current menu, once the revision is projected; a closed restaurant is still
	// there to read.
	requireJSON[restaurantBody](t, h.put(path+"/menu", h.asRestaurant(id), revisedMenu()), http.StatusOK)
	requireJSON[restaurantBody](t, h.post(path+"/close", h.asRestaurant(id), nil), http.StatusOK)
	h.waitRestaurantView(id, 4)
	got := requireJSON[projections.RestaurantView](t, h.get(path, h.asConsumer(uuid.New())), http.StatusOK)
	require.Equal(t, restaurant.StatusClosed, got.Status)
	require.Equal(t, projections.MenuItem{ID: "salad", Name: "Green Salad", PriceCents: 800, Currency: "EUR"}, got.Menu[2])

	requireProblem(t, h.get("/v1/restaurants/"+uuid.NewString(), h.admin()), http.StatusNotFound, "restaurant-not-found")
	requireProblem(t, h.get("/v1/restaurants/luigis", h.admin()), http.StatusBadRequest, "malformed-request")
	require.Zero(t, h.wf.calls(), "reads never touch Temporal")
}

type restaurantListBody struct {
	Restaurants []projections.RestaurantView `json:"restaurants"`
	NextCursor  *string                      `json:"next_cursor"`
}

func TestListOpenRestaurants(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runProjector()
	var open []uuid.UUID
	for i := range 5 {
		id := h.newRestaurant()
		if i == 2 {
			requireJSON[restaurantBody](t, h.post("/v1/restaurants/"+id.String()+"/close", h.admin(), nil), http.StatusOK)
			h.waitRestaurantView(id, 3)
			continue
		}
		open = append(open, id)
		h.waitRestaurantView(id, 2)
	}
	token := h.asConsumer(uuid.New())

	var ids []uuid.UUID
	cursor := ""
	for pages := 1; ; pages++ {
		path := "/v1/restaurants?limit=3"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		rec := h.get(path, token)
		raw := requireJSON[map[string]json.RawMessage](t, rec, http.StatusOK)
		require.Contains(t, raw, "next_cursor")
		page := decodeBody[restaurantListBody](t, rec)
		for _, r := range page.Restaurants {
			require.Equal(t, restaurant.StatusOpen, r.Status)
			ids = append(ids, r.ID)
		}
		if page.NextCursor == nil {
			require.JSONEq(t, `null`, string(raw["next_cursor"]))
			require.Equal(t, 2, pages)
			break
		}
		cursor = *page.NextCursor
	}
	require.Equal(t, open, ids, "the open restaurants, oldest first, each once")

	page := requireJSON[restaurantListBody](t, h.get("/v1/restaurants", h.asRestaurant(uuid.New())), http.StatusOK)
	require.Len(t, page.Restaurants, 4)
	requireValidation(t, h.get("/v1/restaurants?limit=0", token), domain.FieldError{Field: "limit", Message: "must be an integer between 1 and 100"})
	requireValidation(t, h.get("/v1/restaurants?cursor=nope", token), domain.FieldError{Field: "cursor", Message: "is not a cursor returned by this endpoint"})
}

// waitRestaurantView waits until the restaurant's read model reaches version.
func (h *harness) waitRestaurantView(id uuid.UUID, version int64) {
	h.t.Helper()
	require.EventuallyWithT(h.t, func(c *assert.CollectT) {
		v, err := h.queries.GetRestaurant(context.Background(), id)
		require.NoError(c, err)
		require.GreaterOrEqual(c, v.Version, version)
	}, 15*time.Second, 10*time.Millisecond, "restaurant %s never reached version %d in the read model", id, version)
}
