package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/api/openapi"
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

func toTicket(s kitchen.State) openapi.Ticket {
	items := make([]openapi.TicketItem, len(s.Lines))
	for i, l := range s.Lines {
		items[i] = openapi.TicketItem{MenuItemID: l.MenuItemID, Name: l.Name, Quantity: l.Quantity}
	}
	return openapi.Ticket{ID: s.ID, OrderID: s.ID, RestaurantID: s.RestaurantID, Status: openapi.TicketStatus(s.Status), Items: items}
}

// kitchenOf loads the ticket id and checks that the principal is its restaurant (or an
// admin); another restaurant is told it does not exist, in the same words as for a
// ticket that does not.
func (h ticketHandlers) kitchenOf(c *gin.Context, id uuid.UUID) (kitchen.State, bool) {
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

// AcceptTicket sends the restaurant's acceptance to the order's saga.
func (h ticketHandlers) AcceptTicket(c *gin.Context, id openapi.TicketID, _ openapi.AcceptTicketParams) {
	s, ok := h.kitchenOf(c, id)
	if !ok {
		return
	}
	if err := h.commands.Accept(withUpdateID(c), principal(c).String(), s.ID); err != nil {
		abort(c, err)
		return
	}
	c.JSON(http.StatusAccepted, openapi.TicketAnswerAccepted{ID: s.ID, Request: openapi.Accept})
}

type rejectTicketRequest struct {
	Reason string `json:"reason"`
}

// RejectTicket sends the restaurant's refusal to the order's saga.
func (h ticketHandlers) RejectTicket(c *gin.Context, id openapi.TicketID, _ openapi.RejectTicketParams) {
	var req rejectTicketRequest
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			abort(c, err)
			return
		}
	}
	s, ok := h.kitchenOf(c, id)
	if !ok {
		return
	}
	if err := h.commands.Reject(withUpdateID(c), principal(c).String(), s.ID, req.Reason); err != nil {
		abort(c, err)
		return
	}
	c.JSON(http.StatusAccepted, openapi.TicketAnswerAccepted{ID: s.ID, Request: openapi.Reject})
}

// StartPreparingTicket records that the kitchen started cooking.
func (h ticketHandlers) StartPreparingTicket(c *gin.Context, id openapi.TicketID, _ openapi.StartPreparingTicketParams) {
	h.advance(c, id, h.commands.StartPreparing)
}

// MarkTicketReady records that the food is ready for pickup.
func (h ticketHandlers) MarkTicketReady(c *gin.Context, id openapi.TicketID, _ openapi.MarkTicketReadyParams) {
	h.advance(c, id, h.commands.MarkReady)
}

// PickUpTicket records that the courier took the food, and tells the order's workflow.
func (h ticketHandlers) PickUpTicket(c *gin.Context, id openapi.TicketID, _ openapi.PickUpTicketParams) {
	h.advance(c, id, h.commands.PickUp)
}

// advance moves the ticket on in the kitchen (recorded on the ticket, not through the
// saga) and answers with the ticket as it is now.
func (h ticketHandlers) advance(c *gin.Context, id uuid.UUID, action func(context.Context, string, uuid.UUID) (kitchen.State, error)) {
	s, ok := h.kitchenOf(c, id)
	if !ok {
		return
	}
	respond(c, http.StatusOK, toTicket)(action(c, principal(c).String(), s.ID))
}
