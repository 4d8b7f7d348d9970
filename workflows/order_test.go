package workflows_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/workflows"
)

// The create saga's forward steps up to the restaurant's answer.
var throughAuthorization = []string{"CreateOrder", "VerifyConsumer", "CreateTicket", "AuthorizeCard"}

// The approved order's end: the pickup, then the courier's delivery.
var shippedAndDelivered = []string{"ShipOrder", "DeliverOrder"}

func steps(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// The approved order ships when the food is picked up, and its workflow stays open for
// the courier: it ends once the delivery is recorded. A delivery before the pickup,
// or a second one, is refused; so are cancel and revise once the food has left.
func TestApprovedOrderShipsWhenPickedUpAndEndsWhenDelivered(t *testing.T) {
	s := newScript(t)
	var early, cancel, revise, delivered, again func() error
	s.at(time.Hour, func() {
		p := s.progress(t)
		require.Equal(t, order.StatusApproved, p.Status)
		require.Equal(t, []string{"CreateOrder", "VerifyConsumer", "CreateTicket", "AuthorizeCard", "AwaitRestaurant", "ApproveOrder"}, p.Steps)
		require.Empty(t, p.Compensations)
		require.Equal(t, "cancel, revise or pickup", p.Waiting)
		early = s.deliver()
	})
	s.at(2*time.Hour, s.pickUp)
	s.at(3*time.Hour, func() {
		p := s.progress(t)
		require.Equal(t, order.StatusShipped, p.Status)
		require.Equal(t, "delivery", p.Waiting)
		cancel = s.update(workflows.UpdateCancel, workflows.CancelRequest{User: "consumer:c1"})
		revise = s.update(workflows.UpdateRevise, workflows.ReviseRequest{User: "consumer:c1",
			Items: []order.LineChange{{MenuItemID: "tiramisu", Quantity: 2}}})
		delivered = s.deliver()
		again = s.deliver()
	})
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

	requireRefused(t, early(), domain.CodeInvalidStateTransition)
	requireRefused(t, cancel(), domain.CodeTicketAlreadyPickedUp)
	requireRefused(t, revise(), domain.CodeTicketNotRevisable)
	require.NoError(t, delivered())
	requireRefused(t, again(), domain.CodeInvalidStateTransition)
	require.Equal(t, workflows.OrderResult{Status: order.StatusDelivered}, s.result(t))
	require.Equal(t, steps(throughAuthorization, []string{"AcceptTicket", "ApproveOrder"}, shippedAndDelivered), s.ran())
	require.Equal(t, "courier:k1", s.input("DeliverOrder").(activities.OrderChangeInput).Meta.User)
	require.Equal(t, order.StatusDelivered, s.progress(t).Status)
}

// A courier may report the delivery as soon as the kitchen has reported the pickup,
// while the order's workflow is still recording it: the delivery is taken and
// recorded once the order has shipped.
func TestDeliveryReportedWhileThePickupIsRecordedIsTaken(t *testing.T) {
	s := newScript(t, map[string]time.Duration{"ShipOrder": time.Minute})
	var delivered func() error
	s.at(time.Hour, s.pickUp)
	s.at(time.Hour+30*time.Second, func() {
		require.Equal(t, order.StatusApproved, s.progress(t).Status)
		delivered = s.deliver()
	})
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

	require.NoError(t, delivered())
	require.Equal(t, order.StatusDelivered, s.result(t).Status)
	require.Equal(t, steps(throughAuthorization, []string{"AcceptTicket", "ApproveOrder"}, shippedAndDelivered), s.ran())
}

// Canceling the workflow from Temporal once the food has left cancels nothing (the
// food is on its way): the workflow still waits for the courier, records the
// delivery and ends.
func TestWorkflowCanceledAfterThePickupStillRecordsTheDelivery(t *testing.T) {
	s := newScript(t)
	var delivered func() error
	s.at(time.Hour, s.pickUp)
	s.at(2*time.Hour, func() {
		s.env.CancelWorkflow()
	})
	s.at(3*time.Hour, func() {
		require.Equal(t, "delivery", s.progress(t).Waiting)
		delivered = s.deliver()
	})
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

	require.NoError(t, delivered())
	require.Equal(t, workflows.OrderResult{Status: order.StatusDelivered}, s.result(t))
	require.Equal(t, steps(throughAuthorization, []string{"AcceptTicket", "ApproveOrder"}, shippedAndDelivered), s.ran())
}

func TestConsumerRefusedRejectsWithoutCompensations(t *testing.T) {
	for _, code := range []domain.Code{domain.CodeConsumerNotFound, domain.CodeConsumerSuspended} {
		t.Run(string(code), func(t *testing.T) {
			s := newScript(t)
			s.answer("VerifyConsumer", refuse(code))
			s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

			require.Equal(t, workflows.OrderResult{Status: order.StatusRejected, RejectionReason: code}, s.result(t))
			require.Equal(t, []string{"CreateOrder", "VerifyConsumer", "RejectOrder"}, s.ran())
			require.Empty(t, s.progress(t).Compensations)
		})
	}
}

func TestCardDeclinedCompensatesInReverseOrder(t *testing.T) {
	for _, code := range []domain.Code{domain.CodeInsufficientCredit, domain.CodeAccountDisabled} {
		t.Run(string(code), func(t *testing.T) {
			s := newScript(t)
			s.answer("AuthorizeCard", refuse(code))
			s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

			require.Equal(t, workflows.OrderResult{Status: order.StatusRejected, RejectionReason: code}, s.result(t))
			// The card's compensation was registered before its step (it may have taken
			// effect), so it runs first, as a no-op when the authorization was declined.
			require.Equal(t, steps(throughAuthorization, []string{"ReverseCard", "CancelTicket", "RejectOrder"}), s.ran())
			require.Equal(t, []string{"ReverseCard", "CancelTicket"}, s.progress(t).Compensations)
		})
	}
}

// The sagas only compensate with what no rule refuses; should a compensation be
// refused all the same, the order is put in NEEDS_ATTENTION for an operator, with the
// saga, the step and the code, and the remaining compensations still run.
func TestARefusedCompensationPutsTheOrderInNeedsAttention(t *testing.T) {
	s := newScript(t)
	s.answer("AuthorizeCard", refuse(domain.CodeInsufficientCredit))
	s.answer("ReverseCard", refuse(domain.CodeAccountNotFound))
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

	require.Equal(t, order.StatusNeedsAttention, s.result(t).Status)
	require.Equal(t, steps(throughAuthorization, []string{"ReverseCard", "CancelTicket", "RequireAttention"}), s.ran())
	attention := s.input("RequireAttention").(activities.AttentionInput)
	require.Equal(t, "CreateOrder", attention.Saga)
	require.Equal(t, "ReverseCard", attention.Step)
	require.Equal(t, domain.CodeAccountNotFound, attention.Reason)
	require.Equal(t, order.StatusNeedsAttention, s.progress(t).Status)
}

func TestRestaurantRejectsTheTicket(t *testing.T) {
	s := newScript(t)
	var rejected func() error
	s.at(time.Minute, func() {
		require.Equal(t, "restaurant acceptance", s.progress(t).Waiting)
		rejected = s.update(workflows.UpdateDecideTicket, workflows.TicketDecision{User: "restaurant:r1", Reason: "out of basil"})
	})
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(false))

	require.NoError(t, rejected())
	require.Equal(t, workflows.OrderResult{Status: order.StatusRejected, RejectionReason: domain.CodeRestaurantRejected}, s.result(t))
	require.Equal(t, steps(throughAuthorization, []string{"RejectTicket", "ReverseCard", "CancelTicket", "RejectOrder"}), s.ran())
}

func TestRestaurantTimeoutRejectsOnTheDurableTimer(t *testing.T) {
	s := newScript(t)
	start := s.env.Now()
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(false))

	require.Equal(t, workflows.OrderResult{Status: order.StatusRejected, RejectionReason: domain.CodeRestaurantTimeout}, s.result(t))
	require.Equal(t, steps(throughAuthorization, []string{"ReverseCard", "CancelTicket", "RejectOrder"}), s.ran())
	require.GreaterOrEqual(t, s.env.Now().Sub(start), 10*time.Minute, "the saga waited out the acceptance timeout")
}

func TestConsumerCancelsWhilePending(t *testing.T) {
	s := newScript(t)
	var canceled func() error
	s.at(time.Minute, func() {
		canceled = s.update(workflows.UpdateCancel, workflows.CancelRequest{User: "consumer:c1", Reason: "changed my mind"})
	})
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(false))

	require.NoError(t, canceled())
	require.Equal(t, workflows.OrderResult{Status: order.StatusCanceled}, s.result(t))
	require.Equal(t, steps(throughAuthorization, []string{"ReverseCard", "CancelTicket", "CancelOrder"}), s.ran())
	require.Equal(t, []string{"ReverseCard", "CancelTicket"}, s.progress(t).Compensations)
}

func TestWorkflowCanceledMidSagaStillCompensates(t *testing.T) {
	s := newScript(t)
	s.at(time.Minute, func() { s.env.CancelWorkflow() })
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(false))

	require.True(t, s.env.IsWorkflowCompleted())
	var canceled *temporal.CanceledError
	require.True(t, errors.As(s.env.GetWorkflowError(), &canceled), "got %v", s.env.GetWorkflowError())
	require.Equal(t, steps(throughAuthorization, []string{"ReverseCard", "CancelTicket", "CancelOrder"}), s.ran())
	require.Equal(t, order.StatusCanceled, s.progress(t).Status)
}

func TestTransientFailureIsRetriedThenSucceeds(t *testing.T) {
	s := newScript(t)
	s.answer("VerifyConsumer", errors.New("connection reset by peer"))
	s.answer("CreateTicket", errors.New("connection reset by peer"), errors.New("too many connections"))
	s.answer("DeliverOrder", errors.New("connection reset by peer"))
	s.at(time.Hour, s.pickUp)
	s.at(2*time.Hour, func() { s.deliver() })
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

	require.Equal(t, order.StatusDelivered, s.result(t).Status)
	require.Equal(t, []string{"CreateOrder", "VerifyConsumer", "VerifyConsumer", "CreateTicket", "CreateTicket", "CreateTicket",
		"AuthorizeCard", "AcceptTicket", "ApproveOrder", "ShipOrder", "DeliverOrder", "DeliverOrder"}, s.ran())
}

func TestStepFailingUntilRetriesRunOutRejectsAsServiceUnavailable(t *testing.T) {
	s := newScript(t)
	down := make([]error, exhaustedAttempts) // every attempt the step gets
	for i := range down {
		down[i] = errors.New("accounting database unreachable")
	}
	s.answer("AuthorizeCard", down...)
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

	require.Equal(t, workflows.OrderResult{Status: order.StatusRejected, RejectionReason: domain.CodeServiceUnavailable}, s.result(t))
	ran := s.ran()
	require.Equal(t, []string{"ReverseCard", "CancelTicket", "RejectOrder"}, ran[len(ran)-3:])
}

func TestCancelAfterApproval(t *testing.T) {
	s := newScript(t)
	var canceled, second func() error
	s.at(time.Hour, func() {
		canceled = s.update(workflows.UpdateCancel, workflows.CancelRequest{User: "consumer:c1", Reason: "too slow"})
		// The first cancel holds the lock: a second one is refused at once.
		second = s.update(workflows.UpdateCancel, workflows.CancelRequest{User: "consumer:c1"})
	})
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

	require.NoError(t, canceled())
	requireRefused(t, second(), domain.CodeInvalidStateTransition)
	require.Equal(t, workflows.OrderResult{Status: order.StatusCanceled}, s.result(t))
	require.Equal(t, steps(throughAuthorization, []string{"AcceptTicket", "ApproveOrder",
		"RequestCancel", "CancelTicket", "ReverseCard", "CancelOrder"}), s.ran())
	p := s.progress(t)
	require.Equal(t, "CancelOrder", p.Saga)
	require.Equal(t, []string{"RequestCancel", "CancelTicket", "ReverseCard", "CancelOrder"}, p.Steps)
}

// A cancel the kitchen refuses because the food has left releases the lock, and the
// order ships on what the kitchen's stream says (the pickup's signal may have been
// lost), then waits for its delivery.
func TestCancelAfterPickupIsRefusedAndTheLockReleased(t *testing.T) {
	s := newScript(t)
	s.answer("CancelTicket", refuse(domain.CodeTicketAlreadyPickedUp))
	s.at(time.Hour, func() { s.update(workflows.UpdateCancel, workflows.CancelRequest{User: "consumer:c1"}) })
	s.at(2*time.Hour, func() {
		p := s.progress(t)
		require.Equal(t, order.StatusShipped, p.Status)
		require.Equal(t, "CancelOrder", p.Saga)
		require.Equal(t, domain.CodeTicketAlreadyPickedUp, p.RejectionReason)
		require.Equal(t, "delivery", p.Waiting)
		s.deliver()
	})
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

	require.Equal(t, order.StatusDelivered, s.result(t).Status)
	require.Equal(t, steps(throughAuthorization, []string{"AcceptTicket", "ApproveOrder",
		"RequestCancel", "CancelTicket", "RejectCancel"}, shippedAndDelivered), s.ran())
}

func TestReviseThatFailsAuthorizationIsUndone(t *testing.T) {
	s := newScript(t)
	s.answer("ReviseCard", refuse(domain.CodeInsufficientCredit))
	var revised func() error
	s.at(time.Hour, func() {
		revised = s.update(workflows.UpdateRevise, workflows.ReviseRequest{User: "consumer:c1",
			Items: []order.LineChange{{MenuItemID: "margherita", Quantity: 5}}})
	})
	s.at(2*time.Hour, func() {
		require.NoError(t, revised())
		p := s.progress(t)
		require.Equal(t, order.StatusApproved, p.Status)
		require.Equal(t, "ReviseOrder", p.Saga)
		// The card is asked first, so the ticket was never touched: only the hold and
		// the lock are released.
		require.Equal(t, []string{"RestoreCardHold", "RejectRevision"}, p.Compensations)
		require.Equal(t, domain.CodeInsufficientCredit, p.RejectionReason)
		s.pickUp()
	})
	s.at(3*time.Hour, func() { s.deliver() })
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

	require.Equal(t, order.StatusDelivered, s.result(t).Status)
	require.Equal(t, steps(throughAuthorization, []string{"AcceptTicket", "ApproveOrder",
		"ProposeRevision", "ReviseCard", "RestoreCardHold", "RejectRevision"}, shippedAndDelivered), s.ran())
}

func TestReviseThenReviseAgain(t *testing.T) {
	s := newScript(t)
	var answers []func() error
	revise := func(qty int) {
		answers = append(answers, s.update(workflows.UpdateRevise, workflows.ReviseRequest{User: "consumer:c1",
			Items: []order.LineChange{{MenuItemID: "tiramisu", Quantity: qty}}}))
	}
	s.at(time.Hour, func() { revise(3) })
	// Quantity 3 is then the order's: asking for it again changes nothing and is refused.
	s.at(2*time.Hour, func() { revise(3) })
	s.at(3*time.Hour, func() { revise(1) })
	s.at(4*time.Hour, s.pickUp)
	s.at(5*time.Hour, func() { s.deliver() })
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

	require.NoError(t, answers[0]())
	requireRefused(t, answers[1](), domain.CodeValidationFailed)
	require.NoError(t, answers[2]())

	require.Equal(t, order.StatusDelivered, s.result(t).Status)
	// A raise asks the card before the ticket; a cut lowers the hold only once the
	// ticket took the new lines.
	raise := []string{"ProposeRevision", "ReviseCard", "ReviseTicket", "ConfirmRevision"}
	cut := []string{"ProposeRevision", "ReviseTicket", "ReviseCard", "ConfirmRevision"}
	require.Equal(t, steps(throughAuthorization, []string{"AcceptTicket", "ApproveOrder"}, raise, cut, shippedAndDelivered), s.ran())
}

// One change at a time: while a revise is in flight, cancel and revise are refused.
func TestOrderIsLockedWhileAChangeIsInFlight(t *testing.T) {
	s := newScript(t)
	var revise, cancel, reviseAgain func() error
	s.at(time.Hour, func() {
		revise = s.update(workflows.UpdateRevise, workflows.ReviseRequest{User: "consumer:c1",
			Items: []order.LineChange{{MenuItemID: "tiramisu", Quantity: 2}}})
		cancel = s.update(workflows.UpdateCancel, workflows.CancelRequest{User: "consumer:c1"})
		reviseAgain = s.update(workflows.UpdateRevise, workflows.ReviseRequest{User: "consumer:c1",
			Items: []order.LineChange{{MenuItemID: "tiramisu", Quantity: 4}}})
	})
	s.at(2*time.Hour, s.pickUp)
	s.at(3*time.Hour, func() { s.deliver() })
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

	require.NoError(t, revise())
	requireRefused(t, cancel(), domain.CodeInvalidStateTransition)
	requireRefused(t, reviseAgain(), domain.CodeInvalidStateTransition)
	require.Equal(t, order.StatusDelivered, s.result(t).Status)
	require.Equal(t, steps(throughAuthorization, []string{"AcceptTicket", "ApproveOrder",
		"ProposeRevision", "ReviseCard", "ReviseTicket", "ConfirmRevision"}, shippedAndDelivered), s.ran())
}

func TestRestaurantCannotAnswerBeforeTheTicketExistsOrTwice(t *testing.T) {
	s := newScript(t)
	var early, first, again func() error
	s.at(0, func() {
		early = s.update(workflows.UpdateDecideTicket, workflows.TicketDecision{User: "restaurant:r1", Accept: true})
	})
	s.at(time.Minute, func() {
		first = s.update(workflows.UpdateDecideTicket, workflows.TicketDecision{User: "restaurant:r1", Accept: true})
		again = s.update(workflows.UpdateDecideTicket, workflows.TicketDecision{User: "restaurant:r1", Reason: "no"})
	})
	s.at(time.Hour, s.pickUp)
	s.at(2*time.Hour, func() { s.deliver() })
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(false))

	requireRefused(t, early(), domain.CodeInvalidStateTransition)
	require.NoError(t, first())
	requireRefused(t, again(), domain.CodeInvalidStateTransition)
	require.Equal(t, order.StatusDelivered, s.result(t).Status)
	require.Equal(t, steps(throughAuthorization, []string{"AcceptTicket", "ApproveOrder"}, shippedAndDelivered), s.ran())
}

func requireRefused(t *testing.T, err error, code domain.Code) {
	t.Helper()
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app), "want a refusal with %s, got %v", code, err)
	require.Equal(t, string(code), app.Type())
}

// A client that saw OrderApproved in the read model may revise or cancel before the
// workflow has heard its approval step complete: the request is taken and runs once
// the approval is recorded, rather than refused.
func TestChangesSentWhileTheApprovalIsRecordedAreTaken(t *testing.T) {
	for _, tc := range []struct {
		name    string
		update  string
		request any
		then    []string
		want    order.Status
	}{
		{"revise", workflows.UpdateRevise, workflows.ReviseRequest{User: "consumer:c1",
			Items: []order.LineChange{{MenuItemID: "tiramisu", Quantity: 2}}},
			[]string{"ProposeRevision", "ReviseCard", "ReviseTicket", "ConfirmRevision", "ShipOrder", "DeliverOrder"}, order.StatusDelivered},
		{"cancel", workflows.UpdateCancel, workflows.CancelRequest{User: "consumer:c1"},
			[]string{"RequestCancel", "CancelTicket", "ReverseCard", "CancelOrder"}, order.StatusCanceled},
	} {
		// While the restaurant's acceptance is recorded, too: from then on the order
		// will be approved, and a worker that died after a local ApproveOrder wrote
		// replays the task that heard of the acceptance with the request in view,
		// while readers already see the order APPROVED.
		for _, slow := range []string{"AcceptTicket", "ApproveOrder"} {
			t.Run(tc.name+" during "+slow, func(t *testing.T) {
				s := newScript(t, map[string]time.Duration{slow: time.Minute})
				var answer func() error
				s.at(30*time.Second, func() {
					require.Equal(t, order.StatusApprovalPending, s.progress(t).Status)
					answer = s.update(tc.update, tc.request)
				})
				s.at(time.Hour, s.pickUp)
				s.at(2*time.Hour, func() { s.deliver() })
				s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

				require.NoError(t, answer())
				require.Equal(t, tc.want, s.result(t).Status)
				require.Equal(t, steps(throughAuthorization, []string{"AcceptTicket", "ApproveOrder"}, tc.then), s.ran())
			})
		}
	}
}

// A revise taken while the restaurant's acceptance is recorded, when the kitchen then
// refuses to record it (which only a bug or a hand-made event could cause): the order is
// rejected, and the revise refused on the order rather than left unanswered.
func TestReviseTakenDuringAnAcceptanceThatFailsIsRefusedOnTheOrder(t *testing.T) {
	s := newScript(t, map[string]time.Duration{"AcceptTicket": time.Minute})
	s.answer("AcceptTicket", refuse(domain.CodeInvalidStateTransition))
	var answer func() error
	s.at(30*time.Second, func() {
		answer = s.update(workflows.UpdateRevise, workflows.ReviseRequest{User: "consumer:c1",
			Items: []order.LineChange{{MenuItemID: "tiramisu", Quantity: 2}}})
	})
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

	require.NoError(t, answer(), "the revise was taken")
	require.Equal(t, order.StatusRejected, s.result(t).Status)
	require.Equal(t, steps(throughAuthorization, []string{"AcceptTicket", "ReverseCard", "CancelTicket", "RefuseRevise-1", "RejectOrder"}), s.ran())
}

// A reason the saga's steps would refuse is refused before the request is taken.
func TestOverlongReasonsAreRefusedUpFront(t *testing.T) {
	s := newScript(t)
	long := strings.Repeat("é", 501)
	var cancel, reject, accept func() error
	s.at(time.Minute, func() {
		cancel = s.update(workflows.UpdateCancel, workflows.CancelRequest{User: "consumer:c1", Reason: long})
		reject = s.update(workflows.UpdateDecideTicket, workflows.TicketDecision{User: "restaurant:r1", Reason: long})
		accept = s.update(workflows.UpdateDecideTicket, workflows.TicketDecision{User: "restaurant:r1", Accept: true,
			Reason: strings.Repeat("é", 500)})
	})
	s.at(time.Hour, s.pickUp)
	s.at(2*time.Hour, func() { s.deliver() })
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(false))

	requireRefused(t, cancel(), domain.CodeValidationFailed)
	requireRefused(t, reject(), domain.CodeValidationFailed)
	require.NoError(t, accept(), "500 characters of two bytes each are within the limit")
	require.Equal(t, order.StatusDelivered, s.result(t).Status)
}

// A long-lived approved order continues as new between changes, carrying its lines,
// its total and its change count, so the next change saga gets a fresh id.
func TestApprovedOrderContinuesAsNewBetweenChanges(t *testing.T) {
	s := newScript(t)
	s.env.SetContinueAsNewSuggested(true)
	s.at(time.Hour, func() {
		s.update(workflows.UpdateRevise, workflows.ReviseRequest{User: "consumer:c1",
			Items: []order.LineChange{{MenuItemID: "tiramisu", Quantity: 2}}})
	})
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))

	require.True(t, s.env.IsWorkflowCompleted())
	var next *workflow.ContinueAsNewError
	require.True(t, errors.As(s.env.GetWorkflowError(), &next), "got %v", s.env.GetWorkflowError())
	var in workflows.PlaceOrder
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(next.Input, &in))
	require.NotNil(t, in.Resume)
	require.Equal(t, 1, in.Resume.Changes)
	require.Equal(t, int64(2*900+2*550), in.Resume.Total.Cents)
	require.Equal(t, 2, in.Resume.Lines[1].Quantity)
	require.Equal(t, steps(throughAuthorization, []string{"AcceptTicket", "ApproveOrder",
		"ProposeRevision", "ReviseCard", "ReviseTicket", "ConfirmRevision"}), s.ran())
}

// The continued run starts approved, without running the create saga again.
func TestResumedOrderServesChangesWithoutRecreating(t *testing.T) {
	s := newScript(t)
	in := placeOrder(true)
	in.Resume = &workflows.Resume{Lines: in.Order.Lines, Total: in.Order.Total, Changes: 3}
	s.at(time.Hour, func() { s.update(workflows.UpdateCancel, workflows.CancelRequest{User: "consumer:c1"}) })
	s.env.OnWorkflow(workflows.CancelOrder, mock.Anything, mock.Anything).Return(
		func(ctx workflow.Context, in workflows.ChangeOrder) (workflows.ChangeResult, error) {
			require.Equal(t, "order-6f0a4a52-8b3e-4c1e-9c39-0d6a3f1f2a01-cancel-4", workflow.GetInfo(ctx).WorkflowExecution.ID)
			return workflows.ChangeResult{Done: true}, nil
		})
	s.env.ExecuteWorkflow(workflows.Order, in)

	require.Equal(t, order.StatusCanceled, s.result(t).Status)
	require.Empty(t, s.ran(), "no create saga step ran again")
}

// A cancel sent while a rejected order's RejectOrder step runs would be acted on by
// nobody: it is refused (409), never accepted and dropped.
func TestCancelWhileTheOrderIsBeingRejectedIsRefused(t *testing.T) {
	s := newScript(t, map[string]time.Duration{"RejectOrder": time.Minute})
	s.answer("AuthorizeCard", refuse(domain.CodeInsufficientCredit))
	var answer func() error
	s.at(30*time.Second, func() {
		answer = s.update(workflows.UpdateCancel, workflows.CancelRequest{User: "consumer:c1", Reason: "too slow"})
	})
	s.env.ExecuteWorkflow(workflows.Order, placeOrder(true))
	require.True(t, s.env.IsWorkflowCompleted())
	requireRefused(t, answer(), domain.CodeInvalidStateTransition)
	require.Equal(t, order.StatusRejected, s.result(t).Status)
}
