package workflows

import (
	"fmt"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
)

// Task queues, one per service, so each can be scaled or deployed on its own.
const (
	TaskQueueOrders     = "orders"
	TaskQueueConsumers  = "consumers"
	TaskQueueKitchen    = "kitchen"
	TaskQueueAccounting = "accounting"
)

// TaskQueues lists every task queue.
func TaskQueues() []string {
	return []string{TaskQueueOrders, TaskQueueConsumers, TaskQueueKitchen, TaskQueueAccounting}
}

// Names of the Order workflow's query, updates and signal.
const (
	// QueryProgress returns the Progress of the saga in flight (or the last one).
	QueryProgress = "progress"
	// UpdateCancel asks to cancel the order (CancelRequest).
	UpdateCancel = "cancel"
	// UpdateRevise asks to change the order's quantities (ReviseRequest).
	UpdateRevise = "revise"
	// UpdateDecideTicket is the restaurant accepting or rejecting the ticket (TicketDecision).
	UpdateDecideTicket = "decide-ticket"
	// SignalTicketPickedUp tells the order that the courier has the food.
	SignalTicketPickedUp = "ticket-picked-up"
)

// Search attributes that make orders findable in Temporal UI. They must be registered
// on the namespace (the dev stack starts the server with them).
var (
	OrderStatusKey  = temporal.NewSearchAttributeKeyKeyword("OrderStatus")
	ConsumerIDKey   = temporal.NewSearchAttributeKeyKeyword("ConsumerId")
	RestaurantIDKey = temporal.NewSearchAttributeKeyKeyword("RestaurantId")
)

// OrderWorkflowID is the order's workflow id: the business id, so that starting the
// same order twice finds the first workflow instead of starting a second saga.
func OrderWorkflowID(orderID uuid.UUID) string { return "order-" + orderID.String() }

// changeWorkflowID is the id of an order's n-th change saga (saga "cancel" or
// "revise"). Its event ids derive from it, so it must never repeat for one order.
func changeWorkflowID(orderID uuid.UUID, saga string, n int) string {
	return fmt.Sprintf("%s-%s-%d", OrderWorkflowID(orderID), saga, n)
}
