package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/api/openapi"
	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/restaurant"
	"github.com/orderflow/orderflow/projections"
)

// RestaurantCommands creates restaurants, revises their menus, and opens and closes
// them.
type RestaurantCommands interface {
	Create(ctx context.Context, actor string, cmd restaurant.CreateCommand) (restaurant.State, error)
	ReviseMenu(ctx context.Context, actor string, id uuid.UUID, menu []restaurant.MenuItem) (restaurant.State, error)
	Open(ctx context.Context, actor string, id uuid.UUID) (restaurant.State, error)
	Close(ctx context.Context, actor string, id uuid.UUID) (restaurant.State, error)
}

// RestaurantQueries reads the restaurants' read model (package projections).
type RestaurantQueries interface {
	GetRestaurant(ctx context.Context, id uuid.UUID) (projections.RestaurantView, error)
	OpenRestaurants(ctx context.Context, cursor string, limit int) ([]projections.RestaurantView, string, error)
}

type restaurantHandlers struct {
	commands RestaurantCommands
	queries  RestaurantQueries
}

type menuItemRequest struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	PriceCents int64  `json:"price_cents"`
}

type createRestaurantRequest struct {
	Name                     string            `json:"name"`
	AutoAccept               bool              `json:"auto_accept"`
	AcceptanceTimeoutSeconds int               `json:"acceptance_timeout_seconds"`
	Currency                 string            `json:"currency"`
	Menu                     []menuItemRequest `json:"menu"`
}

func toRestaurant(s restaurant.State) openapi.Restaurant {
	r := openapi.Restaurant{ID: s.ID, Name: s.Name, Status: openapi.RestaurantStatus(s.Status()), Currency: s.Currency(),
		AutoAccept: s.AutoAccept, AcceptanceTimeoutSeconds: s.AcceptanceTimeoutSeconds,
		Menu: make([]openapi.MenuItem, len(s.Menu))}
	for i, m := range s.Menu {
		r.Menu[i] = openapi.MenuItem{ID: m.ID, Name: m.Name, PriceCents: m.Price.Cents, Currency: m.Price.Currency}
	}
	return r
}

func toRestaurantView(v projections.RestaurantView) openapi.RestaurantView {
	r := openapi.RestaurantView{ID: v.ID, Name: v.Name, Status: openapi.RestaurantViewStatus(v.Status), Currency: v.Currency,
		AutoAccept: v.AutoAccept, AcceptanceTimeoutSeconds: v.AcceptanceTimeoutSeconds,
		Menu:    make([]openapi.MenuItem, len(v.Menu)),
		Version: v.Version, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
	for i, m := range v.Menu {
		r.Menu[i] = openapi.MenuItem{ID: m.ID, Name: m.Name, PriceCents: m.PriceCents, Currency: m.Currency}
	}
	return r
}

// defaultCurrency prices a menu whose request names no currency.
const defaultCurrency = "EUR"

// CreateRestaurant creates a restaurant with its menu. Admins only.
func (h restaurantHandlers) CreateRestaurant(c *gin.Context, _ openapi.CreateRestaurantParams) {
	if !admin(c) {
		return
	}
	var req createRestaurantRequest
	if err := decodeJSON(c, &req); err != nil {
		abort(c, err)
		return
	}
	if req.Currency == "" {
		req.Currency = defaultCurrency
	}
	if !money.ValidCurrency(req.Currency) {
		abort(c, fieldError("currency", "must be a 3-letter ISO 4217 code"))
		return
	}
	cmd := restaurant.CreateCommand{ID: newID(c, "restaurant"), Name: req.Name, AutoAccept: req.AutoAccept,
		AcceptanceTimeoutSeconds: req.AcceptanceTimeoutSeconds}
	for _, m := range req.Menu {
		cmd.Menu = append(cmd.Menu, restaurant.MenuItem{ID: m.ID, Name: m.Name,
			Price: money.Money{Cents: m.PriceCents, Currency: req.Currency}})
	}
	respond(c, http.StatusCreated, toRestaurant)(h.commands.Create(c, principal(c).String(), cmd))
}

type reviseMenuRequest struct {
	Menu []menuItemRequest `json:"menu"`
}

// ReviseMenu replaces the restaurant's menu (PUT: the whole menu, and the same menu
// again changes nothing), priced in the restaurant's currency. The restaurant itself
// or an admin; anyone else is told it does not exist, before the body is looked at.
func (h restaurantHandlers) ReviseMenu(c *gin.Context, id openapi.RestaurantID) {
	if err := ownRestaurant(c, id); err != nil {
		abort(c, err)
		return
	}
	var req reviseMenuRequest
	if err := decodeJSON(c, &req); err != nil {
		abort(c, err)
		return
	}
	menu := make([]restaurant.MenuItem, len(req.Menu))
	for i, m := range req.Menu {
		menu[i] = restaurant.MenuItem{ID: m.ID, Name: m.Name, Price: money.Money{Cents: m.PriceCents}}
	}
	respond(c, http.StatusOK, toRestaurant)(h.commands.ReviseMenu(c, principal(c).String(), id, menu))
}

// GetRestaurant serves a restaurant's read model, open or closed, with its current
// menu: a catalog every principal may read.
func (h restaurantHandlers) GetRestaurant(c *gin.Context, id openapi.RestaurantID) {
	view, err := h.queries.GetRestaurant(c, id)
	if err != nil {
		abort(c, err)
		return
	}
	c.JSON(http.StatusOK, toRestaurantView(view))
}

// ListOpenRestaurants serves the open restaurants, oldest first: ?cursor=, ?limit=.
func (h restaurantHandlers) ListOpenRestaurants(c *gin.Context, params openapi.ListOpenRestaurantsParams) {
	var v domain.Validator
	limit := intParam(&v, "limit", params.Limit, projections.DefaultPageSize)
	if err := v.Err(); err != nil {
		abort(c, err)
		return
	}
	list, next, err := h.queries.OpenRestaurants(c, deref(params.Cursor), limit)
	if err != nil {
		abort(c, err)
		return
	}
	resp := openapi.RestaurantList{Restaurants: make([]openapi.RestaurantView, len(list)), NextCursor: optional(next)}
	for i, r := range list {
		resp.Restaurants[i] = toRestaurantView(r)
	}
	c.JSON(http.StatusOK, resp)
}

// OpenRestaurant opens the restaurant for orders: the restaurant itself or an admin.
func (h restaurantHandlers) OpenRestaurant(c *gin.Context, id openapi.RestaurantID, _ openapi.OpenRestaurantParams) {
	h.setStatus(c, id, h.commands.Open)
}

// CloseRestaurant closes the restaurant to new orders: the restaurant itself or an
// admin.
func (h restaurantHandlers) CloseRestaurant(c *gin.Context, id openapi.RestaurantID, _ openapi.CloseRestaurantParams) {
	h.setStatus(c, id, h.commands.Close)
}

func (h restaurantHandlers) setStatus(c *gin.Context, id uuid.UUID, command func(context.Context, string, uuid.UUID) (restaurant.State, error)) {
	if err := ownRestaurant(c, id); err != nil {
		abort(c, err)
		return
	}
	respond(c, http.StatusOK, toRestaurant)(command(c, principal(c).String(), id))
}

// ownRestaurant checks that the principal may act for the restaurant id; another
// restaurant's id is reported as not found, so ids of others cannot be probed.
func ownRestaurant(c *gin.Context, id uuid.UUID) error {
	if !principal(c).IsRestaurant(id) {
		return app.RestaurantNotFound(id)
	}
	return nil
}
