package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/domain/order"
)

// stopped is how the order's workflow ends when its sagas returned err. Ending
// canceled or continuing as new are fine ends. Any other failure (a compensation
// refused, a step that must not be refused refused: things the sagas are built to
// exclude) would leave the order in a pending status with its streams possibly
// disagreeing and nobody told, so the order is put in NEEDS_ATTENTION instead
// (OrderAttentionRequired, the read model, the OrderStatus search attribute) for an
// operator to resolve (`orderflow orders resolve`), and the workflow ends.
func (w *orderWorkflow) stopped(ctx workflow.Context, err error) error {
	if err == nil || legacySteps(ctx) || errors.As(err, new(*temporal.CanceledError)) ||
		workflow.IsContinueAsNewError(err) {
		return err
	}
	w.closing = true
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	code, detail := reasonOf(err)
	step := stepName(err)
	workflow.GetLogger(ctx).Error("the order needs attention", "saga", w.progress.Saga, "step", step, "error", err)
	if rerr := mustStep(dctx, TaskQueueOrders, orderService.RequireAttention, activities.AttentionInput{
		Meta:    activities.Meta{User: "system:orderflow", CausationID: w.in.CommandID, Step: "RequireAttention"},
		OrderID: w.state.ID, Saga: w.progress.Saga, Step: step, Reason: code, Detail: detail,
	}); rerr != nil {
		return errors.Join(err, rerr) // no order to flag (it was never created): fail loudly
	}
	return w.setStatus(dctx, order.StatusNeedsAttention)
}
