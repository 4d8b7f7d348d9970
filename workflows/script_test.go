package workflows_test

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/workflows"
)

// Nil receivers whose method values name the activities to mock.
var (
	orderActs      *activities.OrderService
	consumerActs   *activities.Consumers
	kitchenActs    *activities.Kitchen
	accountingActs *activities.Accounting
)

// script mocks every activity of the sagas. Each call is recorded by its step name
// (Meta.Step), and answers with the next scripted error for that step, or success.
type script struct {
	env     *testsuite.TestWorkflowEnvironment
	mu      sync.Mutex
	steps   []string
	inputs  map[string]any
	answers map[string][]error
	slow    map[string]time.Duration
}

// newScript mocks every activity; slow delays the named activities' answers by that
// much workflow time.
func newScript(t *testing.T, slow ...map[string]time.Duration) *script {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetTestTimeout(30 * time.Second)
	env.RegisterWorkflow(workflows.Order)
	env.RegisterWorkflow(workflows.CancelOrder)
	env.RegisterWorkflow(workflows.ReviseOrder)
	s := &script{env: env, inputs: map[string]any{}, answers: map[string][]error{}, slow: map[string]time.Duration{}}
	for _, m := range slow {
		maps.Copy(s.slow, m)
	}

	on(s, orderActs.CreateOrder)
	on(s, orderActs.ApproveOrder)
	on(s, orderActs.RejectOrder)
	on(s, orderActs.CancelOrder)
	on(s, orderActs.RequestCancel)
	on(s, orderActs.RejectCancel)
	on(s, orderActs.ProposeRevision)
	on(s, orderActs.ConfirmRevision)
	on(s, orderActs.RejectRevision)
	on(s, orderActs.ShipOrder)
	on(s, orderActs.DeliverOrder)
	on(s, orderActs.RequireAttention)
	on(s, consumerActs.VerifyConsumer)
	on(s, kitchenActs.CreateTicket)
	on(s, kitchenActs.AcceptTicket)
	on(s, kitchenActs.RejectTicket)
	on(s, kitchenActs.CancelTicket)
	on(s, kitchenActs.ReviseTicket)
	on(s, accountingActs.AuthorizeCard)
	on(s, accountingActs.ReverseCard)
	on(s, accountingActs.ReviseCard)
	// Every activity is mocked, so a mock's expectations say nothing; what must
	// happen is that each scripted answer was given to a call of its step.
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for step, left := range s.answers {
			require.Emptyf(t, left, "step %s was answered fewer times than scripted", step)
		}
	})
	return s
}

// on mocks one activity with the script's answers.
func on[In any](s *script, activity func(context.Context, In) error) {
	name := stepName(activity)
	s.env.OnActivity(activity, mock.Anything, mock.Anything).After(s.slow[name]).Return(func(_ context.Context, in In) error {
		step := reflect.ValueOf(in).FieldByName("Meta").Interface().(activities.Meta).Step
		s.mu.Lock()
		defer s.mu.Unlock()
		s.steps = append(s.steps, step)
		s.inputs[step] = in
		if queued := s.answers[step]; len(queued) > 0 {
			s.answers[step] = queued[1:]
			return queued[0]
		}
		return nil
	}).Maybe()
}

// stepName is the name of an activity method value, as Meta.Step has it.
func stepName(activity any) string {
	name := runtime.FuncForPC(reflect.ValueOf(activity).Pointer()).Name()
	return strings.TrimSuffix(name[strings.LastIndex(name, ".")+1:], "-fm")
}

// answer scripts the next results of a step; after them it succeeds. The step must
// be called at least that often.
func (s *script) answer(step string, results ...error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[step] = append(s.answers[step], results...)
}

// input is what the step was last called with.
func (s *script) input(step string) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inputs[step]
}

func (s *script) ran() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.steps...)
}

// refuse is a business refusal as an activity returns it.
func refuse(code domain.Code) error {
	return temporal.NewNonRetryableApplicationError("refused: "+string(code), string(code), nil)
}

// at runs f after d of workflow time.
func (s *script) at(d time.Duration, f func()) { s.env.RegisterDelayedCallback(f, d) }

// update sends an update and returns a function that reports its rejection (nil if
// accepted) once it was answered.
func (s *script) update(name string, args ...any) func() error {
	var rejected error
	answered := false
	s.env.UpdateWorkflow(name, uuid.NewString(), &testsuite.TestUpdateCallback{
		OnAccept: func() { answered = true },
		OnReject: func(err error) { rejected, answered = err, true },
	}, args...)
	return func() error {
		if !answered {
			return errors.New("update not answered")
		}
		return rejected
	}
}

// pickUp is the kitchen telling the order that the courier has the food.
func (s *script) pickUp() {
	s.env.SignalWorkflow(workflows.SignalTicketPickedUp, workflows.PickedUp{User: "restaurant:r1"})
}

// deliver is the courier reporting the delivery; it returns the update's answer.
func (s *script) deliver() func() error {
	return s.update(workflows.UpdateDeliver, workflows.DeliverRequest{User: "courier:k1"})
}

func (s *script) progress(t *testing.T) workflows.Progress {
	v, err := s.env.QueryWorkflow(workflows.QueryProgress)
	require.NoError(t, err)
	var p workflows.Progress
	require.NoError(t, v.Get(&p))
	return p
}

func (s *script) result(t *testing.T) workflows.OrderResult {
	require.True(t, s.env.IsWorkflowCompleted())
	require.NoError(t, s.env.GetWorkflowError())
	var r workflows.OrderResult
	require.NoError(t, s.env.GetWorkflowResult(&r))
	return r
}

func placeOrder(auto bool) workflows.PlaceOrder {
	eur := func(c int64) money.Money { return money.Money{Cents: c, Currency: "EUR"} }
	return workflows.PlaceOrder{
		Order: order.CreateCommand{
			OrderID: uuid.MustParse("6f0a4a52-8b3e-4c1e-9c39-0d6a3f1f2a01"), ConsumerID: uuid.MustParse("0b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3"),
			RestaurantID: uuid.MustParse("a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"),
			Lines: []order.Line{
				{MenuItemID: "margherita", Name: "Margherita", Quantity: 2, UnitPrice: eur(900), Total: eur(1800)},
				{MenuItemID: "tiramisu", Name: "Tiramisu", Quantity: 1, UnitPrice: eur(550), Total: eur(550)},
			},
			Total:           eur(2350),
			DeliveryAddress: order.Address{Street: "1 Via Roma", City: "Milano", Zip: "20100"},
		},
		Acceptance: workflows.Acceptance{Auto: auto, Timeout: 10 * time.Minute},
		User:       "consumer:0b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3",
		CommandID:  "req-1",
	}
}
