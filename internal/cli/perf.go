package cli

import (
	"fmt"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/internal/httpserve"
	"github.com/orderflow/orderflow/internal/perf"
)

func perfCommand(cfg *Config) *cobra.Command {
	o := perf.Full()
	var quick, asJSON bool
	cmd := &cobra.Command{
		Use:   "perf",
		Short: "Measure the saga, the reads and the memory next to same-run baselines, on a stack it starts itself",
		Long: "Starts by itself, on free ports: a Temporal dev server (bin/temporal), a database of its own on the " +
			"PostgreSQL server of DATABASE_URL (or ORDERFLOW_TEST_DATABASE_URL; dropped at the end), and this binary as " +
			"the API, the worker (one worker per task queue), the projector and a baseline server. Then, in rounds that " +
			"alternate which side goes first:\n" +
			"  saga    approved orders from POST /v1/orders to APPROVED read from the read model, --concurrency in flight,\n" +
			"          vs a no-op workflow of six no-op activities on the same dev server, its workers in this process on\n" +
			"          queues laid out as orderflow's; the unloaded p50 of sequential orders vs sequential no-op workflows;\n" +
			"          per workflow, the history events and workflow tasks, and the CPU seconds of each process\n" +
			"  reads   GET /v1/orders/:id and GET /v1/consumers/:id/orders (first page) vs bare Gin handlers reading the\n" +
			"          same rows with pgx, and a bare Gin handler of static JSON, at --read-connections keep-alive connections\n" +
			"  memory  the RSS of the API, the worker and the projector after each load run, and whether it grew\n\n" +
			"The defaults take about ten minutes on two cores; --quick about two to three. Progress goes to stderr, " +
			"the report to stdout. Run it on a quiet machine: other load on it weighs on every figure.",
		Example: "  orderflow perf --quick\n  orderflow perf --concurrency 32 --read-duration 10s",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if quick {
				applyQuick(cmd, &o)
			}
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			o.Binary = exe
			o.DatabaseURL = perfDatabaseURL(cmd, cfg)
			report, runErr := perf.Run(cmd.Context(), o, cmd.ErrOrStderr())
			if runErr != nil && len(report.Saga.Rounds) == 0 {
				return runErr // nothing measured
			}
			err = printReport(cmd.OutOrStdout(), asJSON, report)
			if runErr != nil {
				return runErr
			}
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVar(&quick, "quick", false, "a quick run (about two to three minutes): the defaults of the flags not given become the quick ones")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.IntVar(&o.Concurrency, "concurrency", o.Concurrency, "orders, and no-op workflows, in flight at once")
	f.IntVar(&o.SagaRounds, "saga-rounds", o.SagaRounds, "rounds of orders and no-op workflows")
	f.IntVar(&o.SagaOrders, "saga-orders", o.SagaOrders, "orders, and no-op workflows, per round")
	f.IntVar(&o.Warmup, "warmup", o.Warmup, "orders and no-op workflows run before the first round, not measured")
	f.DurationVar(&o.PollInterval, "poll-interval", o.PollInterval, "how often an order in flight is read until it is APPROVED")
	f.IntVar(&o.LatencyRounds, "latency-rounds", o.LatencyRounds, "batches of sequential orders and no-op workflows for the unloaded latency")
	f.IntVar(&o.LatencyOrders, "latency-orders", o.LatencyOrders, "orders, and no-op workflows, per latency batch")
	f.IntVar(&o.HistorySample, "history-sample", o.HistorySample, "workflows of each kind whose histories are counted")
	f.IntVar(&o.ReadRounds, "read-rounds", o.ReadRounds, "rounds of the read benchmark")
	f.DurationVar(&o.ReadDuration, "read-duration", o.ReadDuration, "how long each endpoint and side is loaded per round")
	f.IntVar(&o.ReadConnections, "read-connections", o.ReadConnections, "keep-alive connections of the read benchmark")
	cmd.AddCommand(perfBaselineCommand(cfg))
	return cmd
}

// applyQuick sets the options whose flags were not given to the quick run's.
func applyQuick(cmd *cobra.Command, o *perf.Options) {
	q := perf.Quick()
	for name, set := range map[string]func(){
		"concurrency":      func() { o.Concurrency = q.Concurrency },
		"saga-rounds":      func() { o.SagaRounds = q.SagaRounds },
		"saga-orders":      func() { o.SagaOrders = q.SagaOrders },
		"warmup":           func() { o.Warmup = q.Warmup },
		"poll-interval":    func() { o.PollInterval = q.PollInterval },
		"latency-rounds":   func() { o.LatencyRounds = q.LatencyRounds },
		"latency-orders":   func() { o.LatencyOrders = q.LatencyOrders },
		"history-sample":   func() { o.HistorySample = q.HistorySample },
		"read-rounds":      func() { o.ReadRounds = q.ReadRounds },
		"read-duration":    func() { o.ReadDuration = q.ReadDuration },
		"read-connections": func() { o.ReadConnections = q.ReadConnections },
	} {
		if !cmd.Flags().Changed(name) {
			set()
		}
	}
}

// perfDatabaseURL is the PostgreSQL server the run makes its database on: --database-url
// or DATABASE_URL when given, else ORDERFLOW_TEST_DATABASE_URL, else the default.
func perfDatabaseURL(cmd *cobra.Command, cfg *Config) string {
	if _, set := os.LookupEnv("DATABASE_URL"); set || cmd.Flags().Changed("database-url") {
		return cfg.DatabaseURL
	}
	if u := os.Getenv("ORDERFLOW_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return cfg.DatabaseURL
}

func perfBaselineCommand(cfg *Config) *cobra.Command {
	addr := "127.0.0.1:8089"
	cmd := &cobra.Command{
		Use:    "baseline-server",
		Short:  "Serve the read baselines of `orderflow perf` (bare Gin handlers: pgx rows of the order view, static JSON)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := cfg.logger()
			if err != nil {
				return err
			}
			// The same pool as the API's: pgxpool's defaults on the same database.
			pool, err := pgxpool.New(cmd.Context(), cfg.DatabaseURL)
			if err != nil {
				return fmt.Errorf("database: %w", err)
			}
			defer pool.Close()
			return httpserve.Serve(cmd.Context(), addr, perf.BaselineHandler(pool), log)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", addr, "address to listen on")
	return cmd
}
