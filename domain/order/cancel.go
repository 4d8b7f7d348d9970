package order

import (
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
)

// RequestCancel takes the cancel lock on an approved order before the cancel saga
// reverses the charge and withdraws the ticket. A second request while one is in
// flight is refused, as is any order not APPROVED: a pending order is canceled by
// signalling its create saga, which then calls Cancel. An order already canceled
// needs nothing more.
func RequestCancel(s State) ([]event.Event, error) {
	if !s.Exists() {
		return nil, notFound()
	}
	switch s.Status {
	case StatusApproved:
		return []event.Event{OrderCancelRequested{OrderID: s.ID}}, nil
	case StatusCanceled:
		return nil, nil
	case StatusCancelPending, StatusRevisionPending:
		return nil, domain.Errorf(domain.CodeInvalidStateTransition, "order %s is %s: another change is in progress", s.ID, s.Status)
	}
	return nil, invalid(s, StatusCancelPending)
}

// Cancel ends an order: after the cancel saga (CANCEL_PENDING), or when the consumer
// canceled while the create saga was still pending (APPROVAL_PENDING).
func Cancel(s State, reason string) ([]event.Event, error) {
	var v domain.Validator
	reason = v.Text("reason", reason, 0, MaxReasonLength)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return transition(s, StatusCanceled, func() event.Event {
		return OrderCanceled{OrderID: s.ID, Reason: reason}
	}, StatusApprovalPending, StatusCancelPending)
}

// RejectCancel records that a cancel the order's workflow had accepted could not be
// carried out, and why. A CANCEL_PENDING order is released (APPROVED again); an order
// that never took the lock (the food left first) keeps its status, and the refusal is
// still recorded so that the consumer who was told "accepted" can read the answer.
func RejectCancel(s State, reason domain.Code, detail string) ([]event.Event, error) {
	return refuseChange(s, reason, detail, func(detail string) event.Event {
		return OrderCancelRejected{OrderID: s.ID, Reason: reason, Detail: detail}
	})
}

// refuseChange records the refusal of an accepted change request (see RejectCancel,
// RejectRevision) on any existing order.
func refuseChange(s State, reason domain.Code, detail string, refusal func(detail string) event.Event) ([]event.Event, error) {
	detail, err := checkRefusal(reason, detail)
	if err != nil {
		return nil, err
	}
	if !s.Exists() {
		return nil, notFound()
	}
	return []event.Event{refusal(detail)}, nil
}
