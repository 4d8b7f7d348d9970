// Package perf measures orderflow against baselines run beside it on the same machine
// in the same run: the order saga against a no-op Temporal workflow of six no-op
// activities on the same dev server, the read endpoints against bare Gin handlers (one
// that reads the same rows with pgx, one that answers static JSON), and the memory of
// orderflow's processes across consecutive load runs. `orderflow perf` (`make perf`)
// runs it: it starts a Temporal dev server, a database of its own and orderflow's
// processes by itself, and stops them at the end.
//
// Every figure is measured in rounds that alternate which side runs first, so that a
// machine that slows down or warms up over the run weighs on both sides alike; the
// report gives each side's median and range over the rounds and the ratio of the
// medians.
package perf

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/orderflow/orderflow/internal/load"
)

// Options are what a run measures and for how long.
type Options struct {
	// Binary is the orderflow binary: the run starts it as the API, the worker, the
	// projector and the baseline server.
	Binary string `json:"-"`
	// DatabaseURL names the PostgreSQL server (and a database on it to connect to) in
	// which the run creates a database of its own, and drops it at the end.
	DatabaseURL string `json:"-"`

	// Concurrency is the orders, and the no-op workflows, in flight at once.
	Concurrency int `json:"concurrency"`
	// SagaRounds rounds of SagaOrders orders and as many no-op workflows.
	SagaRounds int `json:"saga_rounds"`
	SagaOrders int `json:"saga_orders"`
	// Warmup orders and no-op workflows run, unmeasured, before the first round.
	Warmup int `json:"warmup"`
	// PollInterval is how often the load reads an order in flight until it is APPROVED.
	PollInterval time.Duration `json:"poll_interval"`
	// LatencyRounds batches of LatencyOrders orders placed one at a time, and as many
	// no-op workflows, for the unloaded latency.
	LatencyRounds int `json:"latency_rounds"`
	LatencyOrders int `json:"latency_orders"`
	// HistorySample is how many workflows of each kind have their histories counted.
	HistorySample int `json:"history_sample"`
	// ReadRounds rounds of ReadDuration on each endpoint and side, with
	// ReadConnections keep-alive connections.
	ReadRounds      int           `json:"read_rounds"`
	ReadDuration    time.Duration `json:"read_duration"`
	ReadConnections int           `json:"read_connections"`
}

// Full is the default run: about ten minutes on two cores.
func Full() Options {
	return Options{Concurrency: 64, SagaRounds: 3, SagaOrders: 300, Warmup: 64, PollInterval: 100 * time.Millisecond,
		LatencyRounds: 2, LatencyOrders: 15, HistorySample: 20, ReadRounds: 10, ReadDuration: 5 * time.Second, ReadConnections: 64}
}

// Quick is a run of two to three minutes, for a first look and for tests.
func Quick() Options {
	return Options{Concurrency: 64, SagaRounds: 3, SagaOrders: 64, Warmup: 16, PollInterval: 100 * time.Millisecond,
		LatencyRounds: 2, LatencyOrders: 5, HistorySample: 10, ReadRounds: 4, ReadDuration: 2 * time.Second, ReadConnections: 64}
}

func (o Options) validate() error {
	switch {
	case o.Binary == "":
		return errors.New("perf: no orderflow binary to run")
	case o.DatabaseURL == "":
		return errors.New("perf: no PostgreSQL URL")
	case o.Concurrency < 1, o.SagaRounds < 1, o.SagaOrders < 1, o.LatencyRounds < 1, o.LatencyOrders < 1,
		o.HistorySample < 1, o.ReadRounds < 1, o.ReadConnections < 1:
		return fmt.Errorf("perf: counts must be 1 or more: %+v", o)
	case o.Warmup < 0:
		return fmt.Errorf("perf: warmup is %d, want 0 or more", o.Warmup)
	case o.PollInterval <= 0, o.ReadDuration <= 0:
		return errors.New("perf: the poll interval and the read duration must be positive")
	}
	return nil
}

// Report is what a run measured.
type Report struct {
	Options   Options   `json:"options"`
	StartedAt time.Time `json:"started_at"`
	Seconds   float64   `json:"seconds"`
	CPUs      int       `json:"cpus"`
	// Database is the run's own database (host, port and name), dropped at the end.
	Database   string         `json:"database"`
	LoadBefore string         `json:"load_average_before"`
	LoadAfter  string         `json:"load_average_after"`
	Saga       SagaReport     `json:"saga"`
	Reads      ReadsReport    `json:"reads"`
	Memory     []MemorySample `json:"memory"`
}

// ReadSeries is one endpoint on one side over the rounds.
type ReadSeries struct {
	Endpoint string    `json:"endpoint"`
	Side     string    `json:"side"`
	Runs     []ReadRun `json:"runs"`
}

// ReadsReport is the reads part of a run.
type ReadsReport struct {
	OrderID    string       `json:"order_id"`
	ConsumerID string       `json:"consumer_id"`
	PageSize   int          `json:"page_size"`
	Series     []ReadSeries `json:"series"`
}

// MemorySample is the resident memory of orderflow's processes after a load run.
type MemorySample struct {
	After string           `json:"after"`
	RSS   map[string]int64 `json:"rss_bytes"`
}

// Sides of the read benchmark.
const (
	SideAPI    = "orderflow API"
	SidePgx    = "bare Gin + pgx"
	SideStatic = "bare Gin, static JSON"
)

// Endpoints of the read benchmark.
const (
	EndpointOrder   = "GET /v1/orders/:id"
	EndpointHistory = "GET /v1/consumers/:id/orders"
	EndpointStatic  = "GET /static"
)

// Run starts the system, measures, stops the system and reports. Progress goes to
// progress as it goes. The report holds what was measured even when Run fails.
func Run(ctx context.Context, o Options, progress io.Writer) (report Report, err error) {
	if err := o.validate(); err != nil {
		return Report{Options: o}, err
	}
	if progress == nil {
		progress = io.Discard
	}
	started := time.Now()
	report = Report{Options: o, StartedAt: started.UTC(), CPUs: runtime.NumCPU(), LoadBefore: loadAverage()}
	defer func() { report.Seconds, report.LoadAfter = time.Since(started).Seconds(), loadAverage() }()

	sys, err := startSystem(ctx, o, progress)
	if err != nil {
		return report, err
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("%w (logs in %s)", err, sys.dir)
		}
		if stopErr := sys.stop(err != nil); stopErr != nil && err == nil {
			err = stopErr
		}
	}()
	report.Database = databaseName(sys.database)
	temporal, err := newTemporalClient(sys.temporal.Address, progress)
	if err != nil {
		return report, err
	}
	defer temporal.Close()
	last := &lastSteps{}
	stopNoop, err := noopWorkers(temporal, last)
	if err != nil {
		return report, err
	}
	defer stopNoop()
	tag := make([]byte, 4)
	_, _ = rand.Read(tag)
	b := &sagaBench{o: o, sys: sys, temporal: temporal, last: last, tag: hex.EncodeToString(tag), progress: progress}

	if err := b.run(ctx, &report, progress); err != nil {
		return report, err
	}
	if err := readBench(ctx, sys, o, &report, progress); err != nil {
		return report, err
	}
	return report, sys.exited()
}

func (b *sagaBench) run(ctx context.Context, report *Report, progress io.Writer) error {
	o := b.o
	if o.Warmup > 0 {
		fmt.Fprintf(progress, "warm-up: %d orders and %d no-op workflows, not measured\n", o.Warmup, o.Warmup)
		if _, _, err := b.orders(ctx, o.Warmup, o.Concurrency, o.PollInterval); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
		if _, _, err := b.noop(ctx, "warmup", o.Warmup, o.Concurrency); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
		b.settled, b.noops = nil, nil
	}
	for r := range o.SagaRounds {
		round := SagaRound{OrdersFirst: r%2 == 0}
		orders := func() error {
			var err error
			round.Orders, _, err = b.orders(ctx, o.SagaOrders, o.Concurrency, o.PollInterval)
			if err != nil {
				return err
			}
			rss, err := b.sys.rss()
			if err != nil {
				return err
			}
			report.Memory = append(report.Memory, MemorySample{After: fmt.Sprintf("saga round %d (%d orders)", r+1, o.SagaOrders), RSS: rss})
			return nil
		}
		noop := func() error {
			var err error
			round.Noop, _, err = b.noop(ctx, fmt.Sprint("round", r+1), o.SagaOrders, o.Concurrency)
			return err
		}
		sides := []func() error{orders, noop}
		if !round.OrdersFirst {
			sides = []func() error{noop, orders}
		}
		for _, side := range sides {
			if err := side(); err != nil {
				return fmt.Errorf("saga round %d: %w", r+1, err)
			}
			if err := b.sys.exited(); err != nil {
				return err
			}
		}
		report.Saga.Rounds = append(report.Saga.Rounds, round)
		fmt.Fprintf(progress, "saga round %d/%d: orders %.2f/s, no-op workflows %.2f/s\n", r+1, o.SagaRounds, round.Orders.PerSecond, round.Noop.PerSecond)
	}
	var err error
	if report.Saga.OrderHistory, err = b.history(ctx, orderWorkflowIDs(b.settled), o.HistorySample); err != nil {
		return err
	}
	if report.Saga.NoopHistory, err = b.history(ctx, b.noops, o.HistorySample); err != nil {
		return err
	}

	for r := range o.LatencyRounds {
		orders := func() error {
			_, rep, err := b.orders(ctx, o.LatencyOrders, 1, 5*time.Millisecond)
			report.Saga.OrderLatencyMS = append(report.Saga.OrderLatencyMS, rep.Latency.P50)
			return err
		}
		noop := func() error {
			_, latencies, err := b.noop(ctx, fmt.Sprint("latency", r+1), o.LatencyOrders, 1)
			ds := make([]time.Duration, len(latencies))
			for i, l := range latencies {
				ds[i] = time.Duration(l * float64(time.Millisecond))
			}
			report.Saga.NoopLatencyMS = append(report.Saga.NoopLatencyMS, load.LatencyOf(ds).P50)
			return err
		}
		sides := []func() error{orders, noop}
		if r%2 == 1 {
			sides = []func() error{noop, orders}
		}
		for _, side := range sides {
			if err := side(); err != nil {
				return fmt.Errorf("latency round %d: %w", r+1, err)
			}
		}
		fmt.Fprintf(progress, "latency round %d/%d: order p50 %.1f ms, no-op workflow p50 %.1f ms\n", r+1, o.LatencyRounds,
			report.Saga.OrderLatencyMS[r], report.Saga.NoopLatencyMS[r])
	}
	return nil
}

func orderWorkflowIDs(orderIDs []string) []string {
	ids := make([]string, len(orderIDs))
	for i, id := range orderIDs {
		ids[i] = "order-" + id
	}
	return ids
}

// readBench loads the read endpoints of the API and of the baseline server in rounds.
func readBench(ctx context.Context, sys *system, o Options, report *Report, progress io.Writer) error {
	// The consumer with the most orders, and one of them: its first page is full
	// when it has twenty or more.
	conn, err := pgx.Connect(ctx, sys.database)
	if err != nil {
		return err
	}
	var orderID, consumerID uuid.UUID
	var pageSize int
	err = conn.QueryRow(ctx, `select consumer_id, (array_agg(order_id))[1], least(count(*), 20) from order_view
		group by consumer_id order by count(*) desc limit 1`).Scan(&consumerID, &orderID, &pageSize)
	conn.Close(ctx)
	if err != nil {
		return fmt.Errorf("pick an order to read: %w", err)
	}
	token, err := sys.tokens.Consumer(consumerID)
	if err != nil {
		return err
	}
	report.Reads = ReadsReport{OrderID: orderID.String(), ConsumerID: consumerID.String(), PageSize: pageSize}
	orderPath, historyPath := "/v1/orders/"+orderID.String(), "/v1/consumers/"+consumerID.String()+"/orders"
	targets := []struct {
		endpoint, side, url string
	}{
		{EndpointOrder, SideAPI, sys.apiURL + orderPath},
		{EndpointOrder, SidePgx, sys.baselineURL + orderPath},
		{EndpointHistory, SideAPI, sys.apiURL + historyPath},
		{EndpointHistory, SidePgx, sys.baselineURL + historyPath},
		{EndpointStatic, SideStatic, sys.baselineURL + "/static"},
	}
	series := make([]ReadSeries, len(targets))
	for i, t := range targets {
		series[i] = ReadSeries{Endpoint: t.endpoint, Side: t.side}
	}
	fmt.Fprintf(progress, "reads: %d rounds of %s per endpoint and side at %d connections\n", o.ReadRounds, o.ReadDuration, o.ReadConnections)
	for r := range o.ReadRounds {
		order := []int{0, 1, 2, 3, 4}
		if r%2 == 1 {
			order = []int{4, 3, 2, 1, 0}
		}
		for _, i := range order {
			run, err := hammer(ctx, targets[i].url, token, o.ReadConnections, o.ReadDuration)
			if err != nil {
				return fmt.Errorf("reads round %d, %s on the %s: %w", r+1, targets[i].endpoint, targets[i].side, err)
			}
			series[i].Runs = append(series[i].Runs, run)
		}
		rss, err := sys.rss()
		if err != nil {
			return err
		}
		report.Memory = append(report.Memory, MemorySample{After: fmt.Sprintf("reads round %d", r+1), RSS: rss})
		fmt.Fprintf(progress, "reads round %d/%d: order %.0f/s (pgx %.0f/s), history %.0f/s (pgx %.0f/s), static %.0f/s\n", r+1, o.ReadRounds,
			series[0].Runs[r].PerSecond, series[1].Runs[r].PerSecond, series[2].Runs[r].PerSecond, series[3].Runs[r].PerSecond, series[4].Runs[r].PerSecond)
		if err := sys.exited(); err != nil {
			return err
		}
	}
	report.Reads.Series = series
	return nil
}
