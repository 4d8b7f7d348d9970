package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/internal/refusals"
)

// errConsumerCanceled stops the create saga when the consumer cancels while it is
// pending; the saga then compensates and the order ends CANCELED.
var errConsumerCanceled = domain.Errorf(domain.CodeConsumerCanceled, "the consumer canceled the order")

// create runs the CreateOrder saga: OrderCreated; verify the consumer; create the
// ticket (undo: cancel it); authorize the card (undo: reverse it); wait for the
// restaurant; approve. A refusal or a failure compensates in reverse order and rejects
// the order with the refusing step's code; a consumer's cancel or the workflow's own
// cancellation compensates and cancels it.
//
// The restaurant's acceptance is the point of no return: from then on the kitchen may
// cook, so the order is approved whatever arrives meanwhile, and a cancel taken during
// the last steps (from the consumer or from Temporal) is carried out by the cancel
// saga of the approved order, which can tell "withdrawn" from "too late".
func (w *orderWorkflow) create(ctx workflow.Context) error {
	s := newSaga("CreateOrder", &w.progress)
	if err := decidedStep(ctx, orderService.CreateOrder,
		activities.CreateOrderInput{Meta: w.meta("CreateOrder"), Order: w.in.Order}); err != nil {
		return err // refused as invalid: no order was created, nothing to compensate or reject
	}
	s.done("CreateOrder")

	err := s.run(ctx, w.interrupted(ctx),
		sagaStep{name: "VerifyConsumer", run: w.verifyConsumer},
		sagaStep{name: "CreateTicket", run: w.createTicket, undo: &compensation{"CancelTicket", w.cancelTicket}},
		sagaStep{name: "AuthorizeCard", run: w.authorizeCard, undo: &compensation{"ReverseCard", w.reverseCard}},
		sagaStep{name: "AwaitRestaurant", run: w.awaitRestaurant},
	)
	if err == nil && legacySteps(ctx) {
		err = w.interrupted(ctx)()
	}
	if err != nil {
		return w.abandon(ctx, s, err)
	}
	w.approving = true // from the acceptance on already, since leanRequestedStepsScheduled
	err = decidedStep(ctx, orderService.ApproveOrder,
		activities.OrderChangeInput{Meta: w.meta("ApproveOrder"), OrderID: w.state.ID})
	w.approving = false
	if err != nil && legacySteps(ctx) {
		return w.abandon(ctx, s, err)
	}
	if err != nil {
		return err // only this workflow writes the order: a refusal here is a bug
	}
	s.done("ApproveOrder")
	return w.setStatus(ctx, order.StatusApproved)
}

// interrupted says why the create saga must stop before its next step: the
// workflow was canceled, or the consumer canceled.
func (w *orderWorkflow) interrupted(ctx workflow.Context) func() error {
	workflowCanceled := canceledFrom(ctx)
	return func() error {
		if err := workflowCanceled(); err != nil {
			return err
		}
		if w.cancel != nil {
			return errConsumerCanceled
		}
		return nil
	}
}

func (w *orderWorkflow) verifyConsumer(ctx workflow.Context) error {
	return step(ctx, TaskQueueConsumers, consumerService.VerifyConsumer, activities.VerifyConsumerInput{
		Meta: w.meta("VerifyConsumer"), ConsumerID: w.state.ConsumerID, OrderID: w.state.ID})
}

func (w *orderWorkflow) createTicket(ctx workflow.Context) error {
	err := step(ctx, TaskQueueKitchen, kitchenService.CreateTicket, activities.CreateTicketInput{
		Meta:   w.meta("CreateTicket"),
		Ticket: kitchenTicket(w.state),
	})
	w.ticketOpen = err == nil
	return err
}

func (w *orderWorkflow) cancelTicket(ctx workflow.Context) error {
	w.ticketOpen = false
	return mustStep(ctx, TaskQueueKitchen, kitchenService.CancelTicket, activities.TicketChangeInput{
		Meta: w.meta("CancelTicket"), OrderID: w.state.ID, Reason: "the order was not approved"})
}

func (w *orderWorkflow) authorizeCard(ctx workflow.Context) error {
	return step(ctx, TaskQueueAccounting, accountingService.AuthorizeCard, activities.CardInput{
		Meta: w.meta("AuthorizeCard"), ConsumerID: w.state.ConsumerID, OrderID: w.state.ID, Amount: w.state.Total})
}

func (w *orderWorkflow) reverseCard(ctx workflow.Context) error {
	return mustStep(ctx, TaskQueueAccounting, accountingService.ReverseCard, activities.CardInput{
		Meta: w.meta("ReverseCard"), ConsumerID: w.state.ConsumerID, OrderID: w.state.ID})
}

// awaitRestaurant waits, on a durable timer, for the restaurant's answer (or takes it
// at once for an auto-accepting restaurant) and records it on the ticket.
func (w *orderWorkflow) awaitRestaurant(ctx workflow.Context) error {
	if w.in.Acceptance.Auto && w.decision == nil {
		w.decision = &TicketDecision{User: "system:auto-accept", Accept: true}
	}
	timeout := w.in.Acceptance.Timeout
	if timeout <= 0 {
		timeout = DefaultAcceptanceTimeout
	}
	w.progress.Waiting = "restaurant acceptance"
	answered := w.awaitAnswer(ctx, timeout)
	w.progress.Waiting = ""
	w.ticketOpen = false
	if err := w.interrupted(ctx)(); err != nil {
		return err
	}
	if !answered && (w.decision == nil || legacySteps(ctx)) {
		return domain.Errorf(domain.CodeRestaurantTimeout, "the restaurant did not answer within %s", timeout)
	}
	d := w.decision
	answer := func(step string) activities.TicketChangeInput {
		return activities.TicketChangeInput{Meta: activities.Meta{User: d.User, CausationID: w.in.CommandID, Step: step},
			OrderID: w.state.ID, Reason: d.Reason}
	}
	// The restaurant was told its answer was taken: it is recorded whatever it takes.
	if d.Accept {
		// From the acceptance on the order will be approved, so a revise sent now is
		// taken and runs once the approval is recorded: clients that saw OrderApproved
		// in the read model may ask before this workflow has heard the approval, and a
		// worker that died after the local ApproveOrder wrote replays the task that
		// heard of the acceptance with their request in view.
		// (A workflow of an earlier version takes it only during the approval step.)
		w.approving = leanVersion(ctx) >= leanRequestedStepsScheduled
		err := mustStep(ctx, TaskQueueKitchen, kitchenService.AcceptTicket, answer("AcceptTicket"))
		if err != nil {
			w.approving = false // abandon refuses a revise taken meanwhile
		}
		return err
	}
	if err := mustStep(ctx, TaskQueueKitchen, kitchenService.RejectTicket, answer("RejectTicket")); err != nil {
		return err
	}
	return domain.Errorf(domain.CodeRestaurantRejected, "the restaurant rejected the order: %s", d.Reason)
}

// awaitAnswer waits until the restaurant answers or the consumer cancels, for at most
// timeout, and reports whether it was not timed out. It waits on a durable timer,
// which a workflow of versionLean starts only when there is something to wait for
// (not for an auto-accepting restaurant) and cancels once answered: left running, it
// would fire long after the order moved on and cost a workflow task for nothing.
func (w *orderWorkflow) awaitAnswer(ctx workflow.Context, timeout time.Duration) bool {
	answered := func() bool { return w.decision != nil || w.cancel != nil }
	if !lean(ctx) {
		ok, _ := workflow.AwaitWithTimeout(ctx, timeout, answered)
		return ok
	}
	if answered() {
		return true
	}
	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	timer := workflow.NewTimer(timerCtx, timeout)
	_ = workflow.Await(ctx, func() bool { return answered() || timer.IsReady() })
	return answered()
}

// abandon compensates and ends the order: CANCELED when the consumer canceled or the
// workflow was canceled, REJECTED with the failing step's code otherwise. A canceled
// workflow still ends canceled once its compensations have run.
func (w *orderWorkflow) abandon(ctx workflow.Context, s *saga, cause error) error {
	w.closing = true
	if err := s.compensate(ctx); err != nil {
		return err
	}
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	if leanVersion(ctx) >= leanRequestedStepsScheduled {
		// A revise taken while the acceptance was recorded, which then failed.
		code, detail := reasonOf(cause)
		if err := w.refuseRevise(dctx, code, detail); err != nil {
			return err
		}
	}
	workflowCanceled := ctx.Err() != nil
	if w.cancel != nil || workflowCanceled {
		user, reason := "system:temporal", "the order's workflow was canceled"
		if c := w.cancel; c != nil {
			user, reason = c.User, cancelReason(c.Reason, "canceled by the consumer")
		}
		w.cancel = nil
		meta := activities.Meta{User: user, CausationID: w.in.CommandID, Step: "CancelOrder"}
		if err := mustStep(dctx, TaskQueueOrders, orderService.CancelOrder,
			activities.OrderChangeInput{Meta: meta, OrderID: w.state.ID, Detail: reason}); err != nil {
			return err
		}
		if err := w.setStatus(dctx, order.StatusCanceled); err != nil {
			return err
		}
		if workflowCanceled {
			return temporal.NewCanceledError(reason)
		}
		return nil
	}
	code, detail := reasonOf(cause)
	if err := mustStep(dctx, TaskQueueOrders, orderService.RejectOrder, activities.OrderChangeInput{
		Meta: w.meta("RejectOrder"), OrderID: w.state.ID, Reason: code, Detail: detail}); err != nil {
		return err
	}
	w.state.RejectionReason, w.progress.RejectionReason = code, code
	return w.setStatus(dctx, order.StatusRejected)
}

// reasonOf is the rejection code and detail for why a step failed: its business code,
// or SERVICE_UNAVAILABLE for a step that kept failing until its retries ran out.
func reasonOf(err error) (domain.Code, string) {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		if code := refusals.Code(err); code != "" {
			return code, truncate(app.Message())
		}
	}
	if code := domain.CodeOf(err); code != "" {
		var e *domain.Error
		if errors.As(err, &e) {
			return code, truncate(e.Message)
		}
		return code, truncate(err.Error())
	}
	return domain.CodeServiceUnavailable, truncate(fmt.Sprintf("a saga step kept failing: %v", err))
}

func truncate(s string) string {
	if len(s) > order.MaxDetailLength {
		return s[:order.MaxDetailLength]
	}
	return s
}

func cancelReason(reason, fallback string) string {
	if reason == "" {
		return fallback
	}
	return reason
}

// kitchenTicket is the ticket of an order: what to cook, without prices.
func kitchenTicket(s order.State) kitchen.CreateCommand {
	return kitchen.CreateCommand{OrderID: s.ID, RestaurantID: s.RestaurantID, Lines: kitchenLines(s.Lines)}
}

func kitchenLines(lines []order.Line) []kitchen.Line {
	out := make([]kitchen.Line, len(lines))
	for i, l := range lines {
		out[i] = kitchen.Line{MenuItemID: l.MenuItemID, Name: l.Name, Quantity: l.Quantity}
	}
	return out
}
