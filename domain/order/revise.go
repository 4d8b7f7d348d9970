package order

import (
	"slices"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
)

// ProposeRevision takes the revision lock on an approved order with the new lines and
// total (see RevisedLines). The revise saga then re-authorizes the card and revises
// the ticket, and ends with ConfirmRevision or RejectRevision. A revision that changes
// nothing is refused as invalid input rather than started.
func ProposeRevision(s State, lines []Line, total money.Money) ([]event.Event, error) {
	if !s.Exists() {
		return nil, notFound()
	}
	switch s.Status {
	case StatusApproved:
	case StatusCancelPending, StatusRevisionPending:
		return nil, domain.Errorf(domain.CodeInvalidStateTransition, "order %s is %s: another change is in progress", s.ID, s.Status)
	default:
		return nil, invalid(s, StatusRevisionPending)
	}
	if total.Currency != s.Total.Currency {
		return nil, domain.Errorf(domain.CodeCurrencyMismatch, "order %s is in %s, the revision in %s", s.ID, s.Total.Currency, total.Currency)
	}
	var v domain.Validator
	lines = checkLines(&v, lines, total)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if slices.Equal(lines, s.Lines) {
		v.Add("items", "the revision does not change the order")
		return nil, v.Err()
	}
	return []event.Event{OrderRevisionProposed{OrderID: s.ID, Lines: lines, Total: total}}, nil
}

// ConfirmRevision applies the pending revision. Once the lock is released (APPROVED)
// the revision is settled and a retry changes nothing.
func ConfirmRevision(s State) ([]event.Event, error) {
	if s.Status == StatusRevisionPending && s.PendingRevision == nil {
		return nil, domain.Errorf(domain.CodeInvalidStateTransition, "order %s has no pending revision", s.ID)
	}
	return transition(s, StatusApproved, func() event.Event {
		p := s.PendingRevision
		return OrderRevised{OrderID: s.ID, Lines: slices.Clone(p.Lines), Total: p.Total}
	}, StatusRevisionPending)
}

// RejectRevision records that an accepted revision could not be carried out: a
// REVISION_PENDING order drops the pending revision and is APPROVED again; any other
// order keeps its status and lines, with the refusal recorded (see RejectCancel).
func RejectRevision(s State, reason domain.Code, detail string) ([]event.Event, error) {
	return refuseChange(s, reason, detail, func(detail string) event.Event {
		return OrderRevisionRejected{OrderID: s.ID, Reason: reason, Detail: detail}
	})
}
