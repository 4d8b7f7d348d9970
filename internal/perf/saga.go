package perf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/internal/load"
	"github.com/orderflow/orderflow/workflows"
)

// The no-op baseline: a workflow of six activities that do nothing, on the task
// queues the order saga's steps use, in the saga's order (create the order, verify
// the consumer, create the ticket, authorize the card, accept the ticket, approve the
// order), each queue served by a worker of its own as orderflow's workers serve theirs.
const (
	noopWorkflowName     = "PerfNoopSaga" //nolint:gosec // a workflow type name, not a credential
	noopActivityName     = "PerfNoopStep"
	noopLastActivityName = "PerfNoopLastStep"
	noopQueuePrefix      = "perf-noop-"
)

var noopSteps = []string{workflows.TaskQueueOrders, workflows.TaskQueueConsumers, workflows.TaskQueueKitchen,
	workflows.TaskQueueAccounting, workflows.TaskQueueKitchen, workflows.TaskQueueOrders}

func noopSaga(ctx workflow.Context) error {
	for i, q := range noopSteps {
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{TaskQueue: noopQueuePrefix + q, StartToCloseTimeout: time.Minute})
		name := noopActivityName
		if i == len(noopSteps)-1 {
			name = noopLastActivityName
		}
		if err := workflow.ExecuteActivity(actx, name).Get(actx, nil); err != nil {
			return err
		}
	}
	return nil
}

func noopStep(context.Context) error { return nil }

// lastSteps records when each no-op workflow's last activity ran: the moment its
// "order" is approved. An order's latency ends when the API first shows it APPROVED,
// which the projector can do before Temporal has recorded the approving step done; the
// no-op workflow's ends at its last step too, not at its result, which comes a workflow
// task and a long poll later.
type lastSteps struct{ at sync.Map }

func (l *lastSteps) record(ctx context.Context) error {
	l.at.Store(activity.GetInfo(ctx).WorkflowExecution.ID, time.Now())
	return nil
}

// took is how long after started workflow id's last step ran.
func (l *lastSteps) took(id string, started time.Time) (time.Duration, bool) {
	at, ok := l.at.LoadAndDelete(id)
	if !ok {
		return 0, false
	}
	return at.(time.Time).Sub(started), true
}

// noopWorkers serves the baseline's queues from this process until stop is called.
func noopWorkers(c client.Client, last *lastSteps) (stop func(), err error) {
	var started []sdkworker.Worker
	stop = func() {
		for _, w := range started {
			w.Stop()
		}
	}
	for _, q := range workflows.TaskQueues() {
		w := sdkworker.New(c, noopQueuePrefix+q, sdkworker.Options{})
		if q == workflows.TaskQueueOrders {
			w.RegisterWorkflowWithOptions(noopSaga, workflow.RegisterOptions{Name: noopWorkflowName})
		}
		w.RegisterActivityWithOptions(noopStep, activity.RegisterOptions{Name: noopActivityName})
		if q == noopSteps[len(noopSteps)-1] {
			w.RegisterActivityWithOptions(last.record, activity.RegisterOptions{Name: noopLastActivityName})
		}
		if err := w.Start(); err != nil {
			stop()
			return nil, fmt.Errorf("start the no-op worker of %s: %w", q, err)
		}
		started = append(started, w)
	}
	return stop, nil
}

// SideRun is one side of one round: how many completed, how fast, and the CPU seconds
// each process used meanwhile.
type SideRun struct {
	// Started is the orders the API accepted, or the no-op workflows started;
	// Completed those read APPROVED, or whose results came back.
	Started   int                `json:"started"`
	Completed int                `json:"completed"`
	Seconds   float64            `json:"seconds"`
	PerSecond float64            `json:"per_second"`
	CPU       map[string]float64 `json:"cpu_seconds"`
}

// SagaRound is one round: the orders and the no-op workflows, one after the other.
type SagaRound struct {
	OrdersFirst bool    `json:"orders_first"`
	Orders      SideRun `json:"orders"`
	Noop        SideRun `json:"noop"`
}

// History is what the workflows' histories hold, on average per workflow.
type History struct {
	Workflows     int     `json:"workflows"`
	Events        float64 `json:"events"`
	WorkflowTasks float64 `json:"workflow_tasks"`
	Activities    float64 `json:"activities"`
	Markers       float64 `json:"markers"` // local activities, side effects, versions
	Upserts       float64 `json:"search_attribute_upserts"`
	Timers        float64 `json:"timers"`
	Updates       float64 `json:"updates"`
	Signals       float64 `json:"signals"`
}

// SagaReport is the saga part of a run.
type SagaReport struct {
	Rounds []SagaRound `json:"rounds"`
	// Single-order latencies, unloaded: from POST to APPROVED read (orders), from
	// start to result (no-op workflows), in milliseconds.
	OrderLatencyMS []float64 `json:"order_latency_ms"`
	NoopLatencyMS  []float64 `json:"noop_latency_ms"`
	OrderHistory   History   `json:"order_history"`
	NoopHistory    History   `json:"noop_history"`
}

// sagaBench runs the orders and the no-op workflows.
type sagaBench struct {
	o        Options
	sys      *system
	temporal client.Client
	last     *lastSteps
	tag      string
	progress io.Writer
	// settled are the approved orders' ids, and noops the completed no-op
	// workflows' ids, from which the histories are sampled.
	settled, noops []string
}

func newTemporalClient(address string, progress io.Writer) (client.Client, error) {
	logger := slog.New(slog.NewTextHandler(progress, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return client.Dial(client.Options{HostPort: address, Logger: tlog.NewStructuredLogger(logger)})
}

// orders places n approved orders through the API, concurrency at a time, and waits
// for each to be read APPROVED.
func (b *sagaBench) orders(ctx context.Context, n, concurrency int, poll time.Duration) (SideRun, load.Report, error) {
	var before map[string]float64
	var beforeErr error
	report, err := load.Run(ctx, load.Config{BaseURL: b.sys.apiURL, Tokens: b.sys.tokens, Orders: n, Concurrency: concurrency,
		Mix: load.Mix{load.Approved: 100}, PollInterval: poll, SettleTimeout: 5 * time.Minute,
		Placing: func() { before, beforeErr = b.sys.cpu() }}, nil)
	if err != nil {
		return SideRun{}, report, err
	}
	if err := report.Err(); err != nil {
		return SideRun{}, report, fmt.Errorf("orders: %w", err)
	}
	if beforeErr != nil {
		return SideRun{}, report, beforeErr
	}
	after, err := b.sys.cpu()
	if err != nil {
		return SideRun{}, report, err
	}
	if k := report.Kinds[load.Approved]; k != nil {
		b.settled = append(b.settled, k.OrderIDs["APPROVED"]...)
	}
	return SideRun{Started: report.Placed, Completed: report.Settled, Seconds: report.ElapsedSeconds, PerSecond: report.SettledPerSecond,
		CPU: difference(after, before)}, report, nil
}

// noop starts n no-op workflows, concurrency at a time, each waited for to its result;
// it returns the latency of each, from its start to its last step.
func (b *sagaBench) noop(ctx context.Context, round string, n, concurrency int) (SideRun, []float64, error) {
	before, err := b.sys.cpu()
	if err != nil {
		return SideRun{}, nil, err
	}
	var (
		mu        sync.Mutex
		latencies []float64
		errs      []error
		wg        sync.WaitGroup
	)
	slots := make(chan struct{}, concurrency)
	started := time.Now()
	for i := range n {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			id := fmt.Sprintf("perf-noop-%s-%s-%d", b.tag, round, i)
			t0 := time.Now()
			run, err := b.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: noopQueuePrefix + workflows.TaskQueueOrders}, noopWorkflowName)
			if err == nil {
				err = run.Get(ctx, nil)
			}
			took, ran := b.last.took(id, t0)
			if err == nil && !ran {
				err = errors.New("completed without its last step recorded")
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("no-op workflow %s: %w", id, err))
				return
			}
			latencies = append(latencies, float64(took.Microseconds())/1000)
			b.noops = append(b.noops, id)
		})
	}
	wg.Wait()
	elapsed := time.Since(started)
	if err := errors.Join(errs...); err != nil {
		return SideRun{}, nil, err
	}
	after, err := b.sys.cpu()
	if err != nil {
		return SideRun{}, nil, err
	}
	return SideRun{Started: n, Completed: len(latencies), Seconds: elapsed.Seconds(), PerSecond: float64(n) / elapsed.Seconds(),
		CPU: difference(after, before)}, latencies, nil
}

// history averages the histories of up to sample of the workflows.
func (b *sagaBench) history(ctx context.Context, ids []string, sample int) (History, error) {
	var h History
	if len(ids) > sample {
		ids = ids[:sample]
	}
	for _, id := range ids {
		it := b.temporal.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				return h, fmt.Errorf("history of %s: %w", id, err)
			}
			h.Events++
			switch e.GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
				h.WorkflowTasks++
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
				h.Activities++
			case enumspb.EVENT_TYPE_MARKER_RECORDED:
				h.Markers++
			case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
				h.Upserts++
			case enumspb.EVENT_TYPE_TIMER_STARTED:
				h.Timers++
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
				h.Updates++
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
				h.Signals++
			}
		}
		h.Workflows++
	}
	if h.Workflows == 0 {
		return h, errors.New("no workflow to read the history of")
	}
	n := float64(h.Workflows)
	for _, f := range []*float64{&h.Events, &h.WorkflowTasks, &h.Activities, &h.Markers, &h.Upserts, &h.Timers, &h.Updates, &h.Signals} {
		*f /= n
	}
	return h, nil
}

func difference(after, before map[string]float64) map[string]float64 {
	d := map[string]float64{}
	for k, v := range after {
		d[k] = v - before[k]
	}
	return d
}
