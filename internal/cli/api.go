package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"sync"

	"github.com/spf13/cobra"
	"golang.org/x/time/rate"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/internal/httpserve"
)

func apiCommand(cfg *Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "api",
		Short: "Serve the HTTP API (commands become workflows; queries read the projections)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.checkTokenSecrets(secretNeeded); err != nil {
				return err
			}
			limits, err := cfg.apiLimits()
			if err != nil {
				return err
			}
			idempotency, err := cfg.idempotency()
			if err != nil {
				return err
			}
			p, err := connect(cmd.Context(), cfg, "orderflow-api", true)
			if err != nil {
				return err
			}
			defer p.Close()
			if what, published := publishedTokenSecrets[cfg.TokenSecret]; published {
				p.Logger.Warn("development mode: TOKEN_SECRET is " + what + ", so anyone can mint tokens for this API")
			}
			p.Limits = limits
			p.Idempotency = idempotency
			p.AdminPprof = cfg.AdminPprof
			handler := p.Telemetry.HTTP(p.APIHandler(p.Telemetry.Registry), "orderflow-api")
			return serveAPI(cmd.Context(), cfg.APIAddr, handler, cfg.AdminAddr, p.AdminHandler(p.Telemetry.Registry), p.Logger)
		},
	}
	cmd.Flags().StringVar(&cfg.APIAddr, "addr", cfg.APIAddr, "address to listen on (API_ADDR)")
	cmd.Flags().StringVar(&cfg.AdminAddr, "admin-addr", cfg.AdminAddr,
		"serve /metrics, /readyz and /healthz here, unauthenticated; keep it private; off when empty (ADMIN_ADDR)")
	cmd.Flags().BoolVar(&cfg.AdminPprof, "admin-pprof", cfg.AdminPprof,
		"serve Go's profiles at /debug/pprof/ on the admin listener, for profiling (ADMIN_PPROF)")
	cmd.Flags().Float64Var(&cfg.RateLimit, "rate-limit", cfg.RateLimit,
		"requests a second one principal may make on average; 0 turns the limit off (RATE_LIMIT)")
	cmd.Flags().IntVar(&cfg.RateBurst, "rate-burst", cfg.RateBurst, "requests one principal may make at once (RATE_BURST)")
	cmd.Flags().DurationVar(&cfg.IdempotencyKeyTTL, "idempotency-key-ttl", cfg.IdempotencyKeyTTL,
		"how long an Idempotency-Key and its response are kept (IDEMPOTENCY_KEY_TTL)")
	cmd.Flags().DurationVar(&cfg.IdempotencyKeyLease, "idempotency-key-lease", cfg.IdempotencyKeyLease,
		"how long a request may hold its Idempotency-Key unfinished before a retry may take it over; "+
			"longer than any request takes (IDEMPOTENCY_KEY_LEASE)")
	temporalFlags(cmd, cfg)
	return cmd
}

// apiLimits are the API's limits as configured: RATE_LIMIT 0 turns the rate limit off.
func (c Config) apiLimits() (api.Limits, error) {
	switch {
	case c.RateLimit < 0 || math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0):
		return api.Limits{}, fmt.Errorf("RATE_LIMIT (--rate-limit) is %g: want requests a second, or 0 for no limit", c.RateLimit)
	case c.RateLimit == 0:
		return api.Limits{Rate: rate.Inf}, nil
	case c.RateBurst < 1:
		return api.Limits{}, fmt.Errorf("RATE_BURST (--rate-burst) is %d: want 1 or more", c.RateBurst)
	}
	return api.Limits{Rate: rate.Limit(c.RateLimit), Burst: c.RateBurst}, nil
}

// idempotency is how long the API keeps and leases Idempotency-Key keys, as configured.
func (c Config) idempotency() (api.IdempotencyOptions, error) {
	switch {
	case c.IdempotencyKeyLease <= 0:
		return api.IdempotencyOptions{}, fmt.Errorf("IDEMPOTENCY_KEY_LEASE (--idempotency-key-lease) is %s: want a positive duration", c.IdempotencyKeyLease)
	case c.IdempotencyKeyTTL <= c.IdempotencyKeyLease:
		return api.IdempotencyOptions{}, fmt.Errorf("IDEMPOTENCY_KEY_TTL (--idempotency-key-ttl) is %s: want more than the lease, %s",
			c.IdempotencyKeyTTL, c.IdempotencyKeyLease)
	}
	return api.IdempotencyOptions{TTL: c.IdempotencyKeyTTL, Lease: c.IdempotencyKeyLease}, nil
}

// serveAPI serves the API on addr and, unless adminAddr is empty, the admin handler
// (metrics, readiness) on adminAddr, until ctx ends or either fails.
func serveAPI(ctx context.Context, addr string, handler http.Handler, adminAddr string, admin http.Handler, log *slog.Logger) error {
	if adminAddr == "" {
		return httpserve.Serve(ctx, addr, handler, log)
	}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	var wg sync.WaitGroup
	for _, s := range []struct {
		name, addr string
		h          http.Handler
	}{{"api", addr, handler}, {"admin", adminAddr, admin}} {
		wg.Go(func() {
			if err := httpserve.Serve(ctx, s.addr, s.h, log.With("server", s.name)); err != nil {
				stop(fmt.Errorf("%s listener on %s: %w", s.name, s.addr, err))
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && ctx.Err() != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
