package workflows

import (
	"fmt"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/orderflow/orderflow/domain/order"
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
	// UpdateDeliver is the courier reporting that the consumer has the food
	// (DeliverRequest).
	UpdateDeliver = "deliver"
)

// Search attributes that make orders findable in Temporal UI. They must be registered
// on the namespace: SearchAttributes lists them for whoever registers them.
var (
	OrderStatusKey  = temporal.NewSearchAttributeKeyKeyword("OrderStatus")
	ConsumerIDKey   = temporal.NewSearchAttributeKeyKeyword("ConsumerId")
	RestaurantIDKey = temporal.NewSearchAttributeKeyKeyword("RestaurantId")
)

// SearchAttributes lists every custom search attribute the workflows set, with its
// type (GetValueType), for registering them on a namespace.
func SearchAttributes() []temporal.SearchAttributeKey {
	return []temporal.SearchAttributeKey{OrderStatusKey, ConsumerIDKey, RestaurantIDKey}
}

// OrderWorkflowID is the order's workflow id: the business id, so that starting the
// same order twice finds the first workflow instead of starting a second saga.
func OrderWorkflowID(orderID uuid.UUID) string { return "order-" + orderID.String() }

// changeWorkflowID is the id of an order's n-th change saga (saga "cancel" or
// "revise"). Its event ids derive from it, so it must never repeat for one order.
func changeWorkflowID(orderID uuid.UUID, saga string, n int) string {
	return fmt.Sprintf("%s-%s-%d", OrderWorkflowID(orderID), saga, n)
}

// StartOptions are how an order's workflow is started: its id is the order's, a second
// start of the same order is refused with serviceerror.WorkflowExecutionAlreadyStarted
// (while it runs, and after it closed: reuse policy "reject duplicate"), and the search attributes
// are set from the start so the order is findable in Temporal UI at once (the
// workflow does not upsert them again).
//
// The start asks for eager execution: when the starting process also runs a worker
// of the orders task queue on the same client (`orderflow dev`, or an API process
// that hosts that worker), the server hands the first workflow task back in the
// start's response, to that worker, without a trip through matching. Otherwise the
// SDK does not ask, and the start is an ordinary one.
func StartOptions(in PlaceOrder) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       OrderWorkflowID(in.Order.OrderID),
		TaskQueue:                TaskQueueOrders,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		// Tell the caller rather than hand back the running saga as if it were new.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		EnableEagerStart:                         true,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			OrderStatusKey.ValueSet(string(order.StatusApprovalPending)),
			ConsumerIDKey.ValueSet(in.Order.ConsumerID.String()),
			RestaurantIDKey.ValueSet(in.Order.RestaurantID.String())),
	}
}
