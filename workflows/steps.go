package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities"
)

// The activities, as nil receivers: their method values name the activities for
// ExecuteActivity (the worker registers real ones).
var (
	orderService      *activities.OrderService
	consumerService   *activities.Consumers
	kitchenService    *activities.Kitchen
	accountingService *activities.Accounting
)

// retry is for infrastructure failures: business refusals are non-retryable errors
// and never retried.
var retry = &temporal.RetryPolicy{
	InitialInterval:    time.Second,
	BackoffCoefficient: 2,
	MaximumInterval:    30 * time.Second,
}

// stepBudget is how long a step that may give up keeps retrying (see step).
const stepBudget = 5 * time.Minute

// step runs a forward step that may give up: after stepBudget of failed attempts the
// saga compensates and refuses with SERVICE_UNAVAILABLE. Only steps whose
// compensation is registered before them and always succeeds may give up, because a
// step that gave up may still have taken effect (its last attempt committed, then
// timed out).
func step(ctx workflow.Context, queue string, activity, input any) error {
	return runStep(ctx, workflow.ActivityOptions{
		TaskQueue:              queue,
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: stepBudget,
		RetryPolicy:            retry,
	}, activity, input)
}

// mustStep runs a step whose outcome the saga must know: it retries until it
// succeeds or is refused by a business rule. Compensations, the order's own
// transitions, and every step whose effect could not be undone are must-steps.
//
// Its retry policy sets no limit, and should the attempts still run out (a limit
// imposed from outside: Temporal's test environment stops at 10) the step is
// scheduled again: giving up would leave the saga not knowing what the step did.
func mustStep(ctx workflow.Context, queue string, activity, input any) error {
	opts := workflow.ActivityOptions{
		TaskQueue:           queue,
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         retry,
	}
	for {
		err := runStep(ctx, opts, activity, input)
		if err == nil || activities.BusinessCode(err) != "" || legacySteps(ctx) {
			return err
		}
		workflow.GetLogger(ctx).Warn("a step that must complete ran out of attempts; scheduling it again", "error", err)
	}
}

// runStep runs a step to its outcome even when the workflow is canceled meanwhile.
// Abandoning an activity in flight would let its write land after the saga decided
// it had not happened (after the compensations ran); instead the saga learns what
// the step did and looks at the cancellation between steps.
func runStep(ctx workflow.Context, opts workflow.ActivityOptions, activity, input any) error {
	if !legacySteps(ctx) {
		ctx, _ = workflow.NewDisconnectedContext(ctx)
	}
	ctx = workflow.WithActivityOptions(ctx, opts)
	return workflow.ExecuteActivity(ctx, activity, input).Get(ctx, nil)
}
