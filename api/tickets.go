package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/domain/kitchen"
)

// TicketCommands are the kitchen's actions on a ticket (whose id is its order's).
type TicketCommands interface {
	Get(ctx context.Context, id uuid.UUID) (kitchen.State, error)
	Accept(ctx context.Context, actor string, id uuid.UUID) error
	Reject(ctx context.Context, actor string, id uuid.UUID, reason string) error
	StartPreparing(ctx context.Context, actor string, id uuid.UUID) (kitchen.State, error)
	MarkReady(ctx context.Context, actor string, id uuid.UUID) (kitchen.State, error)
	PickUp(ctx context.Context, actor string, id uuid.UUID) (kitchen.State, error)
}

type ticketHandlers struct {
	commands TicketCommands
	queries  OrderQueries
}

func (h ticketHandlers) routes(v1 *gin.RouterGroup) {
	v1.GET("/restaurants/:id/tickets", h.queue)
	v1.POST("/tickets/:id/accept", h.accept)
	v1.POST("/tickets/:id/reject", h.reject)
	v1.POST("/tickets/:id/preparing", h.advance(TicketCommands.StartPreparing))
	v1.POST("/tickets/:id/ready", h.advance(TicketCommands.MarkReady))
	v1.POST("/tickets/:id/picked-up", h.advance(TicketCommands.PickUp))
}

type ticketResponse struct {
	ID           uuid.UUID     `json:"id"`
	OrderID      uuid.UUID     `json:"order_id"`
	RestaurantID uuid.UUID     `json:"restaurant_id"`
	Status       string        `json:"status"`
	Items        []kitchenLine `json:"items"`
}

type kitchenLine struct {
	MenuItemID string `json:"menu_item_id"`
	Name       string `json:"name"`
	Quantity   int    `json:"quantity"`
}

func toTicket(s kitchen.State) ticketResponse {
	items := make([]kitchenLine, len(s.Lines))
	for i, l := range s.Lines {
		items[i] = kitchenLine{MenuItemID: l.MenuItemID, Name: l.Name, Quantity: l.Quantity}
	}
	return ticketResponse{ID: s.ID, OrderID: s.ID, RestaurantID: s.RestaurantID, Status: string(s.Status), Items: items}
}

// kitchenOf loads the ticket named by the path and checks that the principal is its
// restaurant (or an admin); another restaurant is told it does not exist, in the
// same words as for a ticket that does not.
func (h ticketHandlers) kitchenOf(c *gin.Context) (kitchen.State, bool) {
	id, err := pathID(c, "id")
	if err != nil {
		abort(c, err)
		return kitchen.State{}, false
	}
	p := principal(c)
	if p.Role != RoleRestaurant && p.Role != RoleAdmin {
		abort(c, errForbidden("only restaurants act on tickets"))
		return kitchen.State{}, false
	}
	s, err := h.commands.Get(c, id)
	if err != nil {
		abort(c, err)
		return kitchen.State{}, false
	}
	if !p.IsRestaurant(s.RestaurantID) {
		abort(c, app.TicketNotFound(id))
		return kitchen.State{}, false
	}
	correlate(c, s.ID)
	return s, true
}

type answerAccepted struct {
	ID      uuid.UUID `json:"id"`
	Request string    `json:"request"`
}

func (h ticketHandlers) accept(c *gin.Context) {
	s, ok := h.kitchenOf(c)
	if !ok {
		return
	}
	if err := h.commands.Accept(withUpdateID(c), principal(c).String(), s.ID); err != nil {
		abort(c, err)
		return
	}
	c.JSON(http.StatusAccepted, answerAccepted{ID: s.ID, Request: "accept"})
}

type rejectTicketRequest struct {
	Reason string `json:"reason"`
}

func (h ticketHandlers) reject(c *gin.Context) {
	var req rejectTicketRequest
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			abort(c, err)
			return
		}
	}
	s, ok := h.kitchenOf(c)
	if !ok {
		return
	}
	if err := h.commands.Reject(withUpdateID(c), principal(c).String(), s.ID, req.Reason); err != nil {
		abort(c, err)
		return
	}
	c.JSON(http.StatusAccepted, answerAccepted{ID: s.ID, Request: "reject"})
}

func (h ticketHandlers) advance(action func(TicketCommands, context.Context, string, uuid.UUID) (kitchen.State, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		s, ok := h.kitchenOf(c)
		if !ok {
			return
		}
		respond(c, http.StatusOK, toTicket)(action(h.commands, c, principal(c).String(), s.ID))
	}
}
