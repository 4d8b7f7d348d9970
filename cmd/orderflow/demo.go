package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/internal/apiclient"
	"github.com/orderflow/orderflow/internal/demo"
)

func demoCommand(cfg *Config) *cobra.Command {
	apiURL, uiURL := "http://127.0.0.1:8080", "http://127.0.0.1:8233"
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Seed consumers and restaurants on a running stack and place orders down every saga path",
		Long: "Talks to a running API (start one with `make dev`) as an admin, the consumers and the " +
			"restaurants it creates (tokens signed with TOKEN_SECRET; --dev-mode signs with the dev stack's " +
			"development secret), and prints where each order ended and where to see its workflow in Temporal UI.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.checkTokenSecrets(secretNeeded); err != nil {
				return err
			}
			client, tokens := &apiclient.Client{BaseURL: apiURL}, demo.SignedTokens{Tokens: cfg.tokens()}
			outcomes, err := demo.Run(cmd.Context(), client, tokens)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SCENARIO\tSTATUS\tREASON\tEVENTS\tWORKFLOW")
			var failures []string
			for _, o := range outcomes {
				reason := ""
				if o.Order.RejectionReason != nil {
					reason = *o.Order.RejectionReason
				}
				link := strings.TrimSuffix(uiURL, "/") + "/namespaces/default/workflows/order-" + o.Order.ID
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
			restaurants, err := demo.Restaurants(cmd.Context(), client, tokens, outcomes)
			if err != nil {
				failures = append(failures, fmt.Sprintf("reading the restaurants: %v", err))
			}
			accounts, err := demo.Accounts(cmd.Context(), client, tokens, outcomes)
			if err != nil {
				failures = append(failures, fmt.Sprintf("reading the accounts: %v", err))
			}
			if err := printReads(cmd.OutOrStdout(), restaurants, accounts); err != nil {
				return err
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
	return cmd
}

// printReads shows restaurants and accounts as a consumer app reads them.
func printReads(w io.Writer, restaurants []apiclient.Restaurant, accounts []apiclient.Consumer) error {
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
