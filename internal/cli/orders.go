package cli

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/stack"
)

func ordersCommand(cfg *Config) *cobra.Command {
	cmd := &cobra.Command{Use: "orders", Short: "Operator commands on orders"}
	var status, note, operator string
	resolve := &cobra.Command{
		Use:   "resolve ORDER_ID --status STATUS --note NOTE",
		Short: "Record how an order that NEEDS_ATTENTION was resolved",
		Long: "An order is NEEDS_ATTENTION when its saga met what it could not resolve by itself (GET " +
			"/v1/orders/:id shows where and why; Temporal UI finds them with OrderStatus = 'NEEDS_ATTENTION'). " +
			"Resolving to REJECTED or CANCELED releases the card hold and withdraws the ticket first (refused if " +
			"the food was picked up: then resolve to SHIPPED); the resolution is recorded as OrderAttentionResolved " +
			"by operator:<name>, with the note.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := uuid.Parse(args[0])
			if err != nil {
				return fmt.Errorf("order id %q: %w", args[0], err)
			}
			ctx := cmd.Context()
			pool, err := connectDatabase(ctx, cfg)
			if err != nil {
				return err
			}
			defer pool.Close()
			services := stack.New(pool, nil, api.Tokens{}, slog.Default(), eventstore.DefaultChannel)
			defer services.Close()
			orders := app.OrderCommands{Store: services.Store}
			s, err := orders.ResolveAttention(ctx, "operator:"+operator, id, order.Status(status), note)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "order %s is %s\n", s.ID, s.Status)
			return nil
		},
	}
	resolve.Flags().StringVar(&status, "status", "", "the order's status once resolved: APPROVED, REJECTED, CANCELED, SHIPPED or DELIVERED")
	resolve.Flags().StringVar(&note, "note", "", "what the operator did, for the audit trail")
	resolve.Flags().StringVar(&operator, "operator", os.Getenv("USER"), "who resolves it (recorded as operator:<name>)")
	_ = resolve.MarkFlagRequired("status")
	_ = resolve.MarkFlagRequired("note")
	cmd.AddCommand(resolve)
	return cmd
}
