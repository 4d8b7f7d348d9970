package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/domain/order"
)

// serve keeps an approved order's workflow open for the consumer's changes: each
// cancel or revise runs as a child saga, one at a time (the update validators refuse
// a second while one is in flight). It ends when the order is canceled or the food is
// picked up (OrderShipped). Canceling the workflow from Temporal cancels the order.
func (w *orderWorkflow) serve(ctx workflow.Context) error {
	for {
		w.progress.Waiting = "cancel, revise or pickup"
		err := workflow.Await(ctx, func() bool { return w.cancel != nil || w.revise != nil || w.pickedUp != nil })
		w.progress.Waiting = ""
		if err == nil {
			switch {
			case w.pickedUp != nil:
				return w.ship(ctx)
			case w.cancel != nil:
				err = w.runCancel(ctx)
			case w.revise != nil:
				err = w.runRevise(ctx)
			}
		}
		if ctx.Err() != nil {
			return w.canceledAfterApproval(ctx)
		}
		if err != nil || w.state.Status == order.StatusCanceled {
			return err
		}
		// A long-lived order's history is cut short between changes, never with a
		// request in hand (it would be lost with the old run).
		idle := w.cancel == nil && w.revise == nil && w.pickedUp == nil
		if idle && workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			in := w.in
			in.Resume = &Resume{Lines: w.state.Lines, Total: w.state.Total, Changes: w.changes}
			return workflow.NewContinueAsNewError(ctx, Order, in)
		}
	}
}

// canceledAfterApproval runs the cancel saga for an approved order whose workflow was
// canceled, on a context that survives the cancellation, and ends the workflow canceled.
func (w *orderWorkflow) canceledAfterApproval(ctx workflow.Context) error {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	const reason = "the order's workflow was canceled"
	w.cancel, w.revise = &CancelRequest{User: "system:temporal", Reason: reason}, nil
	if w.state.Status == order.StatusCancelPending || w.state.Status == order.StatusRevisionPending {
		w.state.Status = order.StatusApproved // the interrupted child compensated
	}
	if err := w.runCancel(dctx); err != nil {
		return err
	}
	return temporal.NewCanceledError(reason)
}

func (w *orderWorkflow) ship(ctx workflow.Context) error {
	meta := activities.Meta{User: w.pickedUp.User, CausationID: w.in.CommandID, Step: "ShipOrder"}
	if err := mustStep(ctx, TaskQueueOrders, orderService.ShipOrder,
		activities.OrderChangeInput{Meta: meta, OrderID: w.state.ID}); err != nil {
		return err
	}
	return w.setStatus(ctx, order.StatusShipped)
}

func (w *orderWorkflow) runCancel(ctx workflow.Context) error {
	c := w.cancel
	defer func() { w.cancel = nil }()
	res, err := w.runChange(ctx, order.StatusCancelPending, "cancel", CancelOrder, ChangeOrder{
		OrderID: w.state.ID, ConsumerID: w.state.ConsumerID, User: c.User, CommandID: w.in.CommandID,
		Reason: cancelReason(c.Reason, "canceled by the consumer"),
	})
	if err != nil {
		return err
	}
	if res.Done {
		return w.setStatus(ctx, order.StatusCanceled)
	}
	return w.setStatus(ctx, order.StatusApproved)
}

func (w *orderWorkflow) runRevise(ctx workflow.Context) error {
	rev := *w.revise
	defer func() { w.revise = nil }()
	res, err := w.runChange(ctx, order.StatusRevisionPending, "revise", ReviseOrder, ChangeOrder{
		OrderID: w.state.ID, ConsumerID: w.state.ConsumerID, User: w.reviser, CommandID: w.in.CommandID,
		Revision: rev, Previous: order.Revision{Lines: w.state.Lines, Total: w.state.Total},
	})
	if err != nil {
		return err
	}
	if res.Done {
		w.state.Lines, w.state.Total = rev.Lines, rev.Total
	}
	return w.setStatus(ctx, order.StatusApproved)
}

// runChange runs a change saga as a child workflow while the order shows the pending
// status (the semantic lock), and takes over the child's progress when it ends.
func (w *orderWorkflow) runChange(ctx workflow.Context, pending order.Status, saga string, wf any, in ChangeOrder) (ChangeResult, error) {
	if err := w.setStatus(ctx, pending); err != nil {
		return ChangeResult{}, err
	}
	w.changes++
	id := changeWorkflowID(w.state.ID, saga, w.changes)
	w.progress.begin(workflowName(saga))
	w.progress.Waiting = "child workflow " + id
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: id,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			ConsumerIDKey.ValueSet(w.state.ConsumerID.String()),
			RestaurantIDKey.ValueSet(w.state.RestaurantID.String())),
	})
	var res ChangeResult
	err := workflow.ExecuteChildWorkflow(cctx, wf, in).Get(ctx, &res)
	w.progress.Waiting = ""
	if err == nil {
		w.progress.Steps, w.progress.Compensations, w.progress.RejectionReason = res.Steps, res.Compensations, res.Reason
	}
	return res, err
}

func workflowName(saga string) string {
	if saga == "cancel" {
		return "CancelOrder"
	}
	return "ReviseOrder"
}
