// Package cli is the orderflow command: `orderflow api|worker|projector|relay|notifier|
// migrate|token|projections rebuild|orders resolve|verify|load|dev|demo|perf`. Each flag
// mirrors an environment variable of Config (listed in its help), so the same binary is
// configured the same way by hand, by `make dev` and by docker-compose. It is a package
// of its own, not package main, so that what deploys it (the compose file, the
// Dockerfile) can be checked against its commands and Config.
package cli

import (
	"github.com/spf13/cobra"
)

// Root is the orderflow command with its subcommands, configured from the environment.
func Root() *cobra.Command {
	cfg, err := loadConfig()
	root := &cobra.Command{
		Use:           "orderflow",
		Short:         "An event-sourced food-delivery order service on PostgreSQL and Temporal",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			return err // a malformed environment variable
		},
	}
	root.PersistentFlags().StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "PostgreSQL connection string (DATABASE_URL)")
	root.PersistentFlags().StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error (LOG_LEVEL)")
	root.PersistentFlags().StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "text or json (LOG_FORMAT)")
	root.PersistentFlags().BoolVar(&cfg.DevMode, "dev-mode", cfg.DevMode,
		"development mode: accept the development token secret, and sign with it when TOKEN_SECRET is unset; never in production (ORDERFLOW_DEV_MODE)")
	root.AddCommand(apiCommand(&cfg), workerCommand(&cfg), projectorCommand(&cfg), projectionsCommand(&cfg),
		migrateCommand(&cfg), tokenCommand(&cfg), devCommand(&cfg), demoCommand(&cfg), ordersCommand(&cfg),
		verifyCommand(&cfg), loadCommand(&cfg), relayCommand(&cfg), notifierCommand(&cfg), perfCommand(&cfg))
	return root
}
