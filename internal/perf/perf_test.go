package perf_test

import (
	"context"
	"math"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/internal/perf"
	"github.com/orderflow/orderflow/internal/pgtest"
)

// A tiny run of `orderflow perf` end to end: the binary built from this tree started
// as the API, the worker, the projector and the baseline server, on a real Temporal dev
// server and a real PostgreSQL. It checks that the report is whole and consistent, not
// how fast anything was.
func TestTinyRunReportsEverySide(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "orderflow")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/orderflow")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "build orderflow: %s", out)

	o := perf.Quick()
	o.Binary, o.DatabaseURL = bin, pgtest.URL()
	o.Concurrency, o.SagaRounds, o.SagaOrders, o.Warmup = 4, 3, 6, 2
	o.LatencyRounds, o.LatencyOrders, o.HistorySample = 2, 2, 3
	o.ReadRounds, o.ReadDuration, o.ReadConnections = 2, 300*time.Millisecond, 4
	o.PollInterval = 20 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var progress strings.Builder
	report, err := perf.Run(ctx, o, &progress)
	require.NoError(t, err, "progress:\n%s", progress.String())
	t.Logf("progress:\n%s", progress.String())

	require.Len(t, report.Saga.Rounds, 3)
	for i, r := range report.Saga.Rounds {
		require.Equal(t, i%2 == 0, r.OrdersFirst, "the sides alternate")
		for _, side := range []perf.SideRun{r.Orders, r.Noop} {
			require.Equal(t, o.SagaOrders, side.Started, "round %d", i+1)
			require.Equal(t, side.Started, side.Completed, "round %d: every order placed settled, every workflow completed", i+1)
			require.Greater(t, side.PerSecond, 0.0)
			require.Greater(t, side.Seconds, 0.0)
			for _, p := range []string{"temporal", "api", "worker", "projector", "perf"} {
				require.Contains(t, side.CPU, p)
				require.GreaterOrEqual(t, side.CPU[p], 0.0)
			}
		}
		require.Greater(t, r.Orders.CPU["temporal"]+r.Orders.CPU["worker"], 0.0, "the saga costs CPU somewhere")
	}
	requireFinitePositive(t, report.Saga.ThroughputRatio())
	require.Len(t, report.Saga.OrderLatencyMS, 2)
	require.Len(t, report.Saga.NoopLatencyMS, 2)
	requireFinitePositive(t, report.Saga.LatencyRatio())

	// The no-op workflow's history is known exactly: six activities, each after a
	// workflow task, and a last one that completes the workflow.
	noop := report.Saga.NoopHistory
	require.Equal(t, 3, noop.Workflows)
	require.Equal(t, 6.0, noop.Activities)
	require.Equal(t, 7.0, noop.WorkflowTasks)
	require.Zero(t, noop.Upserts)
	order := report.Saga.OrderHistory
	require.Equal(t, 3, order.Workflows)
	// The create saga's six steps: the consumer's, kitchen's and accounting's on their
	// services' task queues, the order's own as local activities (markers).
	require.GreaterOrEqual(t, order.Activities+order.Markers, 6.0, "the create saga's six steps")
	require.GreaterOrEqual(t, order.WorkflowTasks, 1.0)
	require.Greater(t, order.Events, order.Activities)

	require.NotEmpty(t, report.Reads.OrderID)
	require.NotEmpty(t, report.Reads.ConsumerID)
	require.Len(t, report.Reads.Series, 5)
	for _, s := range report.Reads.Series {
		require.Len(t, s.Runs, 2, "%s on the %s", s.Endpoint, s.Side)
		for _, run := range s.Runs {
			require.Positive(t, run.Requests, "%s on the %s", s.Endpoint, s.Side)
			require.Zero(t, run.Errors, "%s on the %s", s.Endpoint, s.Side)
			require.LessOrEqual(t, run.P50MS, run.P99MS)
		}
	}
	for _, endpoint := range []string{perf.EndpointOrder, perf.EndpointHistory} {
		api, ok := report.Reads.Find(endpoint, perf.SideAPI)
		require.True(t, ok)
		pgxSide, ok := report.Reads.Find(endpoint, perf.SidePgx)
		require.True(t, ok)
		requireFinitePositive(t, api.PerSecond().Median/pgxSide.PerSecond().Median)
	}

	require.Len(t, report.Memory, 3+2, "after each saga round and each reads round")
	for _, m := range report.Memory {
		for _, p := range []string{"api", "worker", "projector"} {
			require.Positive(t, m.RSS[p], "%s after %s", p, m.After)
		}
	}
	require.Len(t, report.MemoryVerdicts(), 2)

	var text strings.Builder
	require.NoError(t, report.WriteText(&text))
	t.Logf("report:\n%s", text.String())
	for _, want := range []string{"SAGA", "READS", "MEMORY", "median (range)", "history events", "Temporal dev server",
		perf.EndpointOrder, perf.EndpointHistory, perf.SidePgx, perf.SideStatic, "saga round 3"} {
		require.Contains(t, text.String(), want)
	}
	require.NotContains(t, text.String(), "NaN")
	require.NotContains(t, text.String(), "Inf")

	// The run's own database is gone.
	conn, err := pgx.Connect(ctx, pgtest.URL())
	require.NoError(t, err)
	defer conn.Close(ctx)
	u, err := url.Parse("postgres://" + report.Database)
	require.NoError(t, err)
	name := strings.TrimPrefix(u.Path, "/")
	require.True(t, strings.HasPrefix(name, "orderflow_perf_"), report.Database)
	var exists bool
	require.NoError(t, conn.QueryRow(ctx, "select exists (select 1 from pg_database where datname = $1)", name).Scan(&exists))
	require.False(t, exists, "database %s dropped", name)
}

func requireFinitePositive(t *testing.T, v float64) {
	t.Helper()
	require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "%v", v)
	require.Positive(t, v)
}

func TestSpreadOf(t *testing.T) {
	require.Equal(t, perf.Spread{Median: 2, Min: 1, Max: 9}, perf.SpreadOf([]float64{9, 1, 2}))
	require.Equal(t, perf.Spread{Median: 2.5, Min: 1, Max: 9}, perf.SpreadOf([]float64{3, 9, 1, 2}))
	require.Equal(t, perf.Spread{}, perf.SpreadOf(nil))
}
