package activities

import (
	"context"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/eventstore"
)

// Meta is who and what caused an activity's events. Every activity input carries it.
type Meta struct {
	// User is the principal on whose behalf the saga runs (the consumer who ordered,
	// the restaurant that accepted).
	User string
	// CausationID is the command (or event) that caused this step.
	CausationID string
	// Step names the write within its workflow. With the workflow id it derives the
	// event ids, so it must differ between two writes of one workflow (a step and
	// its compensation use different names).
	Step string
}

// execute runs cmd as this activity: metadata from Meta and the activity's workflow,
// event ids from the workflow id and step, business refusals made non-retryable.
func execute[S any](ctx context.Context, store aggregate.Store, m Meta, orderID uuid.UUID, cmd aggregate.Command[S]) (aggregate.Result[S], error) {
	if m.Step == "" {
		return aggregate.Result[S]{}, temporal.NewNonRetryableApplicationError(
			"activity input has no step name", string(domain.CodeValidationFailed), nil)
	}
	wf := activity.GetInfo(ctx).WorkflowExecution
	cmd.Metadata = eventstore.Metadata{
		User: m.User, CorrelationID: orderID.String(), CausationID: m.CausationID,
		WorkflowID: wf.ID, RunID: wf.RunID,
	}
	cmd.IdempotencyKey = wf.ID + "/" + m.Step
	res, err := aggregate.Execute(ctx, store, cmd)
	return res, activityError(err)
}

// activityError makes a business refusal a non-retryable application error typed by
// its code (refusals.Code reads it back); other errors pass through for Temporal to
// retry.
func activityError(err error) error {
	if err == nil {
		return nil
	}
	code := domain.CodeOf(err)
	if code == "" {
		return err
	}
	return temporal.NewNonRetryableApplicationError(err.Error(), string(code), err)
}
