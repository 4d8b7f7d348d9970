package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func migrateCommand(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create or update the database schema (event store, read models, API); safe to run any time",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pool, err := connectDatabase(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			pool.Close()
			fmt.Fprintln(cmd.OutOrStdout(), "migrations applied")
			return nil
		},
	}
}
