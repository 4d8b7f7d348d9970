package main

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/projections"
)

func apiCommand(cfg *Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "api",
		Short: "Serve the HTTP API (commands become workflows; queries read the projections)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := cfg.logger()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			pool, err := connectDatabase(ctx, cfg)
			if err != nil {
				return err
			}
			defer pool.Close()
			c, err := connectTemporal(ctx, cfg, log)
			if err != nil {
				return err
			}
			defer c.Close()
			store := newAggregateStore(pool)
			defer store.Events.Close()

			registry := prometheus.NewRegistry()
			registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
			handler := api.NewHandler(api.Deps{
				Consumers:   app.Consumers{Store: store},
				Restaurants: app.Restaurants{Store: store},
				Orders:      app.Orders{Store: store, Workflows: c},
				Tickets:     app.Tickets{Store: store, Workflows: c},
				Queries:     projections.Queries{Pool: pool},
				Pool:        pool,
				Tokens:      api.Tokens{Secret: []byte(cfg.TokenSecret), Issuer: cfg.TokenIssuer},
				Logger:      log,
				Registry:    registry,
				Ready: map[string]func(context.Context) error{
					"postgres": pool.Ping,
					"temporal": func(ctx context.Context) error {
						_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
						return err
					},
				},
			})
			return api.Serve(ctx, cfg.APIAddr, handler, log)
		},
	}
	cmd.Flags().StringVar(&cfg.APIAddr, "addr", cfg.APIAddr, "address to listen on (API_ADDR)")
	temporalFlags(cmd, cfg)
	return cmd
}
