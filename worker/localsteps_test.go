package worker_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/internal/invariants"
	"github.com/orderflow/orderflow/workflows"
)

// A step's effect and the workflow task that decided to take it are recorded apart: a
// local activity commits its write while the task runs, and the task (with the step's
// marker) is recorded only once it completes. A request that arrives in between
// (a cancellation from Temporal, an update, a signal) and a worker that dies before
// completing the task make the task run again on a history that holds the request but
// not the step. Whatever the saga decides on that history must agree with what the
// step already wrote.
//
// Each case runs the real workers on a dev server and PostgreSQL; when the named step
// has run (written), the request is sent, and if the step ran as a local activity the
// workflow task that ran it fails (the worker "dies") so that it replays with the
// request in view. The order is then driven to its end and its streams checked.
func TestARequestArrivingWhileAStepRunsCannotChangeWhatTheSagaDid(t *testing.T) {
	cancelWorkflow := func(c client.Client, info activity.Info) error {
		return c.CancelWorkflow(context.Background(), info.WorkflowExecution.ID, "")
	}
	for _, tc := range []struct {
		name  string
		limit int64 // the consumer's credit limit
		auto  bool
		// before drives the order up to the step; after drives it to its end.
		before, after func(h *histories, in workflows.PlaceOrder)
		step          string
		during        func(c client.Client, info activity.Info) error
		want          order.Status
	}{
		{name: "canceled from Temporal while the order is rejected", limit: 100, auto: true,
			step: "RejectOrder", during: cancelWorkflow, want: order.StatusRejected},
		{name: "canceled from Temporal while the order is created", limit: 10_000, auto: false,
			step: "CreateOrder", during: cancelWorkflow, want: order.StatusCanceled},
		{name: "canceled from Temporal while the order is approved", limit: 10_000, auto: true,
			step: "ApproveOrder", during: cancelWorkflow, want: order.StatusCanceled},
		{name: "cancel saga canceled from Temporal while it takes the lock", limit: 10_000, auto: true,
			before: cancelAfterApproval,
			after:  pickUpAndDeliver,
			step:   "RequestCancel", during: cancelWorkflow, want: order.StatusDelivered},
		{name: "revise saga canceled from Temporal while it takes the lock", limit: 10_000, auto: true,
			before: reviseAfterApproval,
			after:  pickUpAndDeliver,
			step:   "ProposeRevision", during: cancelWorkflow, want: order.StatusDelivered},
		{name: "cancel saga canceled from Temporal while it cancels the order", limit: 10_000, auto: true,
			before: cancelAfterApproval,
			step:   "CancelOrder", during: cancelWorkflow, want: order.StatusCanceled},
		{name: "revise saga canceled from Temporal while it confirms", limit: 10_000, auto: true,
			before: reviseAfterApproval,
			after:  pickUpAndDeliver,
			step:   "ConfirmRevision", during: cancelWorkflow, want: order.StatusDelivered},
		{name: "order canceled from Temporal while its pickup is recorded", limit: 10_000, auto: true,
			before: func(h *histories, in workflows.PlaceOrder) {
				h.await(in, order.StatusApproved)
				h.pickUp(in)
			},
			after: func(h *histories, in workflows.PlaceOrder) {
				h.await(in, order.StatusShipped)
				h.deliver(in)
			},
			step: "ShipOrder", during: cancelWorkflow, want: order.StatusDelivered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &histories{t: t, c: server.Client(t), store: newStore(t)}
			in := newOrder(t, h.store, tc.limit)
			in.Acceptance = workflows.Acceptance{Auto: tc.auto, Timeout: time.Hour}
			crash := &crashAfterStep{step: tc.step, during: func(info activity.Info) error { return tc.during(h.c, info) }}
			startWorkers(t, h.c, h.store, []interceptor.WorkerInterceptor{crash})
			run, err := h.c.ExecuteWorkflow(context.Background(), workflows.StartOptions(in), workflows.Order, in)
			require.NoError(t, err)
			if tc.before != nil {
				tc.before(h, in)
			}
			require.Eventually(t, crash.ran.Load, 30*time.Second, 20*time.Millisecond, "the step %s never ran", tc.step)
			if tc.after != nil {
				tc.after(h, in)
			}

			var result workflows.OrderResult
			ended := run.Get(context.Background(), &result)
			if ended != nil {
				require.ErrorAs(t, ended, new(*temporal.CanceledError), "the workflow failed")
			}
			o, err := invariants.Load(context.Background(), h.store, in.Order.OrderID)
			require.NoError(t, err)
			require.Equal(t, tc.want, o.State.Status, "the order's stream")
			require.Empty(t, invariants.Check(o, invariants.Options{Settled: true}))
			if ended == nil {
				require.Equal(t, o.State.Status, result.Status, "the workflow and the order's stream agree")
			}
			t.Logf("the step ran locally and its task was failed: %v", crash.failedTask.Load())
		})
	}
}

// cancelAfterApproval is the consumer canceling the approved order.
func cancelAfterApproval(h *histories, in workflows.PlaceOrder) {
	h.await(in, order.StatusApproved)
	h.update(in, workflows.UpdateCancel, workflows.CancelRequest{User: in.User, Reason: "changed my mind"})
}

// reviseAfterApproval is the consumer taking one pho instead of two.
func reviseAfterApproval(h *histories, in workflows.PlaceOrder) {
	h.await(in, order.StatusApproved)
	h.update(in, workflows.UpdateRevise, workflows.ReviseRequest{User: in.User,
		Items: []order.LineChange{{MenuItemID: "pho", Quantity: 1}}})
}

// pickUpAndDeliver is the food leaving the approved order's kitchen, then delivered.
func pickUpAndDeliver(h *histories, in workflows.PlaceOrder) {
	h.await(in, order.StatusApproved)
	h.pickUp(in)
	h.await(in, order.StatusShipped)
	h.deliver(in)
}

// crashAfterStep sends a request once the step named step has written (the first
// time), and fails the workflow task that ran it when the step ran as
// a local activity: the worker died before that task was recorded.
type crashAfterStep struct {
	interceptor.WorkerInterceptorBase
	step       string
	during     func(activity.Info) error
	ran        atomic.Bool
	crashTask  atomic.Bool
	failedTask atomic.Bool
}

func (c *crashAfterStep) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	a := &crashAfterStepActivity{crash: c}
	a.Next = next
	return a
}

type crashAfterStepActivity struct {
	interceptor.ActivityInboundInterceptorBase
	crash *crashAfterStep
}

func (a *crashAfterStepActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	res, err := a.Next.ExecuteActivity(ctx, in)
	info := activity.GetInfo(ctx)
	if err != nil || info.ActivityType.Name != a.crash.step || a.crash.ran.Load() {
		return res, err
	}
	if derr := a.crash.during(info); derr != nil {
		return nil, fmt.Errorf("send the request during %s: %w", info.ActivityType.Name, derr)
	}
	a.crash.crashTask.Store(info.IsLocalActivity)
	a.crash.ran.Store(true)
	return res, err
}

func (c *crashAfterStep) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	w := &crashAfterStepWorkflow{crash: c}
	w.Next = next
	return w
}

type crashAfterStepWorkflow struct {
	interceptor.WorkflowInboundInterceptorBase
	crash *crashAfterStep
}

func (w *crashAfterStepWorkflow) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	o := &crashAfterStepOutbound{crash: w.crash}
	o.Next = outbound
	return w.Next.Init(o)
}

type crashAfterStepOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	crash *crashAfterStep
}

func (o *crashAfterStepOutbound) ExecuteLocalActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	return crashingFuture{Future: o.Next.ExecuteLocalActivity(ctx, activityType, args...), crash: o.crash}
}

// crashingFuture fails the workflow task in which the step's result is taken, once.
type crashingFuture struct {
	workflow.Future
	crash *crashAfterStep
}

func (f crashingFuture) Get(ctx workflow.Context, valuePtr any) error {
	err := f.Future.Get(ctx, valuePtr)
	if f.crash.crashTask.CompareAndSwap(true, false) {
		f.crash.failedTask.Store(true)
		panic(errors.New("the worker died after the local step wrote, before its workflow task was recorded"))
	}
	return err
}
