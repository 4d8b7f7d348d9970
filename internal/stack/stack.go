// Package stack wires orderflow's processes from their parts: the API handler, the
// workers and the projector over one database pool and one Temporal client. The
// orderflow commands (api, worker, projector, dev) and the end-to-end tests build the
// system through it, so what the tests run is what users run.
package stack

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/migrations"
	"github.com/orderflow/orderflow/internal/telemetry"
	"github.com/orderflow/orderflow/projections"
	"github.com/orderflow/orderflow/worker"
)

// Services are the shared parts of every process.
type Services struct {
	Pool     *pgxpool.Pool
	Store    aggregate.Store
	Temporal client.Client
	Tokens   api.Tokens
	Logger   *slog.Logger
	// Limits bound the API's requests per principal and its read-your-writes waits
	// (api.Limits; the zero value is the defaults).
	Limits api.Limits
	// Idempotency sets how long the API keeps and leases Idempotency-Key keys (the
	// zero value is the defaults).
	Idempotency api.IdempotencyOptions
	// AdminPprof serves Go's profiles on the API's admin listener (api.Deps.Pprof).
	AdminPprof bool
}

// New builds the services over a migrated pool. channel is the event store's
// LISTEN/NOTIFY channel (eventstore.DefaultChannel in production). Close releases
// what New started; the pool and the client stay the caller's.
func New(pool *pgxpool.Pool, temporal client.Client, tokens api.Tokens, log *slog.Logger, channel string) *Services {
	return &Services{
		Pool:     pool,
		Store:    aggregate.Store{Events: eventstore.New(pool, eventstore.WithChannel(channel)), Registry: registry.New()},
		Temporal: temporal, Tokens: tokens, Logger: log,
	}
}

// Close stops the event store's background notifier.
func (s *Services) Close() { s.Store.Events.Close() }

// Migrations are the schemas orderflow owns, in the order they apply.
func Migrations() []migrations.Set {
	return []migrations.Set{eventstore.Migrations, projections.Migrations, api.Migrations}
}

// Migrate brings every schema orderflow owns up to date. Migrations are idempotent
// and serialised by an advisory lock, so every process runs them at start-up.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return migrations.Apply(ctx, pool, Migrations()...)
}

// APIHandler is the HTTP API; it adds its metrics to reg.
func (s *Services) APIHandler(reg *prometheus.Registry) http.Handler {
	return api.NewHandler(s.apiDeps(reg))
}

// AdminHandler serves /metrics (reg), /readyz (PostgreSQL and Temporal) and /healthz,
// on a listener apart from the API's.
func (s *Services) AdminHandler(reg *prometheus.Registry) http.Handler {
	return api.NewAdminHandler(s.apiDeps(reg))
}

func (s *Services) apiDeps(reg *prometheus.Registry) api.Deps {
	return api.Deps{
		Consumers:   app.Consumers{Store: s.Store},
		Restaurants: app.Restaurants{Store: s.Store},
		Orders:      app.OrderCommands{Store: s.Store, Workflows: s.Temporal},
		Tickets:     app.Tickets{Store: s.Store, Workflows: s.Temporal},
		Queries:     projections.Queries{Pool: s.Pool},
		Pool:        s.Pool,
		Tokens:      s.Tokens,
		Logger:      s.Logger,
		Registry:    reg,
		Limits:      s.Limits,
		Idempotency: s.Idempotency,
		Pprof:       s.AdminPprof,
		Projections: func(ctx context.Context) ([]projections.Status, error) {
			return projections.Statuses(ctx, s.Store.Events)
		},
		Ready: map[string]func(context.Context) error{
			"postgres": s.Pool.Ping,
			"temporal": func(ctx context.Context) error {
				_, err := s.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
				return err
			},
		},
	}
}

// RunWorkers serves the task queues (all when none are named) until ctx ends.
func (s *Services) RunWorkers(ctx context.Context, queues ...string) error {
	return worker.Run(ctx, s.Temporal, s.Store, queues, s.Logger)
}

// RunProjector runs the projections (all when none are named) until ctx ends, with
// their metrics on metrics when it is not nil; it returns nil when ctx ended it.
func (s *Services) RunProjector(ctx context.Context, metrics *telemetry.ProjectorMetrics, names ...string) error {
	p := projections.Projector{Store: s.Store.Events, Registry: s.Store.Registry, Logger: s.Logger}
	if metrics != nil {
		p.OnBatch, p.OnError = metrics.OnBatch, metrics.OnError
		go metrics.Sample(ctx, s.Store.Events, 5*time.Second, s.Logger)
	}
	err := p.Run(ctx, names...)
	if ctx.Err() != nil {
		return nil
	}
	return err
}
