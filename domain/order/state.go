package order

import (
	"slices"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
)

// Status is where an order is in its life cycle. The zero Status means no order.
type Status string

// The statuses of an order; StatusNeedsAttention is declared with the attention events.
const (
	StatusApprovalPending Status = "APPROVAL_PENDING"
	StatusApproved        Status = "APPROVED"
	StatusRejected        Status = "REJECTED"
	StatusCancelPending   Status = "CANCEL_PENDING"
	StatusCanceled        Status = "CANCELED"
	StatusRevisionPending Status = "REVISION_PENDING"
	StatusShipped         Status = "SHIPPED"
	StatusDelivered       Status = "DELIVERED"
)

// Statuses lists every status an order can be in.
func Statuses() []Status {
	return []Status{StatusApprovalPending, StatusApproved, StatusRejected, StatusCancelPending, StatusCanceled,
		StatusRevisionPending, StatusShipped, StatusDelivered, StatusNeedsAttention}
}

// Terminal reports whether no further transition can leave the status.
func (s Status) Terminal() bool {
	return s == StatusRejected || s == StatusCanceled || s == StatusDelivered
}

// Revision is a proposed change of lines, pending the revise saga.
type Revision struct {
	Lines []Line
	Total money.Money
}

// State is an order rebuilt from its stream: what the decisions need and what a read
// model shows.
type State struct {
	ID              uuid.UUID
	ConsumerID      uuid.UUID
	RestaurantID    uuid.UUID
	Status          Status
	Lines           []Line
	Total           money.Money
	DeliveryAddress Address
	RejectionReason domain.Code
	RejectionDetail string
	CancelReason    string
	// PendingRevision is set while REVISION_PENDING.
	PendingRevision *Revision
	// Attention is set while NEEDS_ATTENTION: why, and where the order was.
	Attention *Attention
	// LastRefusal is the last cancel or revise request that was accepted and then
	// refused, so that a client told "accepted" (202) can read how it ended.
	LastRefusal *ChangeRefusal
}

// ChangeRefusal is a change request (cancel, revise) that could not be carried out.
type ChangeRefusal struct {
	Change string      `json:"change"` // "cancel" or "revise"
	Reason domain.Code `json:"reason"`
	Detail string      `json:"detail,omitempty"`
}

// Exists reports whether the order was created.
func (s State) Exists() bool { return s.Status != "" }

// Fold rebuilds an order from its events, oldest first (see event.Fold).
func Fold(events ...event.Event) State { return event.Fold[State](events...) }

// Apply folds one event into the state; events it does not know are ignored. Lines
// are copied so the state never shares memory with an event.
func (s *State) Apply(e event.Event) {
	switch e := e.(type) {
	case OrderCreated:
		s.ID, s.ConsumerID, s.RestaurantID = e.OrderID, e.ConsumerID, e.RestaurantID
		s.Lines, s.Total, s.DeliveryAddress = slices.Clone(e.Lines), e.Total, e.DeliveryAddress
		s.Status = StatusApprovalPending
	case OrderApproved:
		s.Status = StatusApproved
	case OrderRejected:
		s.Status, s.RejectionReason, s.RejectionDetail = StatusRejected, e.Reason, e.Detail
	case OrderCancelRequested:
		s.Status = StatusCancelPending
	case OrderCancelRejected:
		if s.Status == StatusCancelPending {
			s.Status = StatusApproved
		}
		s.LastRefusal = &ChangeRefusal{Change: "cancel", Reason: e.Reason, Detail: e.Detail}
	case OrderCanceled:
		s.Status, s.CancelReason = StatusCanceled, e.Reason
	case OrderRevisionProposed:
		s.Status = StatusRevisionPending
		s.PendingRevision = &Revision{Lines: slices.Clone(e.Lines), Total: e.Total}
	case OrderRevised:
		s.Status, s.Lines, s.Total = StatusApproved, slices.Clone(e.Lines), e.Total
		s.PendingRevision = nil
	case OrderRevisionRejected:
		if s.Status == StatusRevisionPending {
			s.Status, s.PendingRevision = StatusApproved, nil
		}
		s.LastRefusal = &ChangeRefusal{Change: "revise", Reason: e.Reason, Detail: e.Detail}
	case OrderShipped:
		s.Status = StatusShipped
	case OrderDelivered:
		s.Status = StatusDelivered
	case OrderAttentionRequired:
		s.Attention = &Attention{Was: e.Status, Saga: e.Saga, Step: e.Step, Reason: e.Reason, Detail: e.Detail}
		s.Status = StatusNeedsAttention
	case OrderAttentionResolved:
		s.Status, s.Attention = e.Status, nil
	}
}
