package workflows

import (
	"errors"
	"reflect"
	"runtime"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/internal/refusals"
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
		if err == nil || refusals.Code(err) != "" || legacySteps(ctx) {
			return err
		}
		workflow.GetLogger(ctx).Warn("a step that must complete ran out of attempts; scheduling it again", "error", err)
		// A local step out of its budget (localMustStepBudget) goes on as an activity
		// task: the server then retries it for as long as it takes, without a history
		// event per attempt.
		ctx = workflow.WithValue(ctx, decidedKey{}, false)
	}
}

// runStep runs a step to its outcome even when the workflow is canceled meanwhile.
// Abandoning an activity in flight would let its write land after the saga decided
// it had not happened (after the compensations ran); instead the saga learns what
// the step did and looks at the cancellation between steps.
//
// In a workflow of versionLean the Order service's own steps may run as local
// activities (runsLocally); the other services' steps go to their task queues, so
// that each service runs and scales on its own.
func runStep(ctx workflow.Context, opts workflow.ActivityOptions, activity, input any) error {
	if !legacySteps(ctx) {
		ctx, _ = workflow.NewDisconnectedContext(ctx)
	}
	if opts.TaskQueue == TaskQueueOrders && runsLocally(ctx) {
		return runLocalStep(ctx, opts, activity, input)
	}
	ctx = workflow.WithActivityOptions(ctx, opts)
	return workflow.ExecuteActivity(ctx, activity, input).Get(ctx, nil)
}

// decidedStep runs a must-step of the Order service that the recorded history alone
// decides: which step, with which input, follows from the workflow's input and the
// results of steps already recorded, with no request (signal, update, cancellation)
// consulted since. Only such a step may run as a local activity.
//
// A local activity writes while a workflow task runs, and that task (with the step's
// marker) is recorded only when it completes. A request that arrives meanwhile, and a
// worker that dies before completing the task, make the task run again on a history
// that holds the request but not the step: a step chosen on requests could then be
// chosen differently (rejecting an order the first run canceled, or skipping a lock
// the first run took) after it wrote. A scheduled activity cannot: its scheduling is
// recorded, with the task that chose it, before it runs.
func decidedStep(ctx workflow.Context, activity, input any) error {
	return mustStep(workflow.WithValue(ctx, decidedKey{}, true), TaskQueueOrders, activity, input)
}

// decidedKey marks, in a workflow context, a step run by decidedStep.
type decidedKey struct{}

// runsLocally reports whether an Order service step on ctx runs as a local activity:
// every one in a workflow of leanAllOrderStepsLocal, the decided ones (decidedStep)
// from leanRequestedStepsScheduled on, none before versionLean.
func runsLocally(ctx workflow.Context) bool {
	switch leanVersion(ctx) {
	case workflow.DefaultVersion:
		return false
	case leanAllOrderStepsLocal:
		return true
	}
	decided, _ := ctx.Value(decidedKey{}).(bool)
	return decided
}

// How long a local must-step retries before mustStep schedules it again. A local
// activity gives up at its schedule-to-close timeout, which would otherwise default to
// its start-to-close timeout and cut the backoff short.
//
// Once its backoff outgrows the workflow task timeout, each attempt of a local
// activity costs the history a timer and a workflow task, some six events: a step
// failing for a day (its store down) would take a workflow most of the way to
// Temporal's history limit. So from leanRequestedStepsScheduled on a local must-step
// retries for a minute (a restarted connection, a failover), then goes on as an
// activity task on its queue, whose retries the server keeps out of the history.
const (
	localMustStepBudget  = time.Minute
	leanV1MustStepBudget = 24 * time.Hour // the budget of leanAllOrderStepsLocal
)

// runLocalStep runs one of the Order service's own steps as a local activity on the
// workflow's worker: it writes only the order's own stream, whose only writer is this
// workflow, so the round trips of an activity task (scheduled, started, completed, and
// a workflow task to hear of it) buy nothing; its result is one marker in the history,
// recorded with the workflow task that ran it. Its event ids derive from the workflow
// id and the step, as a regular activity's, so a retried attempt writes nothing twice;
// it retries with the same policy, and a must-step keeps retrying (see mustStep).
func runLocalStep(ctx workflow.Context, opts workflow.ActivityOptions, activity, input any) error {
	budget := opts.ScheduleToCloseTimeout
	if budget == 0 {
		budget = localMustStepBudget
		if leanVersion(ctx) == leanAllOrderStepsLocal {
			budget = leanV1MustStepBudget
		}
	}
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    opts.StartToCloseTimeout,
		ScheduleToCloseTimeout: budget,
		RetryPolicy:            opts.RetryPolicy,
	})
	err := workflow.ExecuteLocalActivity(ctx, activity, input).Get(ctx, nil)
	if err != nil && !errors.As(err, new(*temporal.ActivityError)) {
		err = &localStepError{step: activityName(activity), err: err}
	}
	return err
}

// localStepError names the local activity that failed, as a *temporal.ActivityError
// names a regular one (a local activity's failure reaches the workflow unwrapped).
type localStepError struct {
	step string
	err  error
}

func (e *localStepError) Error() string { return "local activity " + e.step + ": " + e.err.Error() }
func (e *localStepError) Unwrap() error { return e.err }

// activityName is the name an activity method is registered under: its method name,
// as the Temporal SDK derives it.
func activityName(activity any) string {
	name := runtime.FuncForPC(reflect.ValueOf(activity).Pointer()).Name()
	return strings.TrimSuffix(name[strings.LastIndex(name, ".")+1:], "-fm")
}

// stepName is the activity a failed step ran, or "" when err is not a step's failure.
func stepName(err error) string {
	var failed *temporal.ActivityError
	if errors.As(err, &failed) {
		return failed.ActivityType().GetName()
	}
	var local *localStepError
	if errors.As(err, &local) {
		return local.step
	}
	return ""
}
