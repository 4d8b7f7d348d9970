package e2e_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/internal/demo"
	"github.com/orderflow/orderflow/internal/migrations"
	"github.com/orderflow/orderflow/internal/natstest"
	"github.com/orderflow/orderflow/internal/stack"
	"github.com/orderflow/orderflow/notifier"
	"github.com/orderflow/orderflow/relay"
)

// events runs the relay and the example notifier beside an end-to-end stack, on the
// test NATS server with a stream and subjects of the test's own, and watches the
// stream as a subscriber does.
type events struct {
	names   natstest.Names
	watcher *demo.Watcher
	s       *stack.Services
}

// startEvents starts them on s until ctx ends (wg waits for them).
func startEvents(ctx context.Context, t *testing.T, s *stack.Services, wg *sync.WaitGroup) *events {
	require.NoError(t, migrations.Apply(ctx, s.Pool, notifier.Migrations))
	nc, js := natstest.Connect(t, "")
	names := natstest.Unique(t, js)
	r := &relay.Relay{Store: s.Store.Events, Conn: nc, Stream: names.Stream, SubjectPrefix: names.SubjectPrefix, Logger: s.Logger}
	n := &notifier.Notifier{Pool: s.Pool, Conn: nc, Stream: names.Stream, SubjectPrefix: names.SubjectPrefix, Logger: s.Logger}
	wg.Go(func() { require.ErrorIs(t, r.Run(ctx), context.Canceled) })
	wg.Go(func() { require.ErrorIs(t, n.Run(ctx), context.Canceled) })
	_, err := relay.EnsureStream(ctx, js, names.Stream, names.SubjectPrefix) // the watcher may start before the relay
	require.NoError(t, err)
	w, err := demo.Watch(ctx, js, names.Stream, names.SubjectPrefix, time.Now().Add(-time.Minute))
	require.NoError(t, err)
	t.Cleanup(w.Stop)
	return &events{names: names, watcher: w, s: s}
}

// requirePublished checks that the order's public events reached NATS, each once, on
// its subject and in the order of its audit trail, and that the notifier recorded one
// notification for each that speaks to the consumer.
func (ev *events) requirePublished(t *testing.T, o demo.Outcome) {
	arrivals := ev.watcher.Arrivals(context.Background(), []demo.Outcome{o}, ev.names.SubjectPrefix, 30*time.Second)[0]
	var got, notes []string
	for _, a := range arrivals {
		got = append(got, a.Type)
		bounded := "order"
		if strings.HasPrefix(a.Type, "Ticket") {
			bounded = "kitchen"
		}
		require.Equal(t, ev.names.SubjectPrefix+"."+bounded+"."+a.Type, a.Subject)
		if a.Notification != "" {
			notes = append(notes, a.Notification)
		}
	}
	require.Equal(t, demo.PublicTrail(o.WantTrail), got, "the order's public events on NATS")

	var texts []string
	require.Eventually(t, func() bool {
		recorded, err := notifier.ForOrder(context.Background(), ev.s.Pool, o.Order.ID)
		require.NoError(t, err)
		texts = texts[:0]
		for _, n := range recorded {
			texts = append(texts, n.Text)
		}
		return len(texts) >= len(notes)
	}, 30*time.Second, 50*time.Millisecond, "the notifier's notifications for order %s: want %v", o.Order.ID, notes)
	require.Equal(t, notes, texts, "one notification per consumer-facing event, in order")
}
