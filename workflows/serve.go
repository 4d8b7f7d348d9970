package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/order"
)

// serve keeps an approved order's workflow open for the consumer's changes: each
// cancel or revise runs as a child saga, one at a time (the update validators refuse
// a second while one is in flight). It ends when the order is canceled, or once the
// food is picked up (OrderShipped) and then delivered (OrderDelivered). Canceling the
// workflow from Temporal cancels the order, unless the food has left.
//
// Requests come before the pickup: a cancel or revise accepted just before the food
// left runs its saga, which the kitchen refuses (TICKET_ALREADY_PICKED_UP,
// TICKET_NOT_REVISABLE), and so ends as a refusal recorded on the order rather than
// being dropped.
func (w *orderWorkflow) serve(ctx workflow.Context) error {
	if legacySteps(ctx) {
		return w.serveLegacy(ctx)
	}
	// A change in flight runs to its end even when the workflow is canceled meanwhile:
	// the cancellation is acted on between changes.
	changes, _ := workflow.NewDisconnectedContext(ctx)
	for {
		w.progress.Waiting = "cancel, revise or pickup"
		_ = workflow.Await(ctx, func() bool { return w.cancel != nil || w.revise != nil || w.foodLeft() })
		w.progress.Waiting = ""
		w.takePickups()
		var err error
		switch {
		case ctx.Err() != nil:
			return w.canceledAfterApproval(ctx)
		case w.cancel != nil:
			err = w.runCancel(changes)
		case w.revise != nil:
			err = w.runRevise(changes)
		default: // the food left
			return w.ship(ctx)
		}
		if err != nil || w.state.Status == order.StatusCanceled {
			return err
		}
		if ctx.Err() == nil && w.idle(ctx) && workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return w.continueAsNew(ctx)
		}
	}
}

// serveLegacy is serve as it ran before versionStepsRunToOutcome: the pickup first, and
// a change canceled along with the workflow.
func (w *orderWorkflow) serveLegacy(ctx workflow.Context) error {
	for {
		w.progress.Waiting = "cancel, revise or pickup"
		err := workflow.Await(ctx, func() bool { return w.cancel != nil || w.revise != nil || w.foodLeft() })
		w.progress.Waiting = ""
		w.takePickups()
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
		if w.idle(ctx) && workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return w.continueAsNew(ctx)
		}
	}
}

// continueAsNew cuts a long-lived order's history short, carrying the order over.
func (w *orderWorkflow) continueAsNew(ctx workflow.Context) error {
	in := w.in
	in.Resume = &Resume{Lines: w.state.Lines, Total: w.state.Total, Changes: w.changes}
	return workflow.NewContinueAsNewError(ctx, Order, in)
}

// idle reports whether the workflow holds no request to act on, delivered signals
// included, once every update handler has finished: a long-lived order's history is
// cut short (continue-as-new) only then, or the request would be lost with the old
// run.
func (w *orderWorkflow) idle(ctx workflow.Context) bool {
	if !legacySteps(ctx) {
		_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	}
	return w.cancel == nil && w.revise == nil && !w.foodLeft()
}

// canceledAfterApproval runs the cancel saga for an approved order whose workflow was
// canceled, on a context that survives the cancellation, and ends the workflow
// canceled. Food already picked up cannot be canceled: the order ships instead.
func (w *orderWorkflow) canceledAfterApproval(ctx workflow.Context) error {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	const reason = "the order's workflow was canceled"
	if legacySteps(ctx) {
		w.cancel, w.revise = &CancelRequest{User: "system:temporal", Reason: reason}, nil
		if w.state.Status == order.StatusCancelPending || w.state.Status == order.StatusRevisionPending {
			w.state.Status = order.StatusApproved // the interrupted child compensated
		}
	} else {
		if err := w.refuseRevise(dctx, domain.CodeWorkflowCanceled, reason); err != nil {
			return err
		}
		if w.cancel == nil { // a consumer's cancel in hand is the same request
			w.cancel = &CancelRequest{User: "system:temporal", Reason: reason}
		}
	}
	w.takePickups()
	if w.pickedUp == nil {
		if err := w.runCancel(dctx); err != nil {
			return err
		}
	}
	if w.pickedUp != nil {
		return w.ship(dctx)
	}
	return temporal.NewCanceledError(reason)
}

// ship records that the food left (OrderShipped), then waits for its delivery.
// Requests still in hand are refused on the order: the food is gone.
func (w *orderWorkflow) ship(ctx workflow.Context) error {
	meta := activities.Meta{User: w.pickedUp.User, CausationID: w.in.CommandID, Step: "ShipOrder"}
	if err := mustStep(ctx, TaskQueueOrders, orderService.ShipOrder,
		activities.OrderChangeInput{Meta: meta, OrderID: w.state.ID}); err != nil {
		return err
	}
	if err := w.setStatus(ctx, order.StatusShipped); err != nil {
		return err
	}
	if !legacySteps(ctx) {
		const left = "the food was already picked up"
		if err := w.refuseCancel(ctx, domain.CodeTicketAlreadyPickedUp, left); err != nil {
			return err
		}
		if err := w.refuseRevise(ctx, domain.CodeTicketNotRevisable, left); err != nil {
			return err
		}
	}
	if !awaitsDelivery(ctx) {
		return nil // a workflow that shipped before versionDelivery ended here
	}
	return w.deliver(ctx)
}

// deliver waits for the courier to report the delivery, records it (OrderDelivered)
// and ends the workflow. Nothing is left to cancel once the food is on its way (cancel
// and revise are refused), so canceling the workflow from Temporal does not stop the
// wait: the order's last fact is still to be recorded. Terminate the workflow to give
// up on it; the order then stays SHIPPED.
func (w *orderWorkflow) deliver(ctx workflow.Context) error {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	w.progress.Waiting = "delivery"
	_ = workflow.Await(ctx, func() bool { return w.delivery != nil })
	w.progress.Waiting = ""
	meta := activities.Meta{User: w.delivery.User, CausationID: w.in.CommandID, Step: "DeliverOrder"}
	if err := mustStep(ctx, TaskQueueOrders, orderService.DeliverOrder,
		activities.OrderChangeInput{Meta: meta, OrderID: w.state.ID}); err != nil {
		return err
	}
	return w.setStatus(ctx, order.StatusDelivered)
}

// refuseCancel records on the order that the cancel in hand will not be carried out,
// so that the client it was accepted from can read why.
func (w *orderWorkflow) refuseCancel(ctx workflow.Context, code domain.Code, detail string) error {
	c := w.cancel
	if c == nil {
		return nil
	}
	w.cancel = nil
	return w.refuse(ctx, orderService.RejectCancel, "RefuseCancel", c.User, code, detail)
}

// refuseRevise is refuseCancel for a revise in hand.
func (w *orderWorkflow) refuseRevise(ctx workflow.Context, code domain.Code, detail string) error {
	if w.revise == nil {
		return nil
	}
	w.revise = nil
	return w.refuse(ctx, orderService.RejectRevision, "RefuseRevise", w.reviser, code, detail)
}

func (w *orderWorkflow) refuse(ctx workflow.Context, activity any, step, user string, code domain.Code, detail string) error {
	w.changes++ // numbers the step: event ids derive from it and must not repeat
	meta := activities.Meta{User: user, CausationID: w.in.CommandID, Step: fmt.Sprintf("%s-%d", step, w.changes)}
	return mustStep(ctx, TaskQueueOrders, activity,
		activities.OrderChangeInput{Meta: meta, OrderID: w.state.ID, Reason: code, Detail: detail})
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
	if res.Reason == domain.CodeTicketAlreadyPickedUp && w.pickedUp == nil && !legacySteps(ctx) {
		// The kitchen's stream says the food left; the pickup's signal may have been
		// lost (the kitchen recorded it, then failed to tell us), so ship on what the
		// stream says.
		w.pickedUp = &PickedUp{User: "system:orderflow"}
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
// status (the semantic lock), and takes over the child's progress when it ends. A
// child canceled from Temporal compensated and recorded the refusal on the order
// (WORKFLOW_CANCELED): the order is as it was.
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
	if err != nil && errors.As(err, new(*temporal.CanceledError)) && !legacySteps(ctx) {
		res, err = ChangeResult{Reason: domain.CodeWorkflowCanceled}, nil
	}
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
