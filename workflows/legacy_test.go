package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/workflows"
)

// legacyScript runs the sagas as a workflow started before the change id
// "steps-run-to-their-outcome" does: GetVersion answers DefaultVersion, so every
// legacy branch is taken.
func legacyScript(t *testing.T, slow ...map[string]time.Duration) *script {
	s := beforeLeanScript(t, slow...)
	s.env.OnGetVersion("steps-run-to-their-outcome", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	return s
}

// beforeLeanScript runs the sagas as a workflow started before the change id
// "lean-order-workflow" does: it has no marker for it and asks the older change ids.
func beforeLeanScript(t *testing.T, slow ...map[string]time.Duration) *script {
	s := newScript(t, slow...)
	s.env.OnGetVersion("lean-order-workflow", workflow.DefaultVersion, 2).Return(workflow.DefaultVersion)
	return s
}

// The legacy branches replay what the code before versionStepsRunToOutcome did, path
// by path; these are the paths where the two differ.

// A legacy workflow canceled while ApproveOrder runs compensates (ReverseCard,
// CancelTicket) and ends CANCELED, as it did.
func TestLegacyWorkflowCanceledDuringApprovalCompensatesAsBefore(t *testing.T) {
	s := legacyScript(t, map[string]time.Duration{"ApproveOrder": time.Minute})
	s.at(30*time.Second, s.env.CancelWorkflow)
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))
	require.True(t, s.env.IsWorkflowCompleted())
	require.Subset(t, s.ran(), []string{"ReverseCard", "CancelTicket", "CancelOrder"})
}

// In a legacy workflow a refused compensation is logged and the saga goes on to
// RejectOrder, as it did (a newer workflow needs attention instead).
func TestLegacyRefusedCompensationStillRejectsAsBefore(t *testing.T) {
	s := legacyScript(t)
	s.answer("AuthorizeCard", refuse("INSUFFICIENT_CREDIT"))
	s.answer("CancelTicket", refuse("TICKET_ALREADY_PICKED_UP"))
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))
	require.True(t, s.env.IsWorkflowCompleted())
	require.Contains(t, s.ran(), "RejectOrder")
}

// A legacy revision whose RestoreTicket is refused (the kitchen started cooking) ends
// with the decline as its result, and the order's workflow goes on to the pickup.
func TestLegacyRefusedRestoreTicketKeepsTheOrderServed(t *testing.T) {
	s := legacyScript(t)
	s.answer("ReviseCard", refuse("INSUFFICIENT_CREDIT"))
	s.answer("RestoreTicket", refuse("TICKET_NOT_REVISABLE"))
	s.at(time.Hour, func() {
		s.update(workflows.UpdateRevise, workflows.ReviseRequest{User: "consumer:c1",
			Items: []order.LineChange{{MenuItemID: "tiramisu", Quantity: 2}}})
	})
	s.at(2*time.Hour, s.pickUp)
	s.at(3*time.Hour, func() { s.deliver() })
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))
	require.True(t, s.env.IsWorkflowCompleted())
	require.NoError(t, s.env.GetWorkflowError())
	require.Contains(t, s.ran(), "ShipOrder")
}

// A legacy change saga canceled mid-step (its steps fail with the SDK's CanceledError)
// ends canceled, as it did.
func TestLegacyChangeSagaCanceledMidStepEndsCanceled(t *testing.T) {
	s := legacyScript(t, map[string]time.Duration{"ReviseTicket": time.Minute})
	s.at(30*time.Second, s.env.CancelWorkflow)
	p := placeOrder(true)
	s.env.ExecuteWorkflow(workflows.ReviseOrder, workflows.ChangeOrder{
		OrderID: p.Order.OrderID, ConsumerID: p.Order.ConsumerID, User: p.User, CommandID: p.CommandID,
		Revision: order.Revision{Lines: p.Order.Lines, Total: p.Order.Total},
		Previous: order.Revision{Lines: p.Order.Lines, Total: p.Order.Total},
	})
	require.True(t, s.env.IsWorkflowCompleted())
	var res workflows.ChangeResult
	_ = s.env.GetWorkflowResult(&res)
	require.ErrorAs(t, s.env.GetWorkflowError(), new(*temporal.CanceledError))
}

// A workflow that shipped before the change id "delivery-ends-the-order" ended at the
// pickup, as it did then (GetVersion answers DefaultVersion once the order has
// shipped): its history replays without a wait for the delivery.
func TestWorkflowThatShippedBeforeTheDeliveryChangeEndsAtThePickup(t *testing.T) {
	s := beforeLeanScript(t)
	s.env.OnGetVersion("delivery-ends-the-order", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	s.at(time.Hour, s.pickUp)
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))
	require.Equal(t, workflows.OrderResult{Status: order.StatusShipped}, s.result(t))
	require.Equal(t, steps(throughAuthorization, []string{"AcceptTicket", "ApproveOrder", "ShipOrder"}), s.ran())
}
