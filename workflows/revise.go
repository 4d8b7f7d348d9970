package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/domain/order"
)

// ReviseOrder is the saga that changes an approved order's quantities (a child of
// Order). Its steps are ordered so that no compensation can be refused:
//
//  1. ProposeRevision takes the revision lock (OrderRevisionProposed; undone by
//     OrderRevisionRejected, which records why).
//  2. When the total goes up, ReviseCard raises the hold first (CardTransactionRevised,
//     or a decline with INSUFFICIENT_CREDIT / ACCOUNT_DISABLED); its undo,
//     RestoreCardHold, lowers it back, which is never declined.
//  3. ReviseTicket gives the kitchen the new lines (TicketRevised), refused with
//     TICKET_NOT_REVISABLE once cooking started. It is the last step that can be
//     refused, so the ticket never needs reverting (which the kitchen could refuse).
//  4. Point of no return: when the total goes down, ReviseCard lowers the hold only
//     now (credit it frees may be taken at once by another order, so it could not be
//     raised back); then ConfirmRevision (OrderRevised).
//
// Quantities are repriced with the order's own unit prices by the Order workflow.
func ReviseOrder(ctx workflow.Context, in ChangeOrder) (ChangeResult, error) {
	ctx, legacy := withStepsVersion(ctx)
	s, err := newChangeSaga(ctx, "ReviseOrder", in.OrderID, order.StatusRevisionPending)
	if err != nil {
		return ChangeResult{}, err
	}
	if legacy {
		return reviseTicketFirst(ctx, s, in)
	}
	raise := in.Revision.Total.Cents > in.Previous.Total.Cents
	var failure error
	steps := []sagaStep{{name: "ProposeRevision",
		run: func(ctx workflow.Context) error {
			return mustStep(ctx, TaskQueueOrders, orderService.ProposeRevision,
				activities.ProposeRevisionInput{Meta: in.meta("ProposeRevision"), OrderID: in.OrderID, Revision: in.Revision})
		},
		undo: &compensation{"RejectRevision", func(ctx workflow.Context) error {
			code, detail := reasonOf(failure)
			return mustStep(ctx, TaskQueueOrders, orderService.RejectRevision, in.orderChange("RejectRevision", code, detail))
		}}}}
	if raise {
		steps = append(steps, sagaStep{name: "ReviseCard",
			run: func(ctx workflow.Context) error {
				return step(ctx, TaskQueueAccounting, accountingService.ReviseCard, in.card("ReviseCard", in.Revision))
			},
			undo: &compensation{"RestoreCardHold", func(ctx workflow.Context) error {
				return mustStep(ctx, TaskQueueAccounting, accountingService.ReviseCard, in.card("RestoreCardHold", in.Previous))
			}}})
	}
	steps = append(steps, sagaStep{name: "ReviseTicket", run: func(ctx workflow.Context) error {
		return reviseTicket(ctx, mustStep, in, "ReviseTicket", in.Revision)
	}})
	if err := s.run(ctx, canceledFrom(ctx), steps...); err != nil {
		failure = err
		return s.refused(ctx, err)
	}

	if !raise {
		if err := mustStep(ctx, TaskQueueAccounting, accountingService.ReviseCard, in.card("ReviseCard", in.Revision)); err != nil {
			return ChangeResult{}, err
		}
		s.done("ReviseCard")
	}
	if err := decidedStep(ctx, orderService.ConfirmRevision, in.orderChange("ConfirmRevision", "", "")); err != nil {
		return ChangeResult{}, err
	}
	s.done("ConfirmRevision")
	return s.succeeded(), nil
}

// reviseTicketFirst is ReviseOrder as it ran before versionStepsRunToOutcome (ticket,
// then card, with the ticket reverted when the card declined), kept so that a revision
// in flight when the new code was deployed replays. Remove it once no ReviseOrder
// workflow of that version is open (docs/sagas.md, "Changing the workflows").
func reviseTicketFirst(ctx workflow.Context, s *saga, in ChangeOrder) (ChangeResult, error) {
	var failure error
	err := s.run(ctx, noInterruption,
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
