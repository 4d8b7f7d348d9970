package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/domain/order"
)

// ReviseOrder is the saga that changes an approved order's quantities (a child of
// Order): take the revision lock (OrderRevisionProposed; undone by
// OrderRevisionRejected), revise the ticket (TicketRevised; undone by revising it
// back), re-authorize the card for the new total (CardTransactionRevised, or a decline
// with INSUFFICIENT_CREDIT / ACCOUNT_DISABLED; undone by revising the hold back), and
// confirm (OrderRevised).
func ReviseOrder(ctx workflow.Context, in ChangeOrder) (ChangeResult, error) {
	s, err := newChangeSaga(ctx, "ReviseOrder", in.OrderID, order.StatusRevisionPending)
	if err != nil {
		return ChangeResult{}, err
	}
	var failure error
	err = s.run(ctx, noInterruption,
		sagaStep{name: "ProposeRevision",
			run: func(ctx workflow.Context) error {
				return step(ctx, TaskQueueOrders, orderService.ProposeRevision,
					activities.ProposeRevisionInput{Meta: in.meta("ProposeRevision"), OrderID: in.OrderID, Revision: in.Revision})
			},
			undo: &compensation{"RejectRevision", func(ctx workflow.Context) error {
				code, detail := reasonOf(failure)
				return mustStep(ctx, TaskQueueOrders, orderService.RejectRevision, in.orderChange("RejectRevision", code, detail))
			}}},
		sagaStep{name: "ReviseTicket",
			run: func(ctx workflow.Context) error { return reviseTicket(ctx, step, in, "ReviseTicket", in.Revision) },
			undo: &compensation{"RestoreTicket", func(ctx workflow.Context) error {
				return reviseTicket(ctx, mustStep, in, "RestoreTicket", in.Previous)
			}}},
		sagaStep{name: "ReviseCard",
			run: func(ctx workflow.Context) error {
				return step(ctx, TaskQueueAccounting, accountingService.ReviseCard, in.card("ReviseCard", in.Revision))
			},
			undo: &compensation{"RestoreCardHold", func(ctx workflow.Context) error {
				return mustStep(ctx, TaskQueueAccounting, accountingService.ReviseCard, in.card("RestoreCardHold", in.Previous))
			}}},
		sagaStep{name: "ConfirmRevision", run: func(ctx workflow.Context) error {
			return step(ctx, TaskQueueOrders, orderService.ConfirmRevision, in.orderChange("ConfirmRevision", "", ""))
		}},
	)
	if err != nil {
		failure = err
		return s.refused(ctx, err)
	}
	return s.succeeded(), nil
}

func reviseTicket(ctx workflow.Context, run func(workflow.Context, string, any, any) error, in ChangeOrder, name string, r order.Revision) error {
	return run(ctx, TaskQueueKitchen, kitchenService.ReviseTicket,
		activities.ReviseTicketInput{Meta: in.meta(name), OrderID: in.OrderID, Lines: kitchenLines(r.Lines)})
}
