package main

import (
	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/internal/httpserve"
)

func apiCommand(cfg *Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "api",
		Short: "Serve the HTTP API (commands become workflows; queries read the projections)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := connect(cmd.Context(), cfg, "orderflow-api", true)
			if err != nil {
				return err
			}
			defer p.Close()
			if cfg.TokenSecret == devTokenSecret {
				p.Logger.Warn("TOKEN_SECRET is the development default: anyone can mint tokens for this API; set your own")
			}
			handler := p.Telemetry.HTTP(p.APIHandler(p.Telemetry.Registry), "orderflow-api")
			return httpserve.Serve(cmd.Context(), cfg.APIAddr, handler, p.Logger)
		},
	}
	cmd.Flags().StringVar(&cfg.APIAddr, "addr", cfg.APIAddr, "address to listen on (API_ADDR)")
	temporalFlags(cmd, cfg)
	return cmd
}
