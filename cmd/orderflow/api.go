package main

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/api"
)

func apiCommand(cfg *Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "api",
		Short: "Serve the HTTP API (commands become workflows; queries read the projections)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, release, err := services(cmd.Context(), cfg, true)
			if err != nil {
				return err
			}
			defer release()
			return api.Serve(cmd.Context(), cfg.APIAddr, s.APIHandler(prometheus.NewRegistry()), s.Logger)
		},
	}
	cmd.Flags().StringVar(&cfg.APIAddr, "addr", cfg.APIAddr, "address to listen on (API_ADDR)")
	temporalFlags(cmd, cfg)
	return cmd
}
