package demo

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/orderflow/orderflow/integration"
	"github.com/orderflow/orderflow/notifier"
)

// Watcher follows the public events on NATS as any subscriber would: an ordered,
// ephemeral consumer on the stream from a moment on (the demo's start), keeping the
// events of each order. The demo shows what arrives for its orders, and the
// notification the example notifier records for each (notifier.Render), without
// reading any service's tables.
type Watcher struct {
	mu       sync.Mutex
	changed  chan struct{}
	byOrder  map[uuid.UUID][]integration.Envelope
	consumer jetstream.ConsumeContext
}

// Watch starts following stream's subjects under prefix from since on.
func Watch(ctx context.Context, js jetstream.JetStream, stream, prefix string, since time.Time) (*Watcher, error) {
	c, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{prefix + ".>"},
		DeliverPolicy:  jetstream.DeliverByStartTimePolicy,
		OptStartTime:   &since,
	})
	if err != nil {
		return nil, fmt.Errorf("follow the stream %s: %w", stream, err)
	}
	w := &Watcher{changed: make(chan struct{}), byOrder: map[uuid.UUID][]integration.Envelope{}}
	w.consumer, err = c.Consume(func(msg jetstream.Msg) {
		env, err := integration.Decode(msg.Data())
		if err != nil {
			return
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		w.byOrder[env.OrderID] = append(w.byOrder[env.OrderID], env)
		close(w.changed)
		w.changed = make(chan struct{})
	})
	if err != nil {
		return nil, fmt.Errorf("follow the stream %s: %w", stream, err)
	}
	return w, nil
}

// Stop stops following.
func (w *Watcher) Stop() { w.consumer.Stop() }

// Published waits up to timeout for want events of the order, and returns what
// arrived, in arrival order.
func (w *Watcher) Published(ctx context.Context, id uuid.UUID, want int, timeout time.Duration) []integration.Envelope {
	deadline := time.After(timeout)
	for {
		w.mu.Lock()
		got, changed := slices.Clone(w.byOrder[id]), w.changed
		w.mu.Unlock()
		if len(got) >= want {
			return got
		}
		select {
		case <-changed:
		case <-deadline:
			return got
		case <-ctx.Done():
			return got
		}
	}
}

// PublicTrail is the part of an audit trail that is published, in order.
func PublicTrail(trail []string) []string {
	var out []string
	for _, typ := range trail {
		if integration.Published(typ) {
			out = append(out, typ)
		}
	}
	return out
}

// Arrival is one public event as a subscriber received it, and the notification the
// notifier records for it ("" for none: the kitchen's events are the restaurant's).
type Arrival struct {
	Subject      string
	Type         string
	Notification string
}

// Arrivals waits for each outcome's public events (its trail's published part) and
// returns them with their notifications, per outcome; an outcome whose events do not
// all arrive, in order, within timeout gets an error (unless it failed already).
func (w *Watcher) Arrivals(ctx context.Context, outcomes []Outcome, prefix string, timeout time.Duration) [][]Arrival {
	out := make([][]Arrival, len(outcomes))
	for i := range outcomes {
		o := &outcomes[i]
		want := PublicTrail(o.WantTrail)
		var got []string
		for _, env := range w.Published(ctx, o.Order.ID, len(want), timeout) {
			a := Arrival{Subject: env.Subject(prefix), Type: env.Type}
			if payload, err := env.Payload(); err == nil {
				if n, ok := notifier.Render(env, payload); ok {
					a.Notification = n.Text
				}
			}
			out[i] = append(out[i], a)
			got = append(got, env.Type)
		}
		if o.Err == nil && !slices.Equal(got, want) {
			o.Err = fmt.Errorf("order %s: NATS delivered %v, want %v (is the relay running?)", o.Order.ID, got, want)
		}
	}
	return out
}
