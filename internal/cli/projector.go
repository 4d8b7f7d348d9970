package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/eventstore"
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
	cmd := &cobra.Command{Use: "projections", Short: "Manage the read models: status, rebuild, retry or skip a stopped one"}
	// withStore runs fn with an event store on the configured database.
	withStore := func(cmd *cobra.Command, fn func(store *eventstore.Store) error) error {
		pool, err := connectDatabase(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		defer pool.Close()
		store := eventstore.New(pool)
		defer store.Close()
		return fn(store)
	}
	var asJSON bool
	status := &cobra.Command{
		Use:   "status",
		Short: "Show each projection's lag, where it stopped and why, what was skipped, and rebuilds in progress",
		Long: "Exits 1 when a projection is stopped at an event it cannot apply: resolve it with a newer build " +
			"(an event this build does not understand), `projections retry` (after fixing its cause) or " +
			"`projections skip` (docs/operations.md).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd, func(store *eventstore.Store) error {
				statuses, err := projections.Statuses(cmd.Context(), store)
				if err != nil {
					return err
				}
				if err := printStatuses(cmd.OutOrStdout(), statuses, asJSON); err != nil {
					return err
				}
				for _, st := range statuses {
					if st.Stopped != nil {
						return fmt.Errorf("%w: %s", errProjectionStopped, st.Name)
					}
				}
				return nil
			})
		},
	}
	status.Flags().BoolVar(&asJSON, "json", false, "print the statuses as JSON")
	cmd.AddCommand(status, &cobra.Command{
		Use:   "rebuild [projection...]",
		Short: "Rebuild read models from the event store beside the live ones, then swap (all when none is named)",
		Long: "Replays the whole event store into a new table beside each named read model while the live one " +
			"keeps serving, and swaps the new one in once it has caught up; readers never see an empty or older " +
			"view. Run it after a projection's code changed. It returns when the swap is done; run it again to " +
			"resume one that was interrupted.",
		RunE: func(cmd *cobra.Command, names []string) error {
			return withStore(cmd, func(store *eventstore.Store) error {
				if len(names) == 0 {
					names = projections.Names()
				}
				for _, name := range names {
					if err := projections.Rebuild(cmd.Context(), store, name); err != nil {
						return err
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%s: rebuilt from the event store and swapped in\n", name)
				}
				return nil
			})
		},
	}, &cobra.Command{
		Use:   "retry PROJECTION",
		Short: "Ask the projector to try the event a projection stopped at again now",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd, func(store *eventstore.Store) error {
				return projections.Retry(cmd.Context(), store, args[0])
			})
		},
	})
	var reason, operator string
	skip := &cobra.Command{
		Use:   "skip PROJECTION EVENT_ID --reason REASON",
		Short: "Pass over the event a projection stopped at, recording why; the view then lacks its effect",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := uuid.Parse(args[1])
			if err != nil {
				return fmt.Errorf("event id %q: %w", args[1], err)
			}
			return withStore(cmd, func(store *eventstore.Store) error {
				if err := projections.Skip(cmd.Context(), store, args[0], id, reason, "operator:"+operator); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: skipped event %s\n", args[0], id)
				return nil
			})
		},
	}
	skip.Flags().StringVar(&reason, "reason", "", "why the event is skipped, for the record")
	skip.Flags().StringVar(&operator, "operator", os.Getenv("USER"), "who skips it (recorded as operator:<name>)")
	_ = skip.MarkFlagRequired("reason")
	cmd.AddCommand(skip)
	return cmd
}

// errProjectionStopped makes `projections status` exit 1 while a projection is stopped.
var errProjectionStopped = errors.New("a projection is stopped")

// printStatuses writes the projections' statuses as a table, or as JSON.
func printStatuses(w io.Writer, statuses []projections.Status, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(statuses)
	}
	for _, st := range statuses {
		fmt.Fprintf(w, "%s: lag %d events (%.1fs), checkpoint %s\n", st.Name, st.Lag, st.LagSeconds, st.Checkpoint)
		if s := st.Stopped; s != nil {
			fmt.Fprintf(w, "  STOPPED since %s after %d attempts at event %s (%s, %s #%d): %s\n",
				s.Since.Format(time.RFC3339), s.Failures, s.EventID, s.Type, s.Stream, s.StreamPosition, s.Reason)
		}
		for _, k := range st.Skipped {
			fmt.Fprintf(w, "  skipped event %s at %s by %s: %s\n", k.EventID, k.At.Format(time.RFC3339), k.By, k.Reason)
		}
		if r := st.Rebuild; r != nil {
			fmt.Fprintf(w, "  rebuild in progress: %d events to replay\n", r.Lag)
			if r.Stopped != nil {
				fmt.Fprintf(w, "  rebuild STOPPED at event %s: %s\n", r.Stopped.EventID, r.Stopped.Reason)
			}
		}
	}
	return nil
}
