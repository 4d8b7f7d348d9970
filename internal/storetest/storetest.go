// Package storetest holds what tests of the event store's users share: a store on a
// schema of its own, domain events appended as they are (without the domain's
// decisions, so that tests can write any history), and a long-running component run
// for the length of a test.
package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/pgtest"
)

// New is a store on a fresh schema migrated for the event store and then by migrate,
// with a notification channel of its own so that other tests' appends do not wake its
// subscribers. The store is closed when the test ends.
func New(tb testing.TB, migrate ...func(context.Context, *pgxpool.Pool) error) (*eventstore.Store, pgtest.Schema) {
	tb.Helper()
	schema := pgtest.NewSchema(tb, append([]func(context.Context, *pgxpool.Pool) error{eventstore.Migrate}, migrate...)...)
	store := eventstore.New(schema.Pool, eventstore.WithChannel(schema.Name))
	tb.Cleanup(store.Close)
	return store, schema
}

var reg = registry.New()

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
