package activities

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/order"
)

// OrderService is the Order service's side of the sagas: it records the order's own life
// cycle (created, approved, rejected, the cancel and revision locks and their ends).
type OrderService struct{ Store aggregate.Store }

// CreateOrderInput is an order already priced and validated by the API.
type CreateOrderInput struct {
	Meta  Meta
	Order order.CreateCommand
}

// OrderChangeInput names an order and, for refusals, why.
type OrderChangeInput struct {
	Meta    Meta
	OrderID uuid.UUID
	Reason  domain.Code
	Detail  string
}

// ProposeRevisionInput is the revision's new lines and total, priced by the workflow.
type ProposeRevisionInput struct {
	Meta     Meta
	OrderID  uuid.UUID
	Revision order.Revision
}

// CreateOrder records OrderCreated (APPROVAL_PENDING). An order id is used by one
// saga only (the workflow id is order-<id>), so finding the order already created
// means this step ran before.
func (a *OrderService) CreateOrder(ctx context.Context, in CreateOrderInput) error {
	return a.change(ctx, in.Meta, in.Order.OrderID, func(s order.State) ([]event.Event, error) {
		if s.Exists() && s.ID == in.Order.OrderID {
			return nil, nil
		}
		return order.Create(s, in.Order)
	})
}

// ApproveOrder ends the create saga: OrderApproved.
func (a *OrderService) ApproveOrder(ctx context.Context, in OrderChangeInput) error {
	return a.change(ctx, in.Meta, in.OrderID, order.Approve)
}

// RejectOrder ends the create saga with the refusing step's code: OrderRejected.
func (a *OrderService) RejectOrder(ctx context.Context, in OrderChangeInput) error {
	return a.change(ctx, in.Meta, in.OrderID, func(s order.State) ([]event.Event, error) {
		return order.Reject(s, in.Reason, in.Detail)
	})
}

// CancelOrder ends an order as canceled: a pending order whose consumer canceled, or
// an approved one at the end of the cancel saga. OrderCanceled.
func (a *OrderService) CancelOrder(ctx context.Context, in OrderChangeInput) error {
	return a.change(ctx, in.Meta, in.OrderID, func(s order.State) ([]event.Event, error) {
		return order.Cancel(s, in.Detail)
	})
}

// RequestCancel takes the cancel lock: OrderCancelRequested (CANCEL_PENDING).
func (a *OrderService) RequestCancel(ctx context.Context, in OrderChangeInput) error {
	return a.change(ctx, in.Meta, in.OrderID, order.RequestCancel)
}

// RejectCancel releases the cancel lock: OrderCancelRejected (APPROVED again).
func (a *OrderService) RejectCancel(ctx context.Context, in OrderChangeInput) error {
	return a.change(ctx, in.Meta, in.OrderID, func(s order.State) ([]event.Event, error) {
		return order.RejectCancel(s, in.Reason, in.Detail)
	})
}

// ProposeRevision takes the revision lock: OrderRevisionProposed (REVISION_PENDING).
func (a *OrderService) ProposeRevision(ctx context.Context, in ProposeRevisionInput) error {
	return a.change(ctx, in.Meta, in.OrderID, func(s order.State) ([]event.Event, error) {
		if p := s.PendingRevision; s.Status == order.StatusRevisionPending && p != nil && p.Total == in.Revision.Total &&
			slices.Equal(p.Lines, in.Revision.Lines) {
			return nil, nil // this step ran before
		}
		return order.ProposeRevision(s, in.Revision.Lines, in.Revision.Total)
	})
}

// ConfirmRevision applies the pending revision: OrderRevised (APPROVED).
func (a *OrderService) ConfirmRevision(ctx context.Context, in OrderChangeInput) error {
	return a.change(ctx, in.Meta, in.OrderID, order.ConfirmRevision)
}

// RejectRevision drops the pending revision: OrderRevisionRejected (APPROVED).
func (a *OrderService) RejectRevision(ctx context.Context, in OrderChangeInput) error {
	return a.change(ctx, in.Meta, in.OrderID, func(s order.State) ([]event.Event, error) {
		return order.RejectRevision(s, in.Reason, in.Detail)
	})
}

// AttentionInput names an order its saga could not carry on with, and where and why.
type AttentionInput struct {
	Meta    Meta
	OrderID uuid.UUID
	Saga    string
	Step    string
	Reason  domain.Code
	Detail  string
}

// RequireAttention puts the order in NEEDS_ATTENTION: OrderAttentionRequired.
func (a *OrderService) RequireAttention(ctx context.Context, in AttentionInput) error {
	return a.change(ctx, in.Meta, in.OrderID, func(s order.State) ([]event.Event, error) {
		return order.RequireAttention(s, in.Saga, in.Step, in.Reason, in.Detail)
	})
}

// ShipOrder records that the courier picked the food up: OrderShipped.
func (a *OrderService) ShipOrder(ctx context.Context, in OrderChangeInput) error {
	return a.change(ctx, in.Meta, in.OrderID, order.Ship)
}

// DeliverOrder records that the consumer has the food: OrderDelivered, the order's
// last event.
func (a *OrderService) DeliverOrder(ctx context.Context, in OrderChangeInput) error {
	return a.change(ctx, in.Meta, in.OrderID, order.Deliver)
}

func (a *OrderService) change(ctx context.Context, m Meta, id uuid.UUID, decide func(order.State) ([]event.Event, error)) error {
	_, err := execute(ctx, a.Store, m, id, aggregate.Command[order.State]{
		Stream: order.StreamName(id), Apply: (*order.State).Apply, Decide: decide,
	})
	return err
}
