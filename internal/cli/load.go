package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/orderflow/orderflow/internal/demo"
	"github.com/orderflow/orderflow/internal/load"
)

// textReport is a report that prints itself for a person.
type textReport interface{ WriteText(io.Writer) error }

// printReport writes a command's report as indented JSON or as text.
func printReport(w io.Writer, asJSON bool, report textReport) error {
	if !asJSON {
		return report.WriteText(w)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(report)
}

func loadCommand(cfg *Config) *cobra.Command {
	lc := load.Config{BaseURL: "http://127.0.0.1:8080"}
	var (
		mix    string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "load",
		Short: "Place orders against a running API at a rate or concurrency, in a mix of outcomes, and report how they settled",
		Long: "Places orders against a running API (start one with `make dev`) and waits for each to settle.\n\n" +
			"It first creates its own consumers and restaurants through the API (names unique to the run), " +
			"acting as an admin, the consumers, the restaurants and couriers with tokens signed with TOKEN_SECRET. " +
			"Each order is of one kind, in the shares --mix gives:\n" +
			"  approved  from a restaurant that accepts by itself, by a consumer with ample credit: APPROVED\n" +
			"  declined  by a consumer whose credit is below the total: REJECTED INSUFFICIENT_CREDIT\n" +
			"  rejected  from a restaurant that answers by hand; the load rejects the ticket: REJECTED RESTAURANT_REJECTED\n" +
			"  canceled  canceled by its consumer at a random moment within --cancel-within: CANCELED\n" +
			"            (a 409, or a cancel recorded as refused, is fine if the order settles otherwise)\n" +
			"  revised   once APPROVED, its quantities raised: APPROVED at the new total (or the refusal recorded)\n" +
			"  delivered once APPROVED, cooked and picked up by its restaurant, then reported delivered by a courier: DELIVERED\n\n" +
			"While it runs it prints a progress line to stderr every second; at the end it prints the orders " +
			"placed, settled by status, settled orders/s, latency percentiles from POST to settled state, the " +
			"outcomes by kind and the errors by kind (--json prints the report as JSON instead). Transient " +
			"failures (no answer, 5xx, 429, a 409 that says to retry) are retried, a POST with its " +
			"Idempotency-Key, and reported apart. It exits non-zero when any order was not placed, did not " +
			"settle within --settle-timeout, or ended where its kind does not lead.",
		Example: "  orderflow load --orders 1000 --concurrency 20\n" +
			"  orderflow load --duration 5m --rate 50 --mix approved=60,declined=10,rejected=10,canceled=10,revised=10\n" +
			"  orderflow load --orders 200 --json > report.json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := load.ParseMix(mix)
			if err != nil {
				return fmt.Errorf("--mix: %w", err)
			}
			lc.Mix = m
			if lc.Orders == 0 && lc.Duration == 0 && (cmd.Flags().Changed("orders") || cmd.Flags().Changed("duration")) {
				return errors.New("--orders and --duration are both 0: give one of them")
			}
			if lc.Rate == 0 && lc.Concurrency == 0 && cmd.Flags().Changed("concurrency") {
				return errors.New("--concurrency 0 needs a --rate")
			}
			if err := cfg.checkTokenSecrets(secretNeeded); err != nil {
				return fmt.Errorf("--token-secret: %w", err)
			}
			lc.Tokens = demo.SignedTokens{Tokens: cfg.tokens()}
			report, runErr := load.Run(cmd.Context(), lc, cmd.ErrOrStderr())
			if report.StartedAt.IsZero() {
				return runErr // nothing ran
			}
			if err := printReport(cmd.OutOrStdout(), asJSON, report); err != nil {
				return err
			}
			if runErr != nil {
				return fmt.Errorf("interrupted: %w", runErr)
			}
			return report.Err()
		},
	}
	f := cmd.Flags()
	f.StringVar(&lc.BaseURL, "api-url", lc.BaseURL, "the API's base URL (also --api)")
	f.IntVar(&lc.Orders, "orders", 0, fmt.Sprintf("how many orders to place (default %d when --duration is not given; with both, whichever ends first)", load.DefaultOrders))
	f.DurationVar(&lc.Duration, "duration", 0, "place orders for this long, then wait for those in flight to settle")
	f.Float64Var(&lc.Rate, "rate", 0, "start this many orders per second (0: as fast as --concurrency allows)")
	f.IntVar(&lc.Concurrency, "concurrency", 0, fmt.Sprintf("orders in flight at once, from POST to settled: without --rate, kept at this many "+
		"(default %d); with --rate, a bound (default none)", load.DefaultConcurrency))
	f.StringVar(&mix, "mix", load.DefaultMix, "percent of each kind of order, adding up to 100: approved, declined, rejected, canceled, revised, delivered")
	f.DurationVar(&lc.SettleTimeout, "settle-timeout", load.DefaultSettleTimeout, "how long an order may take from POST to settled before it fails as \"not settled\"")
	f.DurationVar(&lc.CancelWithin, "cancel-within", load.DefaultCancelWithin, "a canceled order is canceled at a random moment up to this long after it was placed")
	f.IntVar(&lc.Consumers, "consumers", load.DefaultConsumers, "consumers with ample credit (and as many without) to spread the orders over")
	f.DurationVar(&lc.PollInterval, "poll-interval", load.DefaultPollInterval, "how often each order in flight is read (the latencies' precision)")
	f.DurationVar(&lc.RequestTimeout, "request-timeout", load.DefaultRequestTimeout, "how long one HTTP request may take before it is retried")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON (progress still goes to stderr)")
	f.StringVar(&cfg.TokenSecret, "token-secret", cfg.TokenSecret, "HMAC secret the API verifies tokens with, at least 32 bytes (TOKEN_SECRET)")
	f.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == "api" {
			name = "api-url" // --api is accepted for --api-url, the name `orderflow demo` uses
		}
		return pflag.NormalizedName(name)
	})
	return cmd
}
