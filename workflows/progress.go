package workflows

import (
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/order"
)

// Progress is what the progress query returns: where the order and its current (or
// last) saga stand.
type Progress struct {
	OrderID uuid.UUID    `json:"order_id"`
	Status  order.Status `json:"status"`
	// Saga is the saga in flight or last run: CreateOrder, CancelOrder, ReviseOrder.
	Saga string `json:"saga"`
	// Steps are the saga's steps that completed, in order.
	Steps []string `json:"steps"`
	// Compensations are the compensations that ran, in the order they ran.
	Compensations []string `json:"compensations"`
	// Waiting says what the workflow waits for, if anything.
	Waiting string `json:"waiting,omitempty"`
	// RejectionReason is why the saga was refused, if it was.
	RejectionReason domain.Code `json:"rejection_reason,omitempty"`
}

func (p *Progress) begin(saga string) {
	p.Saga, p.Steps, p.Compensations, p.Waiting, p.RejectionReason = saga, nil, nil, "", ""
}
