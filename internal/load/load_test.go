package load_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"golang.org/x/time/rate"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/internal/demo"
	"github.com/orderflow/orderflow/internal/load"
	"github.com/orderflow/orderflow/internal/pgtest"
	"github.com/orderflow/orderflow/internal/stack"
	"github.com/orderflow/orderflow/internal/temporaltest"
	"github.com/orderflow/orderflow/projections"
)

// A mixed load on the whole stack, in process as the end-to-end suite runs it (a
// Temporal dev server, PostgreSQL, the workers, the projector and the API over HTTP):
// every order settles where its kind leads, and the report says so truthfully. Before
// the projector runs, the same load cannot see its orders settle, and fails.
func TestLoadOnTheRealStack(t *testing.T) {
	server, stopTemporal, err := temporaltest.Start()
	require.NoError(t, err, "the load test needs a Temporal dev server")
	t.Cleanup(stopTemporal)
	schema := pgtest.NewSchema(t, stack.Migrations()...)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	temporal, err := client.Dial(client.Options{HostPort: server.Address, Logger: log.NewStructuredLogger(logger)})
	require.NoError(t, err)
	t.Cleanup(temporal.Close)
	tokens := api.Tokens{Secret: []byte("load-test-secret-of-at-least-32-bytes"), Issuer: "orderflow"}
	s := stack.New(schema.Pool, temporal, tokens, logger, schema.Name)
	t.Cleanup(s.Close)
	// As docs/operations.md says for a load run: the load reads every order as one
	// admin, many times a second, far past a principal's default budget.
	s.Limits = api.Limits{Rate: rate.Inf}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { require.NoError(t, s.RunWorkers(ctx)) })
	httpServer := httptest.NewServer(s.APIHandler(prometheus.NewRegistry()))
	t.Cleanup(func() {
		httpServer.Close()
		cancel()
		wg.Wait()
	})
	config := func(orders int, mix load.Mix) load.Config {
		return load.Config{BaseURL: httpServer.URL, Tokens: demo.SignedTokens{Tokens: tokens},
			Orders: orders, Concurrency: 5, Mix: mix, CancelWithin: 400 * time.Millisecond, Consumers: 3,
			SettleTimeout: 20 * time.Second, PollInterval: 20 * time.Millisecond}
	}

	t.Run("without the projector, orders do not settle and the run fails", func(t *testing.T) {
		cfg := config(2, load.Mix{load.Approved: 100})
		cfg.SettleTimeout = 1500 * time.Millisecond
		report, err := load.Run(ctx, cfg, testWriter{t})
		require.NoError(t, err)
		require.Equal(t, 2, report.Placed)
		require.Zero(t, report.Settled)
		require.Equal(t, 2, report.Failed)
		require.Equal(t, map[string]int{"not settled": 2}, report.ErrorsByKind)
		require.Len(t, report.Errors, 2)
		require.Contains(t, report.Errors[0].Detail, "waiting for it to settle; last read: not in the read model yet")
		require.ErrorContains(t, report.Err(), "2 order(s) did not end as expected: not settled ×2")
	})

	wg.Go(func() { require.NoError(t, s.RunProjector(ctx, nil)) })

	t.Run("every kind settles where it leads", func(t *testing.T) {
		mix := load.Mix{load.Approved: 30, load.Declined: 15, load.Rejected: 15, load.Canceled: 15, load.Revised: 15, load.Delivered: 10}
		var progress bytes.Buffer
		report, err := load.Run(ctx, config(30, mix), &progress)
		require.NoError(t, err)
		var summary strings.Builder
		require.NoError(t, report.WriteText(&summary))
		t.Logf("progress:\n%s\nsummary:\n%s", progress.String(), summary.String())

		require.NoError(t, report.Err())
		require.Equal(t, 30, report.Placed)
		require.Equal(t, 30, report.Settled)
		require.Zero(t, report.Failed)
		require.Empty(t, report.ErrorsByKind)
		want := map[load.Kind]struct {
			placed  int
			status  string
			outcome string
		}{
			load.Approved:  {9, "APPROVED", "APPROVED"},
			load.Delivered: {3, "DELIVERED", "DELIVERED"},
			load.Declined:  {5, "REJECTED", "REJECTED INSUFFICIENT_CREDIT"},
			load.Rejected:  {5, "REJECTED", "REJECTED RESTAURANT_REJECTED"},
			load.Canceled:  {4, "CANCELED", "CANCELED"},
			load.Revised:   {4, "APPROVED", "APPROVED (revised)"},
		}
		require.Len(t, report.Kinds, len(want))
		q := projections.Queries{Pool: schema.Pool}
		for kind, w := range want {
			kr := report.Kinds[kind]
			require.NotNil(t, kr, kind)
			require.Equal(t, w.placed, kr.Placed, kind)
			require.Equal(t, w.placed, kr.Settled, kind)
			require.Equal(t, map[string]int{w.status: w.placed}, kr.SettledByStatus, kind)
			require.Equal(t, map[string]int{w.outcome: w.placed}, kr.Outcomes, kind)
			require.Len(t, kr.OrderIDs[w.status], w.placed, kind)
			require.Equal(t, w.placed, kr.Latency.Count, kind)
			// The report's orders are the store's: each is where the report says.
			for _, id := range kr.OrderIDs[w.status] {
				o, err := q.GetOrder(ctx, uuid.MustParse(id))
				require.NoError(t, err)
				require.Equal(t, w.status, string(o.Status), "%s order %s", kind, id)
				if kind == load.Revised {
					require.Equal(t, "OrderRevised", lastEventType(t, s, id), "the revision was carried out")
				}
				if kind == load.Delivered {
					require.Equal(t, "OrderDelivered", lastEventType(t, s, id), "the delivery was recorded")
				}
			}
		}
		require.Equal(t, map[string]int{"APPROVED": 13, "DELIVERED": 3, "REJECTED": 10, "CANCELED": 4}, report.SettledByStatus)

		l := report.Latency
		require.Equal(t, 30, l.Count)
		require.Greater(t, l.P50, 0.0)
		require.LessOrEqual(t, l.P50, l.P90)
		require.LessOrEqual(t, l.P90, l.P99)
		require.LessOrEqual(t, l.P99, l.Max)
		require.Less(t, l.Max, 20_000.0)
		require.Greater(t, report.SettledPerSecond, 0.0)
		require.InDelta(t, 30/report.ElapsedSeconds, report.SettledPerSecond, 0.01)

		require.Contains(t, progress.String(), "placed 30  settled 30  in flight 0  failed 0", "the last progress line")
		for _, line := range []string{`(?m)^placed +30$`, `(?m)^settled +30 \(\d+\.\d orders/s\)$`, `(?m)^  REJECTED +10$`,
			`(?m)^latency +p50 \S+  p90 \S+  p99 \S+  max \S+  \(POST to settled, 30 orders\)$`,
			`(?m)^revised +4 +4 +0 +\S+ +\S+ +APPROVED \(revised\) ×4$`, `(?m)^errors +none$`} {
			require.Regexp(t, line, summary.String())
		}
		raw, err := json.Marshal(report)
		require.NoError(t, err)
		var back load.Report
		require.NoError(t, json.Unmarshal(raw, &back))
		require.Equal(t, report.Kinds[load.Revised].OrderIDs, back.Kinds[load.Revised].OrderIDs)
		require.Contains(t, string(raw), `"settled_by_status":{"APPROVED":13,"CANCELED":4,"DELIVERED":3,"REJECTED":10}`)
	})
}

// lastEventType is the last event of the order's own stream.
func lastEventType(t *testing.T, s *stack.Services, id string) string {
	t.Helper()
	var typ string
	err := s.Pool.QueryRow(context.Background(),
		`select event_type from events where stream_name = $1 order by stream_position desc limit 1`,
		order.StreamName(uuid.MustParse(id))).Scan(&typ)
	require.NoError(t, err)
	return typ
}

// testWriter sends progress lines to the test's log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
