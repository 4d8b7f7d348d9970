package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/workflows"
)

// stepKinds records which activities ran locally (on the workflow's worker) and which as
// activity tasks on a task queue.
type stepKinds struct{ local, queued []string }

func recordStepKinds(s *script) *stepKinds {
	k := &stepKinds{}
	s.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) {
		k.local = append(k.local, info.ActivityType.Name)
	})
	s.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		k.queued = append(k.queued, info.ActivityType.Name+"@"+info.TaskQueue)
	})
	return k
}

// The Order service's steps that the history decides run as local activities, those
// taken on a request (here RequestCancel, on the consumer's cancel) on the orders
// queue; the other services' steps go to their own task queues, so that each service
// still deploys on its own.
func TestDecidedOrderStepsRunLocallyAndTheOthersOnTheirQueues(t *testing.T) {
	s := newScript(t)
	kinds := recordStepKinds(s)
	s.at(time.Hour, func() {
		s.update(workflows.UpdateCancel, workflows.CancelRequest{User: "consumer:c1"})
	})
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

	require.Equal(t, workflows.OrderResult{Status: order.StatusCanceled}, s.result(t))
	require.Equal(t, []string{"CreateOrder", "ApproveOrder", "CancelOrder"}, kinds.local)
	require.Equal(t, []string{"VerifyConsumer@consumers", "CreateTicket@kitchen", "AuthorizeCard@accounting",
		"AcceptTicket@kitchen", "RequestCancel@orders", "CancelTicket@kitchen", "ReverseCard@accounting"}, kinds.queued)
}

// An auto-accepting restaurant's answer is in hand: no acceptance timer is started.
// A restaurant that answers in time has its timer canceled, not left to fire later.
func TestAcceptanceTimerOnlyWhileWaitingForTheRestaurant(t *testing.T) {
	t.Run("auto-accept", func(t *testing.T) {
		s := newScript(t)
		var timers []time.Duration
		s.env.SetOnTimerScheduledListener(func(_ string, d time.Duration) { timers = append(timers, d) })
		s.at(time.Hour, func() { require.Equal(t, order.StatusApproved, s.progress(t).Status); s.env.CancelWorkflow() })
		s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))
		require.Empty(t, timers)
	})
	t.Run("answered", func(t *testing.T) {
		s := newScript(t)
		var canceled []string
		s.env.SetOnTimerCanceledListener(func(id string) { canceled = append(canceled, id) })
		s.at(time.Minute, func() {
			s.update(workflows.UpdateDecideTicket, workflows.TicketDecision{User: "restaurant:r1", Accept: true})
		})
		s.at(time.Hour, func() { require.Equal(t, order.StatusApproved, s.progress(t).Status); s.env.CancelWorkflow() })
		s.env.ExecuteWorkflow(workflows.Order, placeOrder(false))
		require.Len(t, canceled, 1, "the acceptance timer is canceled once the restaurant answered")
	})
}

// The workflow upserts only the settled statuses it moves to: the start's search
// attributes are not set again, and a change in flight (CANCEL_PENDING) is not shown.
func TestOnlySettledStatusesAreUpserted(t *testing.T) {
	s := newScript(t)
	s.at(time.Hour, func() {
		s.update(workflows.UpdateRevise, workflows.ReviseRequest{User: "consumer:c1",
			Items: []order.LineChange{{MenuItemID: "tiramisu", Quantity: 2}}})
	})
	s.at(2*time.Hour, s.pickUp)
	s.at(3*time.Hour, func() { s.deliver() })
	var upserted []string
	s.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		for k, v := range args.Get(0).(temporal.SearchAttributes).GetUntypedValues() {
			upserted = append(upserted, k.GetName()+"="+fmt.Sprint(v))
		}
	}).Return(nil).Maybe()
	require.NoError(t, s.env.SetTypedSearchAttributesOnStart(workflows.StartOptions(placeOrder(true)).TypedSearchAttributes))
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

	require.Equal(t, workflows.OrderResult{Status: order.StatusDelivered}, s.result(t))
	require.Equal(t, []string{"OrderStatus=APPROVED", "OrderStatus=SHIPPED", "OrderStatus=DELIVERED"}, upserted)
}

// A local step that keeps failing past its budget goes on as an activity task on the
// orders queue, whose retries the server keeps out of the history, instead of adding
// a timer and a workflow task to the history for every attempt.
func TestALocalStepFailingPastItsBudgetGoesToItsQueue(t *testing.T) {
	s := newScript(t)
	kinds := recordStepKinds(s)
	failures := make([]error, 30)
	for i := range failures {
		failures[i] = errors.New("the store is down")
	}
	s.answer("ApproveOrder", failures...)
	var status order.Status
	s.at(time.Hour, func() { status = s.progress(t).Status; s.env.CancelWorkflow() })
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

	require.Equal(t, order.StatusApproved, status)
	localApprovals := 0
	for _, name := range kinds.local {
		if name == "ApproveOrder" {
			localApprovals++
		}
	}
	require.Positive(t, localApprovals)
	require.Less(t, localApprovals, 10, "local attempts are bounded by the budget")
	require.Contains(t, kinds.queued, "ApproveOrder@orders")
}
