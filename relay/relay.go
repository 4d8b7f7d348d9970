// Package relay publishes orderflow's public events (package integration) from the
// event store to NATS JetStream. The store is the outbox: the relay is a checkpointed
// store subscription (eventstore.Store.Subscribe), and a batch's checkpoint commits
// only after JetStream has acknowledged every message of the batch. So an event is
// published only once it is committed, and a committed event is never left
// unpublished: a relay that dies between the acknowledgements and the commit publishes
// the batch again when it (or a standby) resumes, and JetStream drops the repeats,
// because each message's Nats-Msg-Id is its event id and the stream keeps a duplicate
// window (DuplicateWindow). Delivery is at least once; see docs/events.md.
package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/integration"
)

const (
	// DefaultStream is the JetStream stream the relay publishes into.
	DefaultStream = integration.DefaultStream
	// DefaultSubscription is the relay's store subscription: its checkpoint.
	DefaultSubscription = "nats_relay"
	// DuplicateWindow is how long the stream remembers message ids to drop a repeat. It
	// must outlast the time between a publish and its retry after a crash (a relay's
	// restart, or a standby's takeover); a repeat after it is stored again, and
	// subscribers drop it by the event id (docs/events.md).
	DuplicateWindow = time.Hour
	// MaxAge is how long the stream keeps a message: a subscriber may be down this long
	// and still catch up.
	MaxAge = 7 * 24 * time.Hour
	// DefaultBatchSize is how many events one batch publishes (and one transaction
	// checkpoints).
	DefaultBatchSize = 500
	// DefaultAckTimeout bounds how long a batch waits for JetStream's acknowledgements.
	DefaultAckTimeout = 30 * time.Second
)

// Metrics is told what the relay publishes; nil is fine.
type Metrics interface {
	// Published counts a batch's acknowledged messages, of which duplicates JetStream
	// had already stored (a batch published again after a crash or a failure).
	Published(messages, duplicates int)
	// PublishFailed counts a batch that failed (and will be retried).
	PublishFailed(err error)
}

// Relay publishes the public events. Several may run: one advances the subscription,
// the others stand by (eventstore.Store.Subscribe).
type Relay struct {
	Store *eventstore.Store
	// Conn is the connection to NATS; make it with ConnectOptions.
	Conn *nats.Conn
	// Registry decodes stored events; nil means registry.New().
	Registry *event.Registry
	// Stream and SubjectPrefix default to DefaultStream and
	// integration.DefaultSubjectPrefix; tests use their own.
	Stream        string
	SubjectPrefix string
	// Subscription is the store subscription's name; DefaultSubscription when empty.
	Subscription string
	BatchSize    int
	AckTimeout   time.Duration
	Metrics      Metrics
	Logger       *slog.Logger

	js          jetstream.JetStream
	streamReady bool
	origins     *origins
	// afterAcks, set by tests, runs once a batch is acknowledged, before its checkpoint
	// commits: a relay killed there has published what the store has not recorded.
	afterAcks func(ctx context.Context, envelopes []integration.Envelope) error
}

// ConnectOptions are what the relay's NATS connection needs: no buffering of
// publishes while it reconnects. A publish during a disconnection then fails at once
// (and with it the batch, retried from its start) instead of waiting in a buffer to be
// sent after the reconnection, behind messages of the batch that were lost in flight,
// which would store the batch's events out of order.
func ConnectOptions() []nats.Option {
	return []nats.Option{nats.ReconnectBufSize(-1)}
}

// StreamConfig is the stream the relay publishes into: every subject under prefix,
// kept on disk for MaxAge, with a DuplicateWindow.
func StreamConfig(name, prefix string) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        name,
		Description: "orderflow's public events (docs/events.md)",
		Subjects:    []string{prefix + ".>"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Discard:     jetstream.DiscardOld,
		MaxAge:      MaxAge,
		Duplicates:  DuplicateWindow,
		Replicas:    1,
	}
}

// EnsureStream creates the stream, or brings an existing one to StreamConfig: the
// relay does it at start and whenever the stream stops answering, so it is idempotent.
func EnsureStream(ctx context.Context, js jetstream.JetStream, name, prefix string) (jetstream.Stream, error) {
	s, err := js.CreateOrUpdateStream(ctx, StreamConfig(name, prefix))
	if err != nil {
		return nil, fmt.Errorf("relay: create or update stream %s: %w", name, err)
	}
	return s, nil
}

func (r *Relay) defaults() error {
	if r.Store == nil || r.Conn == nil {
		return errors.New("relay: needs a store and a NATS connection")
	}
	if r.Registry == nil {
		r.Registry = registry.New()
	}
	if r.Stream == "" {
		r.Stream = DefaultStream
	}
	if r.SubjectPrefix == "" {
		r.SubjectPrefix = integration.DefaultSubjectPrefix
	}
	if r.Subscription == "" {
		r.Subscription = DefaultSubscription
	}
	if r.BatchSize <= 0 {
		r.BatchSize = DefaultBatchSize
	}
	if r.AckTimeout <= 0 {
		r.AckTimeout = DefaultAckTimeout
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	r.Logger = r.Logger.With("relay", r.Subscription, "stream", r.Stream)
	if r.origins == nil {
		r.origins = newOrigins(originsLimit)
	}
	if r.js != nil {
		return nil
	}
	js, err := jetstream.New(r.Conn, jetstream.WithPublishAsyncMaxPending(2*r.BatchSize),
		jetstream.WithPublishAsyncTimeout(r.AckTimeout))
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	r.js = js
	return nil
}

// Filter is what the relay's subscription reads: the published event types.
func Filter() eventstore.Filter { return eventstore.Filter{Types: integration.PublishedTypes()} }

// Behind is how far the relay named subscription (DefaultSubscription when empty) is
// behind the store: events not yet published, and the age of the oldest.
func Behind(ctx context.Context, pool *pgxpool.Pool, subscription string) (int64, time.Duration, error) {
	if subscription == "" {
		subscription = DefaultSubscription
	}
	return eventstore.Behind(ctx, pool, subscription, Filter())
}

// Run publishes until ctx ends, then returns ctx's error. A broker that is down or a
// publish that fails fails the batch; the subscription retries it with backoff.
func (r *Relay) Run(ctx context.Context) error {
	if err := r.defaults(); err != nil {
		return err
	}
	if err := r.ensureStreamAtStart(ctx); err != nil {
		return err
	}
	return r.Store.Subscribe(ctx, eventstore.Subscription{
		Name:        r.Subscription,
		Filter:      Filter(),
		HandleBatch: r.publish,
		BatchSize:   r.BatchSize,
		Logger:      r.Logger,
	})
}

// ensureStreamAtStart makes or updates the stream, waiting with backoff for a broker
// that is not there yet, so that subscribers find the stream before the first event.
func (r *Relay) ensureStreamAtStart(ctx context.Context) error {
	delay := 100 * time.Millisecond
	for {
		attempt, cancel := context.WithTimeout(ctx, r.AckTimeout)
		_, err := EnsureStream(attempt, r.js, r.Stream, r.SubjectPrefix)
		cancel()
		if err == nil {
			r.streamReady = true
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if r.Metrics != nil {
			r.Metrics.PublishFailed(err)
		}
		r.Logger.Warn("cannot make the stream yet; retrying", "err", err, "retry_in", delay)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 10*time.Second)
	}
}

// publish publishes a batch, all at once, and returns once JetStream has acknowledged
// every message (or fails the batch). It runs in the batch's transaction: returning
// nil lets the checkpoint commit.
func (r *Relay) publish(ctx context.Context, _ pgx.Tx, events []eventstore.RecordedEvent) (err error) {
	defer func() {
		if err != nil && r.Metrics != nil && ctx.Err() == nil {
			r.Metrics.PublishFailed(err)
		}
	}()
	envelopes, err := r.envelopes(ctx, events)
	if err != nil {
		return err
	}
	if !r.streamReady {
		if _, err := EnsureStream(ctx, r.js, r.Stream, r.SubjectPrefix); err != nil {
			return err
		}
		r.streamReady = true
	}
	futures := make([]jetstream.PubAckFuture, 0, len(envelopes))
	for _, env := range envelopes {
		msg := nats.NewMsg(env.Subject(r.SubjectPrefix))
		for k, v := range env.Headers() {
			msg.Header.Set(k, v)
		}
		if msg.Data, err = json.Marshal(env); err != nil {
			return err
		}
		f, err := r.js.PublishMsgAsync(msg, jetstream.WithExpectStream(r.Stream))
		if err != nil {
			return fmt.Errorf("publish %s %s: %w", env.Type, env.ID, err)
		}
		futures = append(futures, f)
	}
	timeout := time.NewTimer(r.AckTimeout)
	defer timeout.Stop()
	duplicates := 0
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			if ack.Duplicate {
				duplicates++
			}
		case err := <-f.Err():
			if errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders) {
				r.streamReady = false // deleted, or not there yet: ensure it before the retry
			}
			return fmt.Errorf("publish %s %s: %w", envelopes[i].Type, envelopes[i].ID, err)
		case <-timeout.C:
			return fmt.Errorf("publish: %d of %d messages not acknowledged within %s", len(futures)-i, len(futures), r.AckTimeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if r.afterAcks != nil {
		if err := r.afterAcks(ctx, envelopes); err != nil {
			return err
		}
	}
	if r.Metrics != nil {
		r.Metrics.Published(len(futures), duplicates)
	}
	if duplicates > 0 {
		r.Logger.Info("batch published again; JetStream dropped the repeats", "messages", len(futures), "duplicates", duplicates)
	}
	return nil
}

// envelopes maps a batch to its public form, looking up the origins it does not carry.
func (r *Relay) envelopes(ctx context.Context, events []eventstore.RecordedEvent) ([]integration.Envelope, error) {
	out := make([]integration.Envelope, 0, len(events))
	for _, e := range events {
		if !integration.Published(e.Type) {
			continue // the filter reads published types only; be safe all the same
		}
		var origin integration.Origin
		if integration.Creates(e.Type) {
			o, err := integration.OriginOf(r.Registry, e)
			if err != nil {
				return nil, err
			}
			r.origins.put(e.StreamName, o)
		} else {
			o, err := r.originOf(ctx, e.StreamName)
			if err != nil {
				return nil, fmt.Errorf("origin of %s (for %s %s): %w", e.StreamName, e.Type, e.ID, err)
			}
			origin = o
		}
		env, err := integration.Map(r.Registry, e, origin)
		if err != nil {
			return nil, err
		}
		out = append(out, env)
	}
	return out, nil
}

// originOf is the origin of stream, from its first event (cached: it never changes).
func (r *Relay) originOf(ctx context.Context, stream string) (integration.Origin, error) {
	if o, ok := r.origins.get(stream); ok {
		return o, nil
	}
	first, err := r.Store.ReadStream(ctx, stream, eventstore.ReadOptions{From: 1, Limit: 1})
	if err != nil {
		return integration.Origin{}, err
	}
	if len(first) == 0 || !integration.Creates(first[0].Type) {
		return integration.Origin{}, fmt.Errorf("the stream does not start with an event that creates it")
	}
	o, err := integration.OriginOf(r.Registry, first[0])
	if err != nil {
		return integration.Origin{}, err
	}
	r.origins.put(stream, o)
	return o, nil
}

// originsLimit bounds the origins a relay remembers (a few MB); past it, it forgets
// them all and reads again what it needs.
const originsLimit = 50_000

type origins struct {
	mu    sync.Mutex
	limit int
	m     map[string]integration.Origin
}

func newOrigins(limit int) *origins {
	return &origins{limit: limit, m: make(map[string]integration.Origin)}
}

func (o *origins) get(stream string) (integration.Origin, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	v, ok := o.m[stream]
	return v, ok
}

func (o *origins) put(stream string, v integration.Origin) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.m) >= o.limit {
		clear(o.m)
	}
	o.m[stream] = v
}
