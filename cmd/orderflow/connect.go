package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/projections"
)

// connectDatabase opens the pool and brings every schema up to date: migrations are
// idempotent and serialised by an advisory lock, so every process can run them at
// start-up, however many start at once.
func connectDatabase(ctx context.Context, cfg *Config) (*pgxpool.Pool, error) {
	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	for name, m := range map[string]func(context.Context, *pgxpool.Pool) error{
		"event store": eventstore.Migrate, "read models": projections.Migrate, "api": api.Migrate,
	} {
		if err := m(ctx, pool); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return nil
}

func newAggregateStore(pool *pgxpool.Pool) aggregate.Store {
	return aggregate.Store{Events: eventstore.New(pool), Registry: registry.New()}
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
