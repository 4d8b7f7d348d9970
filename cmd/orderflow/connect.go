package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/stack"
)

// connectDatabase opens the pool and brings every schema up to date.
func connectDatabase(ctx context.Context, cfg *Config) (*pgxpool.Pool, error) {
	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if err := stack.Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return pool, nil
}

// connectTemporal dials Temporal with the process's logger bridged to the SDK's.
func connectTemporal(ctx context.Context, cfg *Config, log *slog.Logger) (client.Client, error) {
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  cfg.TemporalAddress,
		Namespace: cfg.TemporalNamespace,
		Logger:    tlog.NewStructuredLogger(log),
	})
	if err != nil {
		return nil, fmt.Errorf("temporal at %s: %w", cfg.TemporalAddress, err)
	}
	return c, nil
}

// services connects what a process needs (withTemporal: the Temporal client too) and
// returns a func that releases it all.
func services(ctx context.Context, cfg *Config, withTemporal bool) (*stack.Services, func(), error) {
	log, err := cfg.logger()
	if err != nil {
		return nil, nil, err
	}
	pool, err := connectDatabase(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	var c client.Client
	if withTemporal {
		if c, err = connectTemporal(ctx, cfg, log); err != nil {
			pool.Close()
			return nil, nil, err
		}
	}
	s := stack.New(pool, c, cfg.tokens(), log, eventstore.DefaultChannel)
	return s, func() {
		s.Close()
		if c != nil {
			c.Close()
		}
		pool.Close()
	}, nil
}

func (c Config) tokens() api.Tokens {
	return api.Tokens{Secret: []byte(c.TokenSecret), Issuer: c.TokenIssuer}
}
