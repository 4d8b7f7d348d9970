package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

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

func (h restaurantHandlers) routes(v1 *gin.RouterGroup) {
	v1.POST("/restaurants", requireAdmin, h.create)
	v1.GET("/restaurants", h.list)
	v1.GET("/restaurants/:id", h.get)
	v1.PUT("/restaurants/:id/menu", h.reviseMenu)
	v1.POST("/restaurants/:id/open", h.open)
	v1.POST("/restaurants/:id/close", h.close)
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

type menuItemResponse struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	PriceCents int64  `json:"price_cents"`
	Currency   string `json:"currency"`
}

type restaurantResponse struct {
	ID                       uuid.UUID          `json:"id"`
	Name                     string             `json:"name"`
	Status                   restaurant.Status  `json:"status"`
	Currency                 string             `json:"currency"`
	AutoAccept               bool               `json:"auto_accept"`
	AcceptanceTimeoutSeconds int                `json:"acceptance_timeout_seconds"`
	Menu                     []menuItemResponse `json:"menu"`
}

func toRestaurant(s restaurant.State) restaurantResponse {
	r := restaurantResponse{ID: s.ID, Name: s.Name, Status: s.Status(), Currency: s.Currency(), AutoAccept: s.AutoAccept,
		AcceptanceTimeoutSeconds: s.AcceptanceTimeoutSeconds, Menu: []menuItemResponse{}}
	for _, m := range s.Menu {
		r.Menu = append(r.Menu, menuItemResponse{m.ID, m.Name, m.Price.Cents, m.Price.Currency})
	}
	return r
}

// defaultCurrency prices a menu whose request names no currency.
const defaultCurrency = "EUR"

func (h restaurantHandlers) create(c *gin.Context) {
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

// reviseMenu replaces the restaurant's menu (PUT: the whole menu, and the same menu
// again changes nothing), priced in the restaurant's currency. The restaurant itself
// or an admin; anyone else is told it does not exist, before the body is looked at.
func (h restaurantHandlers) reviseMenu(c *gin.Context) {
	id, err := h.own(c)
	if err != nil {
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

// get serves a restaurant's read model, open or closed, with its current menu: a
// catalog every principal may read.
func (h restaurantHandlers) get(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		abort(c, err)
		return
	}
	view, err := h.queries.GetRestaurant(c, id)
	if err != nil {
		abort(c, err)
		return
	}
	c.JSON(http.StatusOK, view)
}

type restaurantListResponse struct {
	Restaurants []projections.RestaurantView `json:"restaurants"`
	NextCursor  *string                      `json:"next_cursor"`
}

// list serves the open restaurants, oldest first: ?cursor=, ?limit=.
func (h restaurantHandlers) list(c *gin.Context) {
	var v domain.Validator
	limit := queryInt(&v, c, "limit", projections.DefaultPageSize, 1, projections.MaxPageSize)
	if err := v.Err(); err != nil {
		abort(c, err)
		return
	}
	list, next, err := h.queries.OpenRestaurants(c, c.Query("cursor"), limit)
	if err != nil {
		abort(c, err)
		return
	}
	resp := restaurantListResponse{Restaurants: list}
	if resp.Restaurants == nil {
		resp.Restaurants = []projections.RestaurantView{}
	}
	if next != "" {
		resp.NextCursor = &next
	}
	c.JSON(http.StatusOK, resp)
}

func (h restaurantHandlers) open(c *gin.Context) {
	h.setStatus(c, h.commands.Open)
}

func (h restaurantHandlers) close(c *gin.Context) {
	h.setStatus(c, h.commands.Close)
}

func (h restaurantHandlers) setStatus(c *gin.Context, command func(context.Context, string, uuid.UUID) (restaurant.State, error)) {
	id, err := h.own(c)
	if err != nil {
		abort(c, err)
		return
	}
	respond(c, http.StatusOK, toRestaurant)(command(c, principal(c).String(), id))
}

// own resolves :id to a restaurant the principal may act for; another restaurant's id
// is reported as not found, so ids of others cannot be probed.
func (h restaurantHandlers) own(c *gin.Context) (uuid.UUID, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return uuid.Nil, err
	}
	if !principal(c).IsRestaurant(id) {
		return uuid.Nil, app.RestaurantNotFound(id)
	}
	return id, nil
}
