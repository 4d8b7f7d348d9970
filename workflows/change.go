package workflows

import (
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/order"
)

// ChangeOrder is the input of the CancelOrder and ReviseOrder sagas.
type ChangeOrder struct {
	OrderID    uuid.UUID
	ConsumerID uuid.UUID
	// User asked for the change; CommandID is the order's command, the causation.
	User      string
	CommandID string
	// Reason is why the order is canceled (CancelOrder).
	Reason string
	// Revision is the new lines and total, Previous the current ones (ReviseOrder).
	Revision order.Revision
	Previous order.Revision
}

// ChangeResult is how a change saga ended: Done when the change took effect, else
// refused with Reason, after compensating.
type ChangeResult struct {
	Done          bool        `json:"done"`
	Reason        domain.Code `json:"reason,omitempty"`
	Detail        string      `json:"detail,omitempty"`
	Steps         []string    `json:"steps"`
	Compensations []string    `json:"compensations"`
}

func (in ChangeOrder) meta(step string) activities.Meta {
	return activities.Meta{User: in.User, CausationID: in.CommandID, Step: step}
}

func (in ChangeOrder) orderChange(step string, reason domain.Code, detail string) activities.OrderChangeInput {
	return activities.OrderChangeInput{Meta: in.meta(step), OrderID: in.OrderID, Reason: reason, Detail: detail}
}

func (in ChangeOrder) card(step string, amount order.Revision) activities.CardInput {
	return activities.CardInput{Meta: in.meta(step), ConsumerID: in.ConsumerID, OrderID: in.OrderID, Amount: amount.Total}
}
