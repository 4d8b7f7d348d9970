package cli

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/api"
)

func tokenCommand(cfg *Config) *cobra.Command {
	var (
		role                     string
		subject                  string
		consumerID, restaurantID string
		ttl                      time.Duration
	)
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Issue a bearer token for the API (signed with TOKEN_SECRET)",
		Long: "Issues a bearer token for the API: a JWT signed with TOKEN_SECRET (HS256), naming TOKEN_ISSUER and " +
			"TOKEN_AUDIENCE, valid for --ttl (at most TOKEN_MAX_LIFETIME). TOKEN_SECRET must be the API's own; " +
			"against the dev stack (`make dev`), add --dev-mode to sign with the development secret.",
		Example: "  orderflow token --role admin\n" +
			"  orderflow token --role consumer --consumer-id 7c9e6679-7425-40de-944b-e07fc1f90ae7\n" +
			"  orderflow token --role restaurant --restaurant-id 0e7c0f9a-2b1d-4a8e-9a57-5d2b8c1f4e33\n" +
			"  orderflow token --role courier --subject courier-17",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.checkTokenSecrets(secretNeeded); err != nil {
				return err
			}
			if !cmd.Flags().Changed("ttl") {
				ttl = cfg.TokenMaxLifetime
			}
			p := api.Principal{Role: api.Role(role), Subject: subject}
			var err error
			if consumerID != "" {
				if p.ConsumerID, err = uuid.Parse(consumerID); err != nil {
					return fmt.Errorf("--consumer-id: %w", err)
				}
			}
			if restaurantID != "" {
				if p.RestaurantID, err = uuid.Parse(restaurantID); err != nil {
					return fmt.Errorf("--restaurant-id: %w", err)
				}
			}
			if p.Subject == "" {
				p.Subject = defaultSubject(p)
			}
			token, err := cfg.tokens().Issue(p, ttl, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), token)
			return nil
		},
	}
	cmd.Flags().StringVar(&role, "role", "admin", "admin, consumer, restaurant or courier")
	cmd.Flags().StringVar(&subject, "subject", "", "who the token names (default: the role's id, or the role's name for admin and courier; give each courier its own)")
	cmd.Flags().StringVar(&consumerID, "consumer-id", "", "the consumer a consumer token acts as")
	cmd.Flags().StringVar(&restaurantID, "restaurant-id", "", "the restaurant a restaurant token acts for")
	cmd.Flags().DurationVar(&ttl, "ttl", 0, "how long the token is valid, at most TOKEN_MAX_LIFETIME (default TOKEN_MAX_LIFETIME, 24h unless set)")
	cmd.Flags().StringVar(&cfg.TokenSecret, "token-secret", cfg.TokenSecret, "HMAC secret, at least 32 bytes (TOKEN_SECRET)")
	return cmd
}

func defaultSubject(p api.Principal) string {
	switch p.Role {
	case api.RoleConsumer:
		return p.ConsumerID.String()
	case api.RoleRestaurant:
		return p.RestaurantID.String()
	}
	return string(p.Role)
}
