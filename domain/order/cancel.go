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

// RejectCancel releases the cancel lock when the cancel could not be carried out; the
// order is APPROVED again. On an APPROVED order it is a no-op (already released).
func RejectCancel(s State, reason domain.Code, detail string) ([]event.Event, error) {
	detail, err := checkRefusal(reason, detail)
	if err != nil {
		return nil, err
	}
	return transition(s, StatusApproved, func() event.Event {
		return OrderCancelRejected{OrderID: s.ID, Reason: reason, Detail: detail}
	}, StatusCancelPending)
}
