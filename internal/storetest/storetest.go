// Package storetest holds what tests of the event store's users share: a store on a
// schema of its own, domain events appended as they are (without the domain's
// decisions, so that tests can write any history), a long-running component run for
// the length of a test, and a count of the statements a component ran.
package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/migrations"
	"github.com/orderflow/orderflow/internal/pgtest"
)

// New is a store on a fresh schema migrated for the event store and then by sets,
// with a notification channel of its own so that other tests' appends do not wake its
// subscribers. The store is closed when the test ends.
func New(tb testing.TB, sets ...migrations.Set) (*eventstore.Store, pgtest.Schema) {
	tb.Helper()
	schema := pgtest.NewSchema(tb, append([]migrations.Set{eventstore.Migrations}, sets...)...)
	store := eventstore.New(schema.Pool, eventstore.WithChannel(schema.Name))
	tb.Cleanup(store.Close)
	return store, schema
}

var reg = registry.New()

// NewAggregates is New as the domain's commands use it: the store with the domain's
// event registry.
func NewAggregates(tb testing.TB, sets ...migrations.Set) (aggregate.Store, pgtest.Schema) {
	tb.Helper()
	store, schema := New(tb, sets...)
	return aggregate.Store{Events: store, Registry: registry.New()}, schema
}

// Append appends events to stream as they are, whatever the stream holds, each with an
// id of its own.
func Append(tb testing.TB, store *eventstore.Store, stream string, events ...event.Event) {
	tb.Helper()
	data := make([]eventstore.EventData, len(events))
	for i, e := range events {
		raw, err := reg.Encode(e)
		if err != nil {
			tb.Fatalf("storetest: encode %s: %v", e.EventType(), err)
		}
		data[i] = eventstore.EventData{ID: uuid.New(), Type: e.EventType(), SchemaVersion: e.SchemaVersion(), Data: raw}
	}
	if _, err := store.Append(context.Background(), stream, eventstore.Any(), data...); err != nil {
		tb.Fatalf("storetest: append to %s: %v", stream, err)
	}
}

// Run runs f until the test ends or stop is called, and then checks that f returned
// because its context ended, not for a reason of its own.
func Run(tb testing.TB, f func(ctx context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				tb.Errorf("storetest: ended with %v, want context.Canceled", err)
			}
		})
	}
	tb.Cleanup(stop)
	return stop
}

// Statements counts the statements containing Match that a pool ran to their end: a way for a test to wait until a component has looked at the
// database, instead of sleeping and hoping it has. Set it as a pool's tracer with
// TracedPool.
type Statements struct {
	Match string
	// Arg, when set, counts only the statements that were given it as an argument.
	Arg any
	n   atomic.Int64
}

type counted struct{}

// TraceQueryStart marks the query's context when the statement is one being counted.
func (s *Statements) TraceQueryStart(ctx context.Context, _ *pgx.Conn, q pgx.TraceQueryStartData) context.Context {
	if strings.Contains(q.SQL, s.Match) && (s.Arg == nil || slices.Contains(q.Args, s.Arg)) {
		return context.WithValue(ctx, counted{}, true)
	}
	return ctx
}

// TraceQueryEnd counts a marked statement once it has run.
func (s *Statements) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	if ctx.Value(counted{}) != nil {
		s.n.Add(1)
	}
}

// Count is how many matching statements have ended so far.
func (s *Statements) Count() int64 { return s.n.Load() }

// TracedPool is another pool to the database of pool, configured alike, whose
// statements tracer sees; it is closed when the test ends.
func TracedPool(tb testing.TB, pool *pgxpool.Pool, tracer pgx.QueryTracer) *pgxpool.Pool {
	tb.Helper()
	cfg := pool.Config()
	cfg.ConnConfig.Tracer = tracer
	traced, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	tb.Cleanup(traced.Close)
	return traced
}
