package order

import (
	"slices"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
)

// CreateCommand is a new order with lines already priced by restaurant.PriceOrder
// (see LinesFromPriced).
type CreateCommand struct {
	OrderID         uuid.UUID
	ConsumerID      uuid.UUID
	RestaurantID    uuid.UUID
	Lines           []Line
	Total           money.Money
	DeliveryAddress Address
}

// Create places an order, APPROVAL_PENDING until the create saga decides. An order id
// is used once: creating it again fails, whatever the content.
func Create(s State, cmd CreateCommand) ([]event.Event, error) {
	var v domain.Validator
	v.Check(cmd.OrderID != uuid.Nil, "id", "is required")
	v.Check(cmd.ConsumerID != uuid.Nil, "consumer_id", "is required")
	v.Check(cmd.RestaurantID != uuid.Nil, "restaurant_id", "is required")
	lines := checkLines(&v, cmd.Lines, cmd.Total)
	address := checkAddress(&v, cmd.DeliveryAddress)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if s.Exists() {
		return nil, domain.Errorf(domain.CodeInvalidStateTransition, "order %s already exists", s.ID)
	}
	return []event.Event{OrderCreated{
		OrderID: cmd.OrderID, ConsumerID: cmd.ConsumerID, RestaurantID: cmd.RestaurantID,
		Lines: lines, Total: cmd.Total, DeliveryAddress: address,
	}}, nil
}

// Approve ends the create saga successfully.
func Approve(s State) ([]event.Event, error) {
	return transition(s, StatusApproved, func() event.Event { return OrderApproved{OrderID: s.ID} }, StatusApprovalPending)
}

// Reject ends the create saga with the code of the step that refused.
func Reject(s State, reason domain.Code, detail string) ([]event.Event, error) {
	detail, err := checkRefusal(reason, detail)
	if err != nil {
		return nil, err
	}
	return transition(s, StatusRejected, func() event.Event {
		return OrderRejected{OrderID: s.ID, Reason: reason, Detail: detail}
	}, StatusApprovalPending)
}

// Ship records that the courier has the food.
func Ship(s State) ([]event.Event, error) {
	return transition(s, StatusShipped, func() event.Event { return OrderShipped{OrderID: s.ID} }, StatusApproved)
}

// Deliver records that the consumer has the food.
func Deliver(s State) ([]event.Event, error) {
	return transition(s, StatusDelivered, func() event.Event { return OrderDelivered{OrderID: s.ID} }, StatusShipped)
}

// transition is the shape of most decisions: no order is ORDER_NOT_FOUND, the target
// status already reached is a no-op, and only the listed source statuses may move.
func transition(s State, to Status, e func() event.Event, from ...Status) ([]event.Event, error) {
	if !s.Exists() {
		return nil, notFound()
	}
	if s.Status == to {
		return nil, nil
	}
	for _, f := range from {
		if s.Status == f {
			return []event.Event{e()}, nil
		}
	}
	return nil, invalid(s, to)
}

// checkRefusal validates the reason and detail of a rejection. Reasons are codes so
// that read models and clients can act on them; the detail is for humans.
func checkRefusal(reason domain.Code, detail string) (string, error) {
	var v domain.Validator
	v.Check(slices.Contains(domain.Codes(), reason), "reason", "must be a known reason code")
	detail = v.Text("detail", detail, 0, MaxDetailLength)
	return detail, v.Err()
}

func invalid(s State, to Status) error {
	return domain.Errorf(domain.CodeInvalidStateTransition, "order %s is %s and cannot become %s", s.ID, s.Status, to)
}

func notFound() error { return domain.Errorf(domain.CodeOrderNotFound, "order not found") }
