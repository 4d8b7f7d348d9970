package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/domain/order"
)

// CancelOrder is the saga that cancels an approved order (a child of Order): take the
// cancel lock (OrderCancelRequested; undone by OrderCancelRejected, which records why)
// and withdraw the ticket (TicketCanceled, refused with TICKET_ALREADY_PICKED_UP once
// the food has left). That is the point of no return: releasing the card hold
// (CardTransactionReversed) and ending the order (OrderCanceled) cannot be refused, so
// they retry until they succeed, even if the saga is canceled meanwhile. Canceled
// from Temporal before that point, it compensates and ends canceled.
func CancelOrder(ctx workflow.Context, in ChangeOrder) (ChangeResult, error) {
	ctx, legacy := withStepsVersion(ctx)
	interrupted := canceledFrom(ctx)
	if legacy {
		interrupted = noInterruption
	}
	s, err := newChangeSaga(ctx, "CancelOrder", in.OrderID, order.StatusCancelPending)
	if err != nil {
		return ChangeResult{}, err
	}
	var failure error
	err = s.run(ctx, interrupted,
		sagaStep{name: "RequestCancel",
			run: func(ctx workflow.Context) error {
				return mustStep(ctx, TaskQueueOrders, orderService.RequestCancel, in.orderChange("RequestCancel", "", ""))
			},
			undo: &compensation{"RejectCancel", func(ctx workflow.Context) error {
				code, detail := reasonOf(failure)
				return mustStep(ctx, TaskQueueOrders, orderService.RejectCancel, in.orderChange("RejectCancel", code, detail))
			}}},
		sagaStep{name: "CancelTicket", run: func(ctx workflow.Context) error {
			return mustStep(ctx, TaskQueueKitchen, kitchenService.CancelTicket,
				activities.TicketChangeInput{Meta: in.meta("CancelTicket"), OrderID: in.OrderID, Reason: in.Reason})
		}},
	)
	if err != nil {
		failure = err
		return s.refused(ctx, err)
	}

	ctx, _ = workflow.NewDisconnectedContext(ctx)
	if err := mustStep(ctx, TaskQueueAccounting, accountingService.ReverseCard, in.card("ReverseCard", in.Previous)); err != nil {
		return ChangeResult{}, err
	}
	s.done("ReverseCard")
	if err := decidedStep(ctx, orderService.CancelOrder, in.orderChange("CancelOrder", "", in.Reason)); err != nil {
		return ChangeResult{}, err
	}
	s.done("CancelOrder")
	return s.succeeded(), nil
}
