package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/internal/invariants"
	"github.com/orderflow/orderflow/projections"
)

// verification is what `orderflow verify` found, as --json prints it.
type verification struct {
	invariants.Report
	ReadModelRows int                    `json:"read_model_rows"`
	Mismatches    []projections.Mismatch `json:"read_model_mismatches"`
	Seconds       float64                `json:"seconds"`
}

func (v verification) ok() bool { return v.Report.OK() && len(v.Mismatches) == 0 }

// errViolations makes the command exit non-zero once the report is printed.
var errViolations = errors.New("invariants violated")

func verifyCommand(cfg *Config) *cobra.Command {
	var asJSON, running bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check every order invariant, stream and read model in the store (reads only)",
		Long: "Reads the whole event store and the read models in one snapshot and checks: every order is " +
			"settled (REJECTED, CANCELED, APPROVED, SHIPPED, DELIVERED; NEEDS_ATTENTION is listed, not a " +
			"violation); its card authorizations minus reversals are 1 when live and 0 when dead, its hold equals " +
			"its total, its ticket agrees with it (canceled or rejected when dead, picked up when shipped, the " +
			"same lines); no account holds for a dead order or beyond its limit; every stream's versions are " +
			"gapless from 1; no event id repeats; every read model row equals a replay of its stream up to its " +
			"projection's checkpoint; every checkpoint is at or behind the last event. Exits 1 on any violation. " +
			"docs/operations.md says what each violation means.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			pool, err := connectDatabase(ctx, cfg)
			if err != nil {
				return err
			}
			defer pool.Close()
			start := time.Now()
			var v verification
			reg := registry.New()
			err = pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
				func(tx pgx.Tx) (err error) {
					if v.Report, err = invariants.VerifyIn(ctx, tx, reg, invariants.Options{Settled: !running}); err != nil {
						return err
					}
					v.ReadModelRows, v.Mismatches, err = projections.Verify(ctx, tx, reg)
					return err
				})
			if err != nil {
				return err
			}
			v.Seconds = time.Since(start).Seconds()
			if v.Mismatches == nil {
				v.Mismatches = []projections.Mismatch{}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(v); err != nil {
					return err
				}
			} else {
				printVerification(out, v)
			}
			if !v.ok() {
				return fmt.Errorf("%w: %d violations, %d read model mismatches", errViolations, len(v.Violations), len(v.Mismatches))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVar(&running, "running", false,
		"the system is still taking orders: pending orders are not violations (by default every order must be settled)")
	return cmd
}

func printVerification(w io.Writer, v verification) {
	fmt.Fprintf(w, "checked %d orders, %d streams, %d events and %d read model rows in %.2fs\n",
		v.Orders, v.Streams, v.Events, v.ReadModelRows, v.Seconds)
	statuses := make([]order.Status, 0, len(v.ByStatus))
	for s := range v.ByStatus {
		statuses = append(statuses, s)
	}
	slices.Sort(statuses)
	for _, s := range statuses {
		fmt.Fprintf(w, "  %-17s %d\n", s, v.ByStatus[s])
	}
	for _, id := range v.NeedsAttention {
		fmt.Fprintf(w, "needs attention: order %s (orderflow orders resolve)\n", id)
	}
	for _, x := range v.Violations {
		fmt.Fprintf(w, "VIOLATION %s\n", x)
	}
	for _, m := range v.Mismatches {
		fmt.Fprintf(w, "READ MODEL %s %s: %s\n", m.Projection, m.ID, m.Detail)
	}
	if v.ok() {
		fmt.Fprintln(w, "OK: every invariant holds")
	}
}
