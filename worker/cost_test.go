package worker_test

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/worker"
	"github.com/orderflow/orderflow/workflows"
)

// The baseline an order is measured against: a workflow that runs six activities
// that do nothing, one after the other, on the task queues of the create saga's six
// steps as they ran before the Order service's own steps ran locally (CreateOrder on
// orders, VerifyConsumer on consumers, CreateTicket on kitchen, AuthorizeCard on
// accounting, AcceptTicket on kitchen, ApproveOrder on orders). It runs on the same
// workers as the orders, so both have the same pollers and slots.
const (
	noopWorkflow = "NoopWorkflow"
	noopStep     = "NoopStep"
	noopLastStep = "NoopLastStep"
)

var noopSteps = []string{workflows.TaskQueueOrders, workflows.TaskQueueConsumers, workflows.TaskQueueKitchen,
	workflows.TaskQueueAccounting, workflows.TaskQueueKitchen, workflows.TaskQueueOrders}

// registerNoop adds the no-op activities to the worker of a task queue, and the no-op
// workflow to the orders queue's.
func registerNoop(w sdkworker.Registry, queue string) {
	for _, name := range []string{noopStep, noopLastStep} {
		w.RegisterActivityWithOptions(func(context.Context) error { return nil }, activity.RegisterOptions{Name: name})
	}
	if queue != workflows.TaskQueueOrders {
		return
	}
	w.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
		for i, q := range noopSteps {
			name := noopStep
			if i == len(noopSteps)-1 {
				name = noopLastStep
			}
			actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{TaskQueue: q, StartToCloseTimeout: 10 * time.Second})
			if err := workflow.ExecuteActivity(actx, name).Get(ctx, nil); err != nil {
				return err
			}
		}
		return nil
	}, workflow.RegisterOptions{Name: noopWorkflow})
}

func noopStartOptions(eager bool) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{ID: "noop-" + uuid.NewString(), TaskQueue: workflows.TaskQueueOrders, EnableEagerStart: eager}
}

// historyCost is what a workflow's history cost Temporal: its events, by type, and
// its workflow tasks.
type historyCost struct {
	events, workflowTasks int
	byType                map[string]int
}

func costOf(t testing.TB, c client.Client, workflowID string) historyCost {
	t.Helper()
	cost := historyCost{byType: map[string]int{}}
	it := c.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		cost.events++
		name := strings.TrimPrefix(e.GetEventType().String(), "EVENT_TYPE_")
		if m := e.GetMarkerRecordedEventAttributes(); m != nil {
			name += " (" + m.GetMarkerName() + ")"
		}
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
			name += " (" + a.GetActivityType().GetName() + ")"
		}
		cost.byType[name]++
		if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED {
			cost.workflowTasks++
		}
	}
	return cost
}

func costTable(costs map[string]historyCost) string {
	names := slices.Sorted(maps.Keys(costs))
	types := map[string]bool{}
	for _, c := range costs {
		for k := range c.byType {
			types[k] = true
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| | %s |\n|---|%s\n", strings.Join(names, " | "), strings.Repeat("---|", len(names)))
	row := func(label string, value func(historyCost) int) {
		fmt.Fprintf(&b, "| %s |", label)
		for _, n := range names {
			fmt.Fprintf(&b, " %d |", value(costs[n]))
		}
		b.WriteString("\n")
	}
	row("**history events**", func(c historyCost) int { return c.events })
	row("**workflow tasks**", func(c historyCost) int { return c.workflowTasks })
	for _, ty := range slices.Sorted(maps.Keys(types)) {
		row(ty, func(c historyCost) int { return c.byType[ty] })
	}
	return b.String()
}

// What an approved order costs Temporal, on a dev server with the real activities on
// PostgreSQL, next to the no-op workflow with six activities: history events (by type)
// and workflow tasks, from the start to the order resting APPROVED. An order must not
// cost the server more workflow tasks or events than the no-op workflow: the server is
// what limits how many orders settle per second.
func TestWhatAnOrderCostsTemporal(t *testing.T) {
	st := newStore(t)
	c := server.Client(t)
	startWorkers(t, c, st, nil)

	in := newOrder(t, st, 10_000) // an auto-accepting restaurant
	_, err := c.ExecuteWorkflow(context.Background(), workflows.StartOptions(in), workflows.Order, in)
	require.NoError(t, err)
	require.Eventually(t, func() bool { // approved, and resting until the pickup
		v, err := c.QueryWorkflow(context.Background(), workflows.OrderWorkflowID(in.Order.OrderID), "", workflows.QueryProgress)
		var p workflows.Progress
		return err == nil && v.Get(&p) == nil && p.Status == order.StatusApproved && p.Waiting == "cancel, revise or pickup"
	}, 30*time.Second, 50*time.Millisecond)
	approved := costOf(t, c, workflows.OrderWorkflowID(in.Order.OrderID))

	run, err := c.ExecuteWorkflow(context.Background(), noopStartOptions(false), noopWorkflow)
	require.NoError(t, err)
	require.NoError(t, run.Get(context.Background(), nil))
	noop := costOf(t, c, run.GetID())

	t.Logf("what an order costs Temporal:\n%s", costTable(map[string]historyCost{
		"order, start to APPROVED": approved, "no-op workflow, 6 activities": noop}))
	require.LessOrEqual(t, approved.workflowTasks, noop.workflowTasks, "workflow tasks of an approved order")
	require.LessOrEqual(t, approved.events, noop.events, "history events of an approved order")
	require.Zero(t, approved.byType["TimerStarted"], "an auto-accepting restaurant needs no acceptance timer")
}

// startWorkers serves every task queue of orderflow, with the no-op workflow and its
// activities beside orderflow's, on c until the test ends, with the given interceptors.
func startWorkers(t testing.TB, c client.Client, st aggregate.Store, interceptors []interceptor.WorkerInterceptor) {
	t.Helper()
	opts := sdkworker.Options{Interceptors: interceptors}
	for _, q := range workflows.TaskQueues() {
		w := sdkworker.New(c, q, opts)
		require.NoError(t, worker.Register(w, q, st))
		registerNoop(w, q)
		require.NoError(t, w.Start())
		t.Cleanup(w.Stop)
	}
}

var (
	benchOrders      = flag.Int("saga.orders", 200, "orders (and no-op workflows) per round of BenchmarkOrdersAgainstTheNoopWorkflow")
	benchConcurrency = flag.Int("saga.concurrency", 32, "workflows in flight at once in BenchmarkOrdersAgainstTheNoopWorkflow")
	benchNoopEager   = flag.Bool("saga.noop-eager", false, "start the no-op workflows with eager start too")
)

// settled calls done with the workflow id once an activity named step returned
// successfully: the order's approval, the no-op workflow's last step.
type settled struct {
	interceptor.WorkerInterceptorBase
	done func(workflowID, step string)
}

func (s *settled) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	a := &settledActivity{done: s.done}
	a.Next = next
	return a
}

type settledActivity struct {
	interceptor.ActivityInboundInterceptorBase
	done func(workflowID, step string)
}

func (a *settledActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	res, err := a.Next.ExecuteActivity(ctx, in)
	if err == nil {
		info := activity.GetInfo(ctx)
		a.done(info.WorkflowExecution.ID, info.ActivityType.Name)
	}
	return res, err
}

// waiters hands each started workflow the moment it settled.
type waiters struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

func (w *waiters) add(id string) chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := make(chan struct{})
	w.m[id] = ch
	return ch
}

func (w *waiters) done(id, step string) {
	if step != "ApproveOrder" && step != noopLastStep {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if ch, ok := w.m[id]; ok {
		close(ch)
		delete(w.m, id)
	}
}

// BenchmarkOrdersAgainstTheNoopWorkflow settles -saga.orders orders (auto-accepting
// restaurant, start to the approval written) and as many no-op workflows with six
// activities (start to the last activity done) at -saga.concurrency in flight, one
// after the other on the same dev server and workers, alternating which goes first
// each round (-benchtime=Nx rounds). It reports both rates, their ratio and the median
// latency of each. Run it alone: the machine's load moves the absolute figures, the
// same-round ratio less so.
//
//	go test -run '^$' -bench OrdersAgainstTheNoopWorkflow -benchtime 3x ./worker/ -saga.concurrency 32
func BenchmarkOrdersAgainstTheNoopWorkflow(b *testing.B) {
	st := newStore(b)
	c := server.Client(b)
	w := &waiters{m: map[string]chan struct{}{}}
	startWorkers(b, c, st, []interceptor.WorkerInterceptor{&settled{done: w.done}})

	// Each order needs a registered consumer: register them before the clock runs.
	orders := make([]workflows.PlaceOrder, 0, *benchOrders*b.N)
	for range *benchOrders * b.N {
		orders = append(orders, newOrder(b, st, 1_000_000))
	}
	var taken sync.Mutex
	nextOrder := func() (string, func() error) {
		taken.Lock()
		in := orders[0]
		orders = orders[1:]
		taken.Unlock()
		opts := workflows.StartOptions(in)
		return opts.ID, func() error {
			_, err := c.ExecuteWorkflow(context.Background(), opts, workflows.Order, in)
			return err
		}
	}
	nextNoop := func() (string, func() error) {
		opts := noopStartOptions(*benchNoopEager)
		return opts.ID, func() error {
			_, err := c.ExecuteWorkflow(context.Background(), opts, noopWorkflow)
			return err
		}
	}
	// round settles n workflows from next, conc at a time.
	round := func(next func() (string, func() error)) (perSecond float64, p50 time.Duration) {
		n, conc := *benchOrders, *benchConcurrency
		latencies := make([]time.Duration, n)
		sem := make(chan struct{}, conc)
		var wg sync.WaitGroup
		began := time.Now()
		for i := range n {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				id, start := next()
				settled := w.add(id)
				t0 := time.Now()
				if err := start(); err != nil {
					b.Error(err)
					return
				}
				select {
				case <-settled:
				case <-time.After(2 * time.Minute):
					b.Errorf("%s did not settle", id)
				}
				latencies[i] = time.Since(t0)
			})
		}
		wg.Wait()
		elapsed := time.Since(began)
		slices.Sort(latencies)
		return float64(n) / elapsed.Seconds(), latencies[n/2]
	}
	var orderRate, noopRate, orderP50, noopP50 []float64
	b.ResetTimer()
	for i := range b.N {
		runOrders := func() {
			r, p := round(nextOrder)
			orderRate, orderP50 = append(orderRate, r), append(orderP50, float64(p.Milliseconds()))
		}
		runNoop := func() {
			r, p := round(nextNoop)
			noopRate, noopP50 = append(noopRate, r), append(noopP50, float64(p.Milliseconds()))
		}
		if i%2 == 0 {
			runOrders()
			runNoop()
		} else {
			runNoop()
			runOrders()
		}
		b.Logf("round %d: orders %.1f/s (p50 %.0f ms), no-op %.1f/s (p50 %.0f ms), ratio %.0f %%", i+1,
			orderRate[i], orderP50[i], noopRate[i], noopP50[i], 100*orderRate[i]/noopRate[i])
	}
	b.StopTimer()
	mean := func(xs []float64) float64 {
		s := 0.0
		for _, x := range xs {
			s += x
		}
		return s / float64(len(xs))
	}
	b.ReportMetric(mean(orderRate), "orders/s")
	b.ReportMetric(mean(noopRate), "noop/s")
	b.ReportMetric(100*mean(orderRate)/mean(noopRate), "%_of_noop")
	b.ReportMetric(mean(orderP50), "order_p50_ms")
	b.ReportMetric(mean(noopP50), "noop_p50_ms")
	b.ReportMetric(0, "ns/op")
}
