package workflows_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/workflows"
)

// TestFaultTable is the generated fault-injection test. Each path of the sagas is run
// once to discover the steps it takes; then, for every step found and every fault
// below, the path runs again with the real activities on PostgreSQL and the fault
// injected at that step's first run, and the order invariants are checked over the
// streams. `go test -run TestFaultTable -v ./workflows/` prints the table of
// (path, step, fault, end state) kept in docs/sagas.md.
func TestFaultTable(t *testing.T) {
	var (
		mu   sync.Mutex
		rows []faultRow
	)
	t.Cleanup(func() {
		sort.Slice(rows, func(i, j int) bool { return rows[i].less(rows[j]) })
		var b strings.Builder
		b.WriteString("| path | saga | step | fault | end state |\n|---|---|---|---|---|\n")
		for _, r := range rows {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.path, r.saga, r.step, r.fault, r.end)
		}
		t.Logf("fault table (%d cells):\n%s", len(rows), b.String())
	})
	for pi, p := range faultPaths {
		t.Run(p.name, func(t *testing.T) {
			steps := discoverSteps(t, p)
			for si, st := range steps {
				for fi, f := range faults {
					t.Run(st.name+"/"+f.name, func(t *testing.T) {
						s := p.start(t)
						s.tolerant = true
						injectAt(s, st.name, f)
						p.drive(s)
						s.run()
						o := s.requireInvariants()
						end := string(o.State.Status)
						if o.State.RejectionReason != "" {
							end += " (" + string(o.State.RejectionReason) + ")"
						}
						if r := o.State.LastRefusal; r != nil {
							end += fmt.Sprintf("; %s refused (%s)", r.Change, r.Reason)
						}
						mu.Lock()
						rows = append(rows, faultRow{pi, si, fi, p.name, st.saga, st.name, f.name, end})
						mu.Unlock()
					})
				}
			}
		})
	}
}

type faultRow struct {
	pathIndex, stepIndex, faultIndex int
	path, saga, step, fault, end     string
}

func (r faultRow) less(o faultRow) bool {
	return slices.Compare([]int{r.pathIndex, r.stepIndex, r.faultIndex}, []int{o.pathIndex, o.stepIndex, o.faultIndex}) < 0
}

// faultPath is one way through the sagas: how its order starts and what the world
// does to it (the restaurant, the consumer, the kitchen), on workflow time.
type faultPath struct {
	name  string
	start func(t *testing.T) *stack
	drive func(s *stack)
}

func reviseTo(qty int) func() workflows.ReviseRequest {
	return func() workflows.ReviseRequest {
		return workflows.ReviseRequest{User: "consumer:c1", Items: []order.LineChange{{MenuItemID: "tiramisu", Quantity: qty}}}
	}
}

var faultPaths = []faultPath{
	{"approved then delivered", func(t *testing.T) *stack { return newStack(t, 10_000, true) }, pickUpAndDeliver},
	{"restaurant rejects", func(t *testing.T) *stack { return newStack(t, 10_000, false) },
		func(s *stack) {
			s.at(time.Minute, func() {
				s.update(workflows.UpdateDecideTicket, workflows.TicketDecision{User: "restaurant:r1", Reason: "closing"})
			})
		}},
	{"card declined", func(t *testing.T) *stack { return newStack(t, 1_000, true) }, func(*stack) {}},
	{"canceled while pending", func(t *testing.T) *stack { return newStack(t, 10_000, false) },
		func(s *stack) {
			s.at(time.Minute, func() { s.update(workflows.UpdateCancel, workflows.CancelRequest{User: "consumer:c1"}) })
		}},
	{"canceled after approval", func(t *testing.T) *stack { return newStack(t, 10_000, true) },
		func(s *stack) {
			s.at(time.Hour, func() { s.update(workflows.UpdateCancel, workflows.CancelRequest{User: "consumer:c1"}) })
		}},
	{"cancel too late", func(t *testing.T) *stack { return newStack(t, 10_000, true) },
		func(s *stack) {
			// The kitchen hands the food over and has not told the order yet.
			s.at(time.Hour, func() {
				s.kitchenDoes(kitchen.StartPreparing, kitchen.MarkReady, kitchen.PickUp)
				s.update(workflows.UpdateCancel, workflows.CancelRequest{User: "consumer:c1"})
			})
			s.at(2*time.Hour, s.deliver)
		}},
	{"revised up", func(t *testing.T) *stack { return newStack(t, 10_000, true) },
		func(s *stack) {
			s.at(time.Hour, func() { s.update(workflows.UpdateRevise, reviseTo(3)()) })
			s.at(2*time.Hour, s.pickUp)
			s.at(3*time.Hour, s.deliver)
		}},
	{"revised down", func(t *testing.T) *stack { return newStack(t, 10_000, true) },
		func(s *stack) {
			s.at(time.Hour, func() { s.update(workflows.UpdateRevise, reviseTo(0)()) })
			s.at(2*time.Hour, s.pickUp)
			s.at(3*time.Hour, s.deliver)
		}},
	{"revision declined", func(t *testing.T) *stack { return newStack(t, 3_000, true) },
		func(s *stack) {
			s.at(time.Hour, func() { s.update(workflows.UpdateRevise, reviseTo(5)()) })
			s.at(2*time.Hour, s.pickUp)
			s.at(3*time.Hour, s.deliver)
		}},
	{"revision too late", func(t *testing.T) *stack { return newStack(t, 10_000, true) },
		func(s *stack) {
			s.at(time.Hour, func() {
				s.kitchenDoes(kitchen.StartPreparing)
				s.update(workflows.UpdateRevise, reviseTo(3)())
			})
			s.at(2*time.Hour, s.pickUp)
			s.at(3*time.Hour, s.deliver)
		}},
}

// fault is what goes wrong with a step's first run.
type fault struct {
	name string
	// wrap runs the step (run) as the fault has it; attempt counts the step's runs
	// from 1.
	wrap func(s *stack, attempt int, run func() error) error
}

// exhaustedAttempts is how often a step fails in the "retries run out" fault:
// Temporal's test environment gives a step ten attempts when its policy sets no limit.
const exhaustedAttempts = 10

// workflowCanceledMidStep cancels the workflow while the step's first run is in
// flight, and lands the step's write after a saga that does not wait for its step
// would have compensated.
var workflowCanceledMidStep = fault{"workflow canceled mid-step", func(s *stack, attempt int, run func() error) error {
	if attempt == 1 {
		s.env.CancelWorkflow()
		time.Sleep(afterCompensation)
	}
	return run()
}}

var faults = []fault{
	{"result lost", func(_ *stack, attempt int, run func() error) error {
		err := run()
		if attempt == 1 {
			return errLost
		}
		return err
	}},
	workflowCanceledMidStep,
	{"commits, then retries run out", func(_ *stack, attempt int, run func() error) error {
		err := run()
		if attempt <= exhaustedAttempts {
			return fmt.Errorf("attempt %d: the worker died after the commit", attempt)
		}
		return err
	}},
}

// sagaStepRef is a step found on a path, and the saga that took it.
type sagaStepRef struct{ name, saga string }

// sagaOf names the saga a step ran in, from its workflow's id: the change sagas are
// child workflows, the rest is the order's own workflow, whose create saga ends with
// the approval and whose later steps are the approved order's life.
func sagaOf(workflowID, step string) string {
	switch {
	case strings.Contains(workflowID, "-cancel-"):
		return "CancelOrder"
	case strings.Contains(workflowID, "-revise-"):
		return "ReviseOrder"
	case step == "ShipOrder" || step == "DeliverOrder" || strings.HasPrefix(step, "Refuse"):
		return "after approval"
	}
	return "CreateOrder"
}

// discoverSteps runs the path without faults and returns the steps it took, in order.
func discoverSteps(t *testing.T, p faultPath) []sagaStepRef {
	s := p.start(t)
	var mu sync.Mutex
	var steps []sagaStepRef
	interceptAll(s, func(ctx context.Context, step string, run func() error) error {
		ref := sagaStepRef{step, sagaOf(activity.GetInfo(ctx).WorkflowExecution.ID, step)}
		mu.Lock()
		if !slices.ContainsFunc(steps, func(r sagaStepRef) bool { return r.name == step }) {
			steps = append(steps, ref)
		}
		mu.Unlock()
		return run()
	})
	p.drive(s)
	s.run()
	s.requireInvariants()
	require.NotEmpty(t, steps)
	return steps
}

// injectAt makes f happen to the first run of target, which must run: a fault
// injected into a step the path never takes tests nothing.
func injectAt(s *stack, target string, f fault) {
	var mu sync.Mutex
	attempts := 0
	s.t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		require.Positivef(s.t, attempts, "the fault was never injected: step %s did not run", target)
	})
	interceptAll(s, func(_ context.Context, step string, run func() error) error {
		if step != target {
			return run()
		}
		mu.Lock()
		attempts++
		attempt := attempts
		mu.Unlock()
		return f.wrap(s, attempt, run)
	})
}

// interceptAll wraps every activity of the sagas with wrap, told the step's name.
func interceptAll(s *stack, wrap func(ctx context.Context, step string, run func() error) error) {
	orders, kitchens, accounts := s.real()
	consumers := &activities.Consumers{Store: s.store}
	aroundAll(s, wrap, orderActs.CreateOrder, orders.CreateOrder)
	aroundAll(s, wrap, orderActs.ProposeRevision, orders.ProposeRevision)
	for _, a := range [][2]func(context.Context, activities.OrderChangeInput) error{
		{orderActs.ApproveOrder, orders.ApproveOrder}, {orderActs.RejectOrder, orders.RejectOrder},
		{orderActs.CancelOrder, orders.CancelOrder}, {orderActs.RequestCancel, orders.RequestCancel},
		{orderActs.RejectCancel, orders.RejectCancel}, {orderActs.ConfirmRevision, orders.ConfirmRevision},
		{orderActs.RejectRevision, orders.RejectRevision}, {orderActs.ShipOrder, orders.ShipOrder},
		{orderActs.DeliverOrder, orders.DeliverOrder},
	} {
		aroundAll(s, wrap, a[0], a[1])
	}
	aroundAll(s, wrap, consumerActs.VerifyConsumer, consumers.VerifyConsumer)
	aroundAll(s, wrap, kitchenActs.CreateTicket, kitchens.CreateTicket)
	aroundAll(s, wrap, kitchenActs.ReviseTicket, kitchens.ReviseTicket)
	for _, a := range [][2]func(context.Context, activities.TicketChangeInput) error{
		{kitchenActs.AcceptTicket, kitchens.AcceptTicket}, {kitchenActs.RejectTicket, kitchens.RejectTicket},
		{kitchenActs.CancelTicket, kitchens.CancelTicket},
	} {
		aroundAll(s, wrap, a[0], a[1])
	}
	for _, a := range [][2]func(context.Context, activities.CardInput) error{
		{accountingActs.AuthorizeCard, accounts.AuthorizeCard}, {accountingActs.ReverseCard, accounts.ReverseCard},
		{accountingActs.ReviseCard, accounts.ReviseCard},
	} {
		aroundAll(s, wrap, a[0], a[1])
	}
}

func aroundAll[In any](s *stack, wrap func(ctx context.Context, step string, run func() error) error,
	activity, impl func(context.Context, In) error) {
	wrapActivity(s, activity, impl, func(ctx context.Context, in In, run func() error) error {
		step := reflect.ValueOf(in).FieldByName("Meta").Interface().(activities.Meta).Step
		return wrap(ctx, step, run)
	})
}
