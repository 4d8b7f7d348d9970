package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/api/openapi"
	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/restaurant"
)

// OrderCommands places orders and steers their sagas.
type OrderCommands interface {
	Place(ctx context.Context, actor string, cmd app.PlaceOrder) (app.Placed, error)
	Cancel(ctx context.Context, actor string, id uuid.UUID, reason string) error
	Revise(ctx context.Context, actor string, id uuid.UUID, items []order.LineChange) error
	Deliver(ctx context.Context, actor string, id uuid.UUID) error
	Get(ctx context.Context, id uuid.UUID) (order.State, int64, error)
	// Owner says whose order id is, also before its saga has written it.
	Owner(ctx context.Context, id uuid.UUID) (app.Owner, error)
	AuditTrail(ctx context.Context, id uuid.UUID) ([]app.RecordedEvent, error)
}

type orderHandlers struct {
	commands OrderCommands
	queries  OrderQueries
	waiters  *waiters      // the ?min_version= reads waiting
	maxWait  time.Duration // how long one of them may wait
}

type orderItemRequest struct {
	MenuItemID string `json:"menu_item_id"`
	Quantity   int    `json:"quantity"`
}

type addressRequest struct {
	Street string `json:"street"`
	City   string `json:"city"`
	Zip    string `json:"zip"`
}

type placeOrderRequest struct {
	ConsumerID      string             `json:"consumer_id"`
	RestaurantID    string             `json:"restaurant_id"`
	Items           []orderItemRequest `json:"items"`
	DeliveryAddress *addressRequest    `json:"delivery_address"`
}

// PlaceOrder prices the order from the restaurant's menu and starts its saga.
func (h orderHandlers) PlaceOrder(c *gin.Context, _ openapi.PlaceOrderParams) {
	var req placeOrderRequest
	if err := decodeJSON(c, &req); err != nil {
		abort(c, err)
		return
	}
	var v domain.Validator
	consumerID := parseID(&v, "consumer_id", req.ConsumerID)
	restaurantID := parseID(&v, "restaurant_id", req.RestaurantID)
	v.Check(req.DeliveryAddress != nil, "delivery_address", "is required")
	if err := v.Err(); err != nil {
		abort(c, err)
		return
	}
	p := principal(c)
	if !p.IsConsumer(consumerID) {
		abort(c, errForbidden("a consumer places orders for themself only"))
		return
	}
	items := make([]restaurant.OrderLine, len(req.Items))
	for i, it := range req.Items {
		items[i] = restaurant.OrderLine{MenuItemID: it.MenuItemID, Quantity: it.Quantity}
	}
	a := req.DeliveryAddress
	placed, err := h.commands.Place(c, p.String(), app.PlaceOrder{
		ID: newID(c, "order"), ConsumerID: consumerID, RestaurantID: restaurantID, Items: items,
		DeliveryAddress: order.Address{Street: a.Street, City: a.City, Zip: a.Zip}, RequestID: requestID(c),
	})
	if err != nil {
		abort(c, err)
		return
	}
	correlate(c, placed.ID)
	c.Header("Location", "/v1/orders/"+placed.ID.String())
	c.JSON(http.StatusAccepted, openapi.PlacedOrder{ID: placed.ID, Status: openapi.PlacedOrderStatus(placed.Status),
		WorkflowID: placed.WorkflowID, TotalCents: placed.Total, Currency: placed.Currency})
}

// owned loads the order id and checks that the principal may see it: its consumer,
// its restaurant, or an admin. Anyone else is told it does not exist, in the same
// words as for a missing order (app.OrderNotFound).
func (h orderHandlers) owned(c *gin.Context, id uuid.UUID) (order.State, bool) {
	s, _, err := h.commands.Get(c, id)
	if err != nil {
		abort(c, err)
		return order.State{}, false
	}
	p := principal(c)
	if !p.IsConsumer(s.ConsumerID) && !p.IsRestaurant(s.RestaurantID) {
		abort(c, app.OrderNotFound(id))
		return order.State{}, false
	}
	correlate(c, s.ID)
	return s, true
}

type cancelRequest struct {
	Reason string `json:"reason"`
}

// CancelOrder asks the order's workflow to cancel it.
func (h orderHandlers) CancelOrder(c *gin.Context, id openapi.OrderID, _ openapi.CancelOrderParams) {
	var req cancelRequest
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			abort(c, err)
			return
		}
	}
	h.change(c, id, openapi.OrderChangeAcceptedRequestCancel, func(actor string, id uuid.UUID) error {
		return h.commands.Cancel(withUpdateID(c), actor, id, req.Reason)
	})
}

type reviseRequest struct {
	Items []orderItemRequest `json:"items"`
}

// ReviseOrder asks the order's workflow to change the quantities of its lines.
func (h orderHandlers) ReviseOrder(c *gin.Context, id openapi.OrderID, _ openapi.ReviseOrderParams) {
	var req reviseRequest
	if err := decodeJSON(c, &req); err != nil {
		abort(c, err)
		return
	}
	changes := make([]order.LineChange, len(req.Items))
	for i, it := range req.Items {
		changes[i] = order.LineChange{MenuItemID: it.MenuItemID, Quantity: it.Quantity}
	}
	h.change(c, id, openapi.OrderChangeAcceptedRequestRevise, func(actor string, id uuid.UUID) error {
		return h.commands.Revise(withUpdateID(c), actor, id, changes)
	})
}

// change hands a consumer's change of their order (cancel, revise) to its workflow and
// answers 202 once the workflow has taken it.
func (h orderHandlers) change(c *gin.Context, id uuid.UUID, request openapi.OrderChangeAcceptedRequest, send func(actor string, id uuid.UUID) error) {
	s, ok := h.owned(c, id)
	if !ok {
		return
	}
	if !principal(c).IsConsumer(s.ConsumerID) {
		abort(c, errForbidden("only the order's consumer may "+string(request)+" it"))
		return
	}
	if err := send(principal(c).String(), s.ID); err != nil {
		abort(c, err)
		return
	}
	c.JSON(http.StatusAccepted, openapi.OrderChangeAccepted{ID: s.ID, WorkflowID: app.OrderWorkflowID(s.ID), Request: request})
}

// DeliverOrder hands the courier's report that the consumer has the food to the order's
// workflow and answers 202 once the workflow has taken it. Only a courier (or an
// admin) reports a delivery, of any order: couriers are not assigned to orders here.
// No body is read.
func (h orderHandlers) DeliverOrder(c *gin.Context, id openapi.OrderID, _ openapi.DeliverOrderParams) {
	p := principal(c)
	if p.Role != RoleCourier && p.Role != RoleAdmin {
		abort(c, errForbidden("only a courier reports a delivery"))
		return
	}
	correlate(c, id)
	if err := h.commands.Deliver(withUpdateID(c), p.String(), id); err != nil {
		abort(c, err)
		return
	}
	c.JSON(http.StatusAccepted, openapi.OrderChangeAccepted{ID: id, WorkflowID: app.OrderWorkflowID(id),
		Request: openapi.OrderChangeAcceptedRequestDeliver})
}

// eventResponse is a RecordedEvent of api/openapi.yaml. It is not the generated type:
// that one holds the event's data as a map[string]any, which would decode every
// payload only to encode it again (its numbers as float64), where this writes it as
// stored.
type eventResponse struct {
	ID             uuid.UUID       `json:"id"`
	Stream         string          `json:"stream"`
	StreamPosition int64           `json:"stream_position"`
	GlobalPosition int64           `json:"global_position"`
	Type           string          `json:"type"`
	SchemaVersion  int             `json:"schema_version"`
	Data           json.RawMessage `json:"data"`
	Metadata       eventMetadata   `json:"metadata"`
}

type eventMetadata struct {
	RecordedAt    time.Time `json:"recorded_at"`
	User          string    `json:"user"`
	CorrelationID string    `json:"correlation_id"`
	CausationID   string    `json:"causation_id"`
	WorkflowID    string    `json:"workflow_id"`
	RunID         string    `json:"run_id"`
}

// GetOrderEvents serves the order's audit trail, from the event store.
func (h orderHandlers) GetOrderEvents(c *gin.Context, id openapi.OrderID) {
	s, ok := h.owned(c, id)
	if !ok {
		return
	}
	trail, err := h.commands.AuditTrail(c, s.ID)
	if err != nil {
		abort(c, err)
		return
	}
	// A restaurant sees the order and its ticket, not the consumer's account or
	// verification.
	if principal(c).Role == RoleRestaurant {
		trail = slices.DeleteFunc(trail, func(e app.RecordedEvent) bool {
			return e.Category != order.Category && e.Category != kitchen.Category
		})
	}
	out := make([]eventResponse, 0, len(trail))
	for _, e := range trail {
		md := e.Metadata
		out = append(out, eventResponse{ID: e.ID, Stream: e.StreamName, StreamPosition: e.StreamPosition,
			GlobalPosition: e.GlobalPosition, Type: e.Type, SchemaVersion: e.SchemaVersion, Data: e.Data,
			Metadata: eventMetadata{RecordedAt: md.RecordedAt.UTC(), User: md.User,
				CorrelationID: md.CorrelationID, CausationID: md.CausationID, WorkflowID: md.WorkflowID, RunID: md.RunID}})
	}
	c.JSON(http.StatusOK, gin.H{"events": out})
}
