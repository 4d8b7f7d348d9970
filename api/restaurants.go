package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/restaurant"
)

// RestaurantCommands creates restaurants and opens and closes them.
type RestaurantCommands interface {
	Create(ctx context.Context, actor string, cmd restaurant.CreateCommand) (restaurant.State, error)
	Open(ctx context.Context, actor string, id uuid.UUID) (restaurant.State, error)
	Close(ctx context.Context, actor string, id uuid.UUID) (restaurant.State, error)
}

type restaurants struct {
	commands RestaurantCommands
}

func (h restaurants) routes(v1 *gin.RouterGroup) {
	v1.POST("/restaurants", requireAdmin, h.create)
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
	Status                   string             `json:"status"`
	AutoAccept               bool               `json:"auto_accept"`
	AcceptanceTimeoutSeconds int                `json:"acceptance_timeout_seconds"`
	Menu                     []menuItemResponse `json:"menu"`
}

func toRestaurant(s restaurant.State) restaurantResponse {
	status := "CLOSED"
	if s.Open {
		status = "OPEN"
	}
	r := restaurantResponse{ID: s.ID, Name: s.Name, Status: status, AutoAccept: s.AutoAccept,
		AcceptanceTimeoutSeconds: s.AcceptanceTimeoutSeconds, Menu: []menuItemResponse{}}
	for _, m := range s.Menu {
		r.Menu = append(r.Menu, menuItemResponse{m.ID, m.Name, m.Price.Cents, m.Price.Currency})
	}
	return r
}

// defaultCurrency prices a menu whose request names no currency.
const defaultCurrency = "EUR"

func (h restaurants) create(c *gin.Context) {
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

func (h restaurants) open(c *gin.Context) {
	h.setStatus(c, h.commands.Open)
}

func (h restaurants) close(c *gin.Context) {
	h.setStatus(c, h.commands.Close)
}

func (h restaurants) setStatus(c *gin.Context, command func(context.Context, string, uuid.UUID) (restaurant.State, error)) {
	id, err := h.own(c)
	if err != nil {
		abort(c, err)
		return
	}
	respond(c, http.StatusOK, toRestaurant)(command(c, principal(c).String(), id))
}

// own resolves :id to a restaurant the principal may act for; another restaurant's id
// is reported as not found, so ids of others cannot be probed.
func (h restaurants) own(c *gin.Context) (uuid.UUID, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return uuid.Nil, err
	}
	if !principal(c).IsRestaurant(id) {
		return uuid.Nil, domain.Errorf(domain.CodeRestaurantNotFound, "restaurant %s not found", id)
	}
	return id, nil
}
