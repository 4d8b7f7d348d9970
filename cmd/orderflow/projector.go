package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/internal/telemetry"
	"github.com/orderflow/orderflow/projections"
)

func projectorCommand(cfg *Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "projector [projection...]",
		Short: "Build the read models from the event store, following new events as they commit",
		Long: "Runs the projections (" + strings.Join(projections.Names(), ", ") + ", all when none is named). " +
			"Several projectors may run for availability: only one advances each projection at a time.",
		RunE: func(cmd *cobra.Command, names []string) error {
			if err := cfg.checkTokenSecrets(secretUnused); err != nil {
				return err
			}
			p, err := connect(cmd.Context(), cfg, "orderflow-projector", false)
			if err != nil {
				return err
			}
			defer p.Close()
			p.serveMetrics(cmd.Context(), cfg)
			p.Logger.Info("projector started", "projections", names)
			return p.RunProjector(cmd.Context(), telemetry.NewProjectorMetrics(p.Telemetry.Registry), names...)
		},
	}
	cmd.Flags().StringVar(&cfg.MetricsAddr, "metrics-addr", cfg.MetricsAddr, "serve /metrics here; off when empty (METRICS_ADDR)")
	return cmd
}

func projectionsCommand(cfg *Config) *cobra.Command {
	cmd := &cobra.Command{Use: "projections", Short: "Manage the read models"}
	cmd.AddCommand(&cobra.Command{
		Use:   "rebuild [projection...]",
		Short: "Drop read models and rebuild them from the event store (all when none is named)",
		Long: "Empties each named read model and resets its checkpoint; the running projector (or the next " +
			"one to start) then rebuilds it from the first event.",
		RunE: func(cmd *cobra.Command, names []string) error {
			ctx := cmd.Context()
			pool, err := connectDatabase(ctx, cfg)
			if err != nil {
				return err
			}
			defer pool.Close()
			if len(names) == 0 {
				names = projections.Names()
			}
			for _, name := range names {
				if err := projections.Rebuild(ctx, pool, name); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: emptied; the projector rebuilds it from the event store\n", name)
			}
			return nil
		},
	})
	return cmd
}
