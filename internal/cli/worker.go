package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/workflows"
)

func workerCommand(cfg *Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run Temporal workers: the order sagas and the activities of each service",
		Long: "Runs one worker per task queue (" + strings.Join(workflows.TaskQueues(), ", ") + "). " +
			"Run one process per queue with --queues to deploy and scale each service on its own. " +
			"Stops gracefully on SIGTERM or Ctrl-C.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.checkTokenSecrets(secretUnused); err != nil {
				return err
			}
			p, err := connect(cmd.Context(), cfg, "orderflow-worker", true)
			if err != nil {
				return err
			}
			defer p.Close()
			p.serveMetrics(cmd.Context(), cfg)
			return p.RunWorkers(cmd.Context(), cfg.WorkerQueues...)
		},
	}
	cmd.Flags().StringVar(&cfg.MetricsAddr, "metrics-addr", cfg.MetricsAddr, "serve /metrics here; off when empty (METRICS_ADDR)")
	cmd.Flags().StringSliceVar(&cfg.WorkerQueues, "queues", cfg.WorkerQueues,
		"task queues to serve, comma-separated; all when empty (WORKER_QUEUES)")
	temporalFlags(cmd, cfg)
	return cmd
}

func temporalFlags(cmd *cobra.Command, cfg *Config) {
	cmd.Flags().StringVar(&cfg.TemporalAddress, "temporal-address", cfg.TemporalAddress, "Temporal frontend host:port (TEMPORAL_ADDRESS)")
	cmd.Flags().StringVar(&cfg.TemporalNamespace, "temporal-namespace", cfg.TemporalNamespace, "Temporal namespace (TEMPORAL_NAMESPACE)")
}
