package eventstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is the event store. It is safe for concurrent use.
type Store struct {
	pool     *pgxpool.Pool
	channel  string
	notifier *notifier
	heads    *knownHeads
}

// knownHeadsLimit bounds how many streams' heads a store remembers (a few MB).
const knownHeadsLimit = 100_000

// Option configures a Store.
type Option func(*Store)

// DefaultChannel is the LISTEN/NOTIFY channel that appends announce themselves on.
const DefaultChannel = "orderflow_events"

// WithChannel sets the notification channel; writers and subscribers must agree on it.
func WithChannel(channel string) Option { return func(s *Store) { s.channel = channel } }

// New returns a store on pool. The schema must have been migrated (see Migrations).
// Close stops its background notifier; it does not close the pool.
func New(pool *pgxpool.Pool, opts ...Option) *Store {
	s := &Store{pool: pool, channel: DefaultChannel, heads: newKnownHeads(knownHeadsLimit)}
	for _, o := range opts {
		o(s)
	}
	s.notifier = startNotifier(pool, s.channel, 5*time.Millisecond)
	return s
}

// Close stops the store's background work and waits for it.
func (s *Store) Close() { s.notifier.stop() }

// Pool is the connection pool the store uses, for callers that need a transaction
// beside it (a subscription handler's effect, a read model).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Ping reports whether the database is reachable, for readiness checks.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }
