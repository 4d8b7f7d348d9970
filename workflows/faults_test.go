package workflows_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/internal/invariants"
	"github.com/orderflow/orderflow/workflows"
)

// The saga under the faults real workers produce: each test forces one interleaving by
// wrapping the real activity (on PostgreSQL) and then checks the order invariants over
// the streams, not just the workflow's return value.

// around replaces an activity with wrap, which may run the real one (run) at the
// moment of its choosing: after canceling the workflow, after the world moved on, or
// not at all. The activity must be called: a test whose wrapped step never ran did not
// force the interleaving it is about.
func around[In any](s *stack, activity func(context.Context, In) error, impl func(context.Context, In) error,
	wrap func(ctx context.Context, in In, run func() error) error) {
	var calls atomic.Int64
	s.t.Cleanup(func() {
		require.Positivef(s.t, calls.Load(), "the wrapped step %s was never called", stepName(activity))
	})
	wrapActivity(s, activity, impl, func(ctx context.Context, in In, run func() error) error {
		calls.Add(1)
		return wrap(ctx, in, run)
	})
}

// wrapActivity is around without the check that the activity is called.
func wrapActivity[In any](s *stack, activity func(context.Context, In) error, impl func(context.Context, In) error,
	wrap func(ctx context.Context, in In, run func() error) error) {
	s.env.OnActivity(activity, mock.Anything, mock.Anything).Return(func(ctx context.Context, in In) error {
		s.inFlight.Add(1)
		defer s.inFlight.Done()
		return wrap(ctx, in, func() error { return impl(ctx, in) })
	}).Maybe()
}

// real are the activities on the stack's store, for around to call.
func (s *stack) real() (*activities.OrderService, *activities.Kitchen, *activities.Accounting) {
	return &activities.OrderService{Store: s.store}, &activities.Kitchen{Store: s.store}, &activities.Accounting{Store: s.store}
}

// requireInvariants checks the order invariants over the order's streams, once settled.
func (s *stack) requireInvariants() invariants.Order {
	s.t.Helper()
	require.True(s.t, s.env.IsWorkflowCompleted())
	s.inFlight.Wait() // a step the workflow stopped waiting for may still write
	if err := s.env.GetWorkflowError(); err != nil {
		// Canceled from Temporal is a fine end; failing is not: it leaves the order
		// to nobody.
		require.ErrorAs(s.t, err, new(*temporal.CanceledError), "the workflow failed")
	}
	o, err := invariants.Load(context.Background(), s.store, s.in.Order.OrderID)
	require.NoError(s.t, err)
	require.Empty(s.t, invariants.Check(o, invariants.Options{Settled: true}), "order %s ended %s", o.ID, o.State.Status)
	return o
}

func (s *stack) orderState() order.State {
	st, _, err := aggregate.Load(context.Background(), s.store, order.StreamName(s.in.Order.OrderID), (*order.State).Apply)
	require.NoError(s.t, err)
	return st
}

// afterCompensation is how long a wrapped step holds its write back after canceling
// the workflow: long enough for a saga that does not wait for its step to run its
// compensations first, which is the race under test.
const afterCompensation = 300 * time.Millisecond

// errLost is a step's result lost on the way back (the worker died after the commit).
var errLost = errors.New("the worker died before reporting the result")

// pickUpAndDeliver is the kitchen handing the food over, then the courier's delivery.
func pickUpAndDeliver(s *stack) {
	s.at(time.Hour, s.pickUp)
	s.at(2*time.Hour, s.deliver)
}

// The workflow is canceled from Temporal while a step's activity runs, and the
// step's write lands after a pause in which a saga that did not wait for its step
// would have compensated. The saga learns the step's outcome first: the order ends
// canceled with nothing held, or delivered when the food had left.
func TestWorkflowCanceledMidStep(t *testing.T) {
	revise := func(s *stack) {
		s.at(time.Hour, func() { s.update(workflows.UpdateRevise, reviseTo(2)()) })
	}
	for _, tc := range []struct {
		step  string
		drive func(s *stack)
		want  order.Status
	}{
		{"CreateOrder", func(*stack) {}, order.StatusCanceled},
		{"AuthorizeCard", func(*stack) {}, order.StatusCanceled},
		// The approval was recorded before the saga heard of the cancellation: it
		// cancels an approved order.
		{"ApproveOrder", func(*stack) {}, order.StatusCanceled},
		{"RequestCancel", func(s *stack) {
			s.at(time.Hour, func() { s.update(workflows.UpdateCancel, workflows.CancelRequest{User: "consumer:c1"}) })
		}, order.StatusCanceled},
		{"ProposeRevision", revise, order.StatusCanceled},
		// Food that left cannot be canceled: the order ships, keeps its hold and is
		// delivered.
		{"ShipOrder", pickUpAndDeliver, order.StatusDelivered},
		{"DeliverOrder", pickUpAndDeliver, order.StatusDelivered},
	} {
		t.Run(tc.step, func(t *testing.T) {
			s := newStack(t, 10_000, true)
			injectAt(s, tc.step, workflowCanceledMidStep)
			tc.drive(s)
			s.run()
			o := s.requireInvariants()
			require.Equal(t, tc.want, o.State.Status)
		})
	}
}

// The restaurant's acceptance is recorded, its result is lost, and the kitchen starts
// cooking before the retry: the retry finds the acceptance in the stream and succeeds.
func TestAcceptanceRetriedAfterTheKitchenStartedCooking(t *testing.T) {
	s := newStack(t, 10_000, true)
	_, kitchens, _ := s.real()
	var once sync.Once
	around(s, kitchenActs.AcceptTicket, kitchens.AcceptTicket, func(_ context.Context, _ activities.TicketChangeInput, run func() error) error {
		err := run()
		lost := false
		once.Do(func() {
			s.kitchenDoes(kitchen.StartPreparing)
			lost = true
		})
		if lost {
			return errLost
		}
		return err
	})
	pickUpAndDeliver(s)
	s.run()
	s.requireInvariants()
	require.Equal(t, order.StatusDelivered, s.orderState().Status)
}

// A declined authorization whose result is lost is declined again on retry, even when
// credit was freed meanwhile: the decision was recorded once.
func TestDeclineRetriedAfterCreditWasFreed(t *testing.T) {
	s := newStack(t, 3_000, true) // the order is 23.50 EUR
	_, _, accounts := s.real()
	other := uuid.New()
	_, err := aggregate.Execute(context.Background(), s.store, aggregate.Command[accounting.State]{
		Stream: accounting.StreamName(s.in.Order.ConsumerID), Apply: (*accounting.State).Apply,
		Decide: func(st accounting.State) ([]event.Event, error) {
			return accounting.Authorize(st, other, money.Money{Cents: 2_000, Currency: "EUR"})
		},
	})
	require.NoError(t, err)
	var once sync.Once
	around(s, accountingActs.AuthorizeCard, accounts.AuthorizeCard, func(_ context.Context, in activities.CardInput, run func() error) error {
		err := run()
		lost := false
		once.Do(func() {
			_, rerr := aggregate.Execute(context.Background(), s.store, aggregate.Command[accounting.State]{
				Stream: accounting.StreamName(in.ConsumerID), Apply: (*accounting.State).Apply,
				Decide: func(st accounting.State) ([]event.Event, error) { return accounting.Reverse(st, other) },
			})
			require.NoError(t, rerr)
			lost = true
		})
		if lost {
			return errLost
		}
		return err
	})
	s.run()
	s.requireInvariants()
	got := s.orderState()
	require.Equal(t, order.StatusRejected, got.Status)
	require.Equal(t, domain.CodeInsufficientCredit, got.RejectionReason)
}

// A revision the card cannot pay for is refused before the ticket is touched, so the
// kitchen starting to cook meanwhile cannot leave the ticket and the order disagreeing.
func TestDeclinedRevisionWhileTheKitchenStartsCooking(t *testing.T) {
	s := newStack(t, 3_000, true) // 23.50 EUR fits, 59.50 EUR does not
	_, _, accounts := s.real()
	var once sync.Once
	around(s, accountingActs.ReviseCard, accounts.ReviseCard, func(_ context.Context, _ activities.CardInput, run func() error) error {
		once.Do(func() { s.kitchenDoes(kitchen.StartPreparing) })
		return run()
	})
	s.at(time.Hour, func() {
		s.update(workflows.UpdateRevise, workflows.ReviseRequest{User: "consumer:c1",
			Items: []order.LineChange{{MenuItemID: "margherita", Quantity: 6}}})
	})
	s.at(2*time.Hour, func() {
		s.kitchenDoes(kitchen.MarkReady, kitchen.PickUp)
		s.env.SignalWorkflow(workflows.SignalTicketPickedUp, workflows.PickedUp{User: "restaurant:r1"})
	})
	s.at(3*time.Hour, s.deliver)
	s.run()
	o := s.requireInvariants()
	require.Equal(t, order.StatusDelivered, o.State.Status)
	require.Equal(t, 2, o.Ticket.Lines[0].Quantity)
	require.Equal(t, domain.CodeInsufficientCredit, o.State.LastRefusal.Reason)
}

// A lowered hold is never raised back: the credit it freed may be taken by another
// order at once. The order is changed for good once the hold is lowered.
func TestLoweredHoldIsNeverRaisedBack(t *testing.T) {
	s := newStack(t, 2_350, true) // exactly the order's total
	orders, _, _ := s.real()
	attempts := 0
	around(s, orderActs.ConfirmRevision, orders.ConfirmRevision, func(_ context.Context, _ activities.OrderChangeInput, run func() error) error {
		attempts++
		if attempts == 1 { // another order takes the credit the lowered hold freed
			_, err := aggregate.Execute(context.Background(), s.store, aggregate.Command[accounting.State]{
				Stream: accounting.StreamName(s.in.Order.ConsumerID), Apply: (*accounting.State).Apply,
				Decide: func(st accounting.State) ([]event.Event, error) {
					return accounting.Authorize(st, uuid.New(), money.Money{Cents: 550, Currency: "EUR"})
				},
			})
			require.NoError(t, err)
		}
		if attempts <= 10 { // as many as Temporal's test environment allows a step: its retries run out
			return errors.New("the order service is down")
		}
		return run()
	})
	s.at(time.Hour, func() {
		s.update(workflows.UpdateRevise, workflows.ReviseRequest{User: "consumer:c1",
			Items: []order.LineChange{{MenuItemID: "tiramisu", Quantity: 0}}})
	})
	s.at(2*time.Hour, s.pickUp)
	s.at(3*time.Hour, s.deliver)
	s.run()
	o := s.requireInvariants()
	require.Equal(t, int64(1_800), o.State.Total.Cents)
}

// A cancel taken while the pickup is being recorded ends as a recorded refusal, never
// silently dropped.
func TestCancelTakenWhileThePickupIsRecorded(t *testing.T) {
	s := newStack(t, 10_000, true)
	orders, _, _ := s.real()
	var once sync.Once
	refused := false
	around(s, orderActs.ShipOrder, orders.ShipOrder, func(_ context.Context, _ activities.OrderChangeInput, run func() error) error {
		once.Do(func() {
			s.env.UpdateWorkflow(workflows.UpdateCancel, uuid.NewString(), &testsuite.TestUpdateCallback{
				OnReject: func(error) { refused = true },
			}, workflows.CancelRequest{User: "consumer:c1"})
			time.Sleep(afterCompensation)
		})
		return run()
	})
	pickUpAndDeliver(s)
	s.run()
	o := s.requireInvariants()
	require.Equal(t, order.StatusDelivered, o.State.Status)
	if !refused {
		require.NotNil(t, o.State.LastRefusal, "a cancel accepted and then dropped")
		require.Equal(t, "cancel", o.State.LastRefusal.Change)
	}
}

// A revise taken while the approval is recorded runs once the order is approved, even
// when recording the approval takes long.
func TestReviseTakenDuringASlowApproval(t *testing.T) {
	s := newStack(t, 10_000, true)
	orders, _, _ := s.real()
	attempts := 0
	var once sync.Once
	around(s, orderActs.ApproveOrder, orders.ApproveOrder, func(_ context.Context, _ activities.OrderChangeInput, run func() error) error {
		once.Do(func() {
			s.env.UpdateWorkflow(workflows.UpdateRevise, uuid.NewString(), &testsuite.TestUpdateCallback{
				OnReject: func(err error) { t.Errorf("revise refused: %v", err) },
			}, workflows.ReviseRequest{User: "consumer:c1", Items: []order.LineChange{{MenuItemID: "tiramisu", Quantity: 2}}})
		})
		attempts++
		if attempts <= 10 { // its retries run out
			return errors.New("the order service is down")
		}
		return run()
	})
	pickUpAndDeliver(s)
	s.run()
	o := s.requireInvariants()
	require.Equal(t, order.StatusDelivered, o.State.Status)
	require.Equal(t, int64(2*900+2*550), o.State.Total.Cents)
}

// A pickup signalled in the same workflow task as a change saga ends, while Temporal
// suggests continuing as new, is not lost with the old run.
func TestPickupArrivingAsAChangeEndsIsNotLostToContinueAsNew(t *testing.T) {
	s := newStack(t, 10_000, true)
	orders, _, _ := s.real()
	var once sync.Once
	around(s, orderActs.ConfirmRevision, orders.ConfirmRevision, func(_ context.Context, _ activities.OrderChangeInput, run func() error) error {
		once.Do(func() {
			s.kitchenDoes(kitchen.StartPreparing, kitchen.MarkReady, kitchen.PickUp)
			s.env.SignalWorkflowSkippingWorkflowTask(workflows.SignalTicketPickedUp, workflows.PickedUp{User: "restaurant:r1"})
		})
		return run()
	})
	s.at(time.Hour, func() {
		s.env.SetContinueAsNewSuggested(true)
		s.update(workflows.UpdateRevise, workflows.ReviseRequest{User: "consumer:c1",
			Items: []order.LineChange{{MenuItemID: "tiramisu", Quantity: 2}}})
	})
	s.at(2*time.Hour, s.deliver)
	s.run()
	require.True(t, s.env.IsWorkflowCompleted())
	var can interface{ Error() string }
	if err := s.env.GetWorkflowError(); err != nil {
		can = err
	}
	require.Nil(t, can, "the workflow continued as new with a pickup in hand")
	require.Equal(t, order.StatusDelivered, s.orderState().Status)
}

// A compensation refused all the same (here forced: no rule refuses it) puts the order
// in NEEDS_ATTENTION, on its stream and in Temporal, for an operator: never a log line
// alone, never a pending order nobody looks at.
func TestARefusedCompensationLeavesTheOrderNeedingAttention(t *testing.T) {
	s := newStack(t, 1_000, true) // the card declines, so the ticket is withdrawn
	_, kitchens, _ := s.real()
	around(s, kitchenActs.CancelTicket, kitchens.CancelTicket, func(_ context.Context, in activities.TicketChangeInput, run func() error) error {
		return temporal.NewNonRetryableApplicationError("forced", string(domain.CodeTicketAlreadyPickedUp), nil)
	})
	s.run()
	o := s.requireInvariants()
	require.True(t, o.NeedsAttention())
	require.Equal(t, &order.Attention{Was: order.StatusApprovalPending, Saga: "CreateOrder", Step: "CancelTicket",
		Reason: domain.CodeTicketAlreadyPickedUp, Detail: o.State.Attention.Detail}, o.State.Attention)
	var result workflows.OrderResult
	require.NoError(t, s.env.GetWorkflowResult(&result))
	require.Equal(t, order.StatusNeedsAttention, result.Status)
}
