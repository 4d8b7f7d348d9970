package main

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
			s, release, err := services(cmd.Context(), cfg, true)
			if err != nil {
				return err
			}
			defer release()
			return s.RunWorkers(cmd.Context(), cfg.WorkerQueues...)
		},
	}
	cmd.Flags().StringSliceVar(&cfg.WorkerQueues, "queues", cfg.WorkerQueues,
		"task queues to serve, comma-separated; all when empty (WORKER_QUEUES)")
	temporalFlags(cmd, cfg)
	return cmd
}

func temporalFlags(cmd *cobra.Command, cfg *Config) {
	cmd.Flags().StringVar(&cfg.TemporalAddress, "temporal-address", cfg.TemporalAddress, "Temporal frontend host:port (TEMPORAL_ADDRESS)")
	cmd.Flags().StringVar(&cfg.TemporalNamespace, "temporal-namespace", cfg.TemporalNamespace, "Temporal namespace (TEMPORAL_NAMESPACE)")
}
