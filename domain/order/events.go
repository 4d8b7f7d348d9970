package order

import (
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
)

// Event type names, as stored.
const (
	TypeOrderCreated          = "OrderCreated"
	TypeOrderApproved         = "OrderApproved"
	TypeOrderRejected         = "OrderRejected"
	TypeOrderCancelRequested  = "OrderCancelRequested"
	TypeOrderCancelRejected   = "OrderCancelRejected"
	TypeOrderCanceled         = "OrderCanceled"
	TypeOrderRevisionProposed = "OrderRevisionProposed"
	TypeOrderRevised          = "OrderRevised"
	TypeOrderRevisionRejected = "OrderRevisionRejected"
	TypeOrderShipped          = "OrderShipped"
	TypeOrderDelivered        = "OrderDelivered"
)

// Line is an order line as priced when the order was placed; later menu changes do
// not touch it.
type Line struct {
	MenuItemID string      `json:"menu_item_id"`
	Name       string      `json:"name"`
	Quantity   int         `json:"quantity"`
	UnitPrice  money.Money `json:"unit_price"`
	Total      money.Money `json:"total"`
}

// Address is where the order goes.
type Address struct {
	Street string `json:"street"`
	City   string `json:"city"`
	Zip    string `json:"zip"`
}

// OrderCreated records that a consumer placed an order, priced from the menu at that
// moment; the order waits for the create saga to approve or reject it.
type OrderCreated struct {
	OrderID         uuid.UUID   `json:"order_id"`
	ConsumerID      uuid.UUID   `json:"consumer_id"`
	RestaurantID    uuid.UUID   `json:"restaurant_id"`
	Lines           []Line      `json:"lines"`
	Total           money.Money `json:"total"`
	DeliveryAddress Address     `json:"delivery_address"`
}

// OrderApproved records that the create saga succeeded: the consumer, the kitchen and
// the card all agreed to the order.
type OrderApproved struct {
	OrderID uuid.UUID `json:"order_id"`
}

// OrderRejected ends the create saga unsuccessfully; Reason says which step refused.
type OrderRejected struct {
	OrderID uuid.UUID   `json:"order_id"`
	Reason  domain.Code `json:"reason"`
	Detail  string      `json:"detail"`
}

// OrderCancelRequested takes the cancel lock (CANCEL_PENDING).
type OrderCancelRequested struct {
	OrderID uuid.UUID `json:"order_id"`
}

// OrderCancelRejected records that an accepted cancel could not be carried out (for
// example the food was already picked up). A CANCEL_PENDING order is APPROVED again;
// an order that had not taken the lock keeps its status.
type OrderCancelRejected struct {
	OrderID uuid.UUID   `json:"order_id"`
	Reason  domain.Code `json:"reason"`
	Detail  string      `json:"detail"`
}

// OrderCanceled records that the order was ended at the consumer's request, after the
// cancel saga or while the create saga was still pending.
type OrderCanceled struct {
	OrderID uuid.UUID `json:"order_id"`
	Reason  string    `json:"reason"`
}

// OrderRevisionProposed takes the revision lock (REVISION_PENDING) and carries the
// lines the revise saga tries to get the kitchen and accounting to agree to.
type OrderRevisionProposed struct {
	OrderID uuid.UUID   `json:"order_id"`
	Lines   []Line      `json:"lines"`
	Total   money.Money `json:"total"`
}

// OrderRevised confirms the proposed lines and total.
type OrderRevised struct {
	OrderID uuid.UUID   `json:"order_id"`
	Lines   []Line      `json:"lines"`
	Total   money.Money `json:"total"`
}

// OrderRevisionRejected records that an accepted revision could not be carried out:
// the proposal, if any, is dropped and the order keeps its lines.
type OrderRevisionRejected struct {
	OrderID uuid.UUID   `json:"order_id"`
	Reason  domain.Code `json:"reason"`
	Detail  string      `json:"detail"`
}

// OrderShipped records that the courier has the food.
type OrderShipped struct {
	OrderID uuid.UUID `json:"order_id"`
}

// OrderDelivered records that the consumer has the food.
type OrderDelivered struct {
	OrderID uuid.UUID `json:"order_id"`
}

func (OrderCreated) EventType() string          { return TypeOrderCreated }
func (OrderApproved) EventType() string         { return TypeOrderApproved }
func (OrderRejected) EventType() string         { return TypeOrderRejected }
func (OrderCancelRequested) EventType() string  { return TypeOrderCancelRequested }
func (OrderCancelRejected) EventType() string   { return TypeOrderCancelRejected }
func (OrderCanceled) EventType() string         { return TypeOrderCanceled }
func (OrderRevisionProposed) EventType() string { return TypeOrderRevisionProposed }
func (OrderRevised) EventType() string          { return TypeOrderRevised }
func (OrderRevisionRejected) EventType() string { return TypeOrderRevisionRejected }
func (OrderShipped) EventType() string          { return TypeOrderShipped }
func (OrderDelivered) EventType() string        { return TypeOrderDelivered }

func (OrderCreated) SchemaVersion() int          { return 1 }
func (OrderApproved) SchemaVersion() int         { return 1 }
func (OrderRejected) SchemaVersion() int         { return 1 }
func (OrderCancelRequested) SchemaVersion() int  { return 1 }
func (OrderCancelRejected) SchemaVersion() int   { return 1 }
func (OrderCanceled) SchemaVersion() int         { return 1 }
func (OrderRevisionProposed) SchemaVersion() int { return 1 }
func (OrderRevised) SchemaVersion() int          { return 1 }
func (OrderRevisionRejected) SchemaVersion() int { return 1 }
func (OrderShipped) SchemaVersion() int          { return 1 }
func (OrderDelivered) SchemaVersion() int        { return 1 }

// RegisterEvents adds this context's events to r.
func RegisterEvents(r *event.Registry) {
	event.Register[OrderCreated](r)
	event.Register[OrderApproved](r)
	event.Register[OrderRejected](r)
	event.Register[OrderCancelRequested](r)
	event.Register[OrderCancelRejected](r)
	event.Register[OrderCanceled](r)
	event.Register[OrderRevisionProposed](r)
	event.Register[OrderRevised](r)
	event.Register[OrderRevisionRejected](r)
	event.Register[OrderShipped](r)
	event.Register[OrderDelivered](r)
	event.Register[OrderAttentionRequired](r)
	event.Register[OrderAttentionResolved](r)
}
