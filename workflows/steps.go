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
	orderService      *activities.Orders
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

// step runs a forward step on queue. It gives up after five minutes of failed
// attempts, after which the saga compensates and rejects the order.
func step(ctx workflow.Context, queue string, activity, input any) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              queue,
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: 5 * time.Minute,
		RetryPolicy:            retry,
	})
	return workflow.ExecuteActivity(ctx, activity, input).Get(ctx, nil)
}

// mustStep runs a step that cannot be refused and must happen: a compensation, or a
// step after a saga's point of no return. It retries until it succeeds.
func mustStep(ctx workflow.Context, queue string, activity, input any) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           queue,
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         retry,
	})
	return workflow.ExecuteActivity(ctx, activity, input).Get(ctx, nil)
}
