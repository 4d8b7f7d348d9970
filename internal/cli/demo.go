package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/api/openapi"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/integration"
	"github.com/orderflow/orderflow/internal/apiclient"
	"github.com/orderflow/orderflow/internal/demo"
)

func demoCommand(cfg *Config) *cobra.Command {
	apiURL, uiURL := "http://127.0.0.1:8080", "http://127.0.0.1:8233"
	// The dev stack's embedded NATS server, unless NATS_URL names another.
	natsURL := "nats://127.0.0.1:14222"
	if v, ok := os.LookupEnv("NATS_URL"); ok {
		natsURL = v
	}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Seed consumers and restaurants on a running stack and place orders down every saga path",
		Long: "Talks to a running API (start one with `make dev`) as an admin, the consumers and the " +
			"restaurants it creates (tokens signed with TOKEN_SECRET; --dev-mode signs with the dev stack's " +
			"development secret), and prints where each order ended and where to see its workflow in Temporal UI; then " +
			"the public events each order published on NATS (--nats-url, the dev stack's by default), as a subscriber " +
			"receives them, with the notification the example notifier records for each.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.checkTokenSecrets(secretNeeded); err != nil {
				return err
			}
			ctx := cmd.Context()
			var watcher *demo.Watcher
			if natsURL != "" {
				nc, err := nats.Connect(natsURL, nats.Name("orderflow-demo"))
				if err != nil {
					return fmt.Errorf("NATS at %s: %w (start the stack with `make dev`, set --nats-url, or --nats-url '' to leave the events out)", natsURL, err)
				}
				defer nc.Close()
				js, err := jetstream.New(nc)
				if err != nil {
					return err
				}
				// From a little before now: the watcher must not miss the first order's
				// events, and the orders are new, so nothing older is shown.
				if watcher, err = demo.Watch(ctx, js, integration.DefaultStream, integration.DefaultSubjectPrefix, time.Now().Add(-time.Second)); err != nil {
					return fmt.Errorf("%w (is the relay running? it makes the stream)", err)
				}
				defer watcher.Stop()
			}
			client, tokens := apiclient.New(apiURL, "", nil), demo.SignedTokens{Tokens: cfg.tokens()}
			outcomes, err := demo.Run(ctx, client, tokens)
			if err != nil {
				return err
			}
			var arrivals [][]demo.Arrival
			if watcher != nil {
				arrivals = watcher.Arrivals(ctx, outcomes, integration.DefaultSubjectPrefix, 15*time.Second)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SCENARIO\tSTATUS\tREASON\tEVENTS\tWORKFLOW")
			var failures []string
			for _, o := range outcomes {
				reason := ""
				if o.Order.RejectionReason != nil {
					reason = *o.Order.RejectionReason
				}
				link := strings.TrimSuffix(uiURL, "/") + "/namespaces/default/workflows/order-" + o.Order.ID.String()
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", o.Scenario, o.Order.Status, reason, len(o.Events), link)
				if o.Err != nil {
					failures = append(failures, fmt.Sprintf("%s: %v", o.Scenario, o.Err))
				}
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			// What the consumer apps read afterwards: the menus ordered from, and each
			// account holding what its live orders cost.
			restaurants, err := demo.Restaurants(ctx, client, tokens, outcomes)
			if err != nil {
				failures = append(failures, fmt.Sprintf("reading the restaurants: %v", err))
			}
			accounts, err := demo.Accounts(ctx, client, tokens, outcomes)
			if err != nil {
				failures = append(failures, fmt.Sprintf("reading the accounts: %v", err))
			}
			if err := printReads(cmd.OutOrStdout(), restaurants, accounts); err != nil {
				return err
			}
			if arrivals != nil {
				printArrivals(cmd.OutOrStdout(), outcomes, arrivals)
			}
			if len(failures) > 0 {
				return fmt.Errorf("%d of %d scenarios did not end as expected:\n  %s",
					len(failures), len(outcomes), strings.Join(failures, "\n  "))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&apiURL, "api-url", apiURL, "the API's base URL")
	cmd.Flags().StringVar(&uiURL, "ui-url", uiURL, "Temporal UI's base URL, for the links")
	cmd.Flags().StringVar(&natsURL, "nats-url", natsURL,
		"NATS server to watch the orders' public events on (NATS_URL, else the dev stack's); empty leaves them out")
	return cmd
}

// printArrivals shows, per order, the public events a subscriber received from NATS and
// the notification the notifier records for each.
func printArrivals(out io.Writer, outcomes []demo.Outcome, arrivals [][]demo.Arrival) {
	fmt.Fprintln(out, "\nPublic events on NATS, as a subscriber receives them, and what the notifier tells the consumer:")
	for i, o := range outcomes {
		fmt.Fprintf(out, "%s (order %s)\n", o.Scenario, o.Order.ID)
		for _, a := range arrivals[i] {
			note := a.Notification
			if note == "" {
				note = "(for the restaurant: no consumer notification)"
			}
			fmt.Fprintf(out, "  %-42s %s\n", a.Subject, note)
		}
	}
}

// printReads shows restaurants and accounts as a consumer app reads them.
func printReads(w io.Writer, restaurants []openapi.RestaurantView, accounts []openapi.ConsumerWithAccount) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nRESTAURANT\tSTATUS\tMENU")
	for _, r := range restaurants {
		items := make([]string, len(r.Menu))
		for i, m := range r.Menu {
			items[i] = fmt.Sprintf("%s %s", m.Name, cents(m.PriceCents, r.Currency))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, r.Status, strings.Join(items, ", "))
	}
	fmt.Fprintln(tw, "\nCONSUMER\tSTATUS\tLIMIT\tHELD\tAVAILABLE\tORDERS HELD")
	for _, c := range accounts {
		a := c.Account
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", c.Name, c.Status, cents(a.CreditLimitCents, a.Currency),
			cents(a.HeldCents, a.Currency), cents(a.AvailableCents, a.Currency), len(a.Authorizations))
	}
	return tw.Flush()
}

// cents renders an amount of minor units as "9.50 EUR".
func cents(amount int64, currency string) string {
	return money.Money{Cents: amount, Currency: currency}.String()
}
