package notifier_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/integration"
	"github.com/orderflow/orderflow/internal/natstest"
	"github.com/orderflow/orderflow/internal/pgtest"
	"github.com/orderflow/orderflow/internal/storetest"
	"github.com/orderflow/orderflow/notifier"
	"github.com/orderflow/orderflow/relay"
)

type outcomes struct {
	mu sync.Mutex
	n  map[string]int
}

func (o *outcomes) Handled(outcome string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n == nil {
		o.n = map[string]int{}
	}
	o.n[outcome]++
}

func (o *outcomes) get(outcome string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[outcome]
}

type env struct {
	schema pgtest.Schema
	js     jetstream.JetStream
	nc     *nats.Conn
	names  natstest.Names
}

func newEnv(t *testing.T) *env {
	schema := pgtest.NewSchema(t, notifier.Migrations)
	nc, js := natstest.Connect(t, "")
	names := natstest.Unique(t, js)
	_, err := relay.EnsureStream(context.Background(), js, names.Stream, names.SubjectPrefix)
	require.NoError(t, err)
	return &env{schema: schema, js: js, nc: nc, names: names}
}

func (e *env) notifier(m notifier.Metrics) *notifier.Notifier {
	return &notifier.Notifier{Pool: e.schema.Pool, Conn: e.nc, Stream: e.names.Stream, SubjectPrefix: e.names.SubjectPrefix,
		AckWait: time.Second, Metrics: m}
}

// approved is an OrderApproved envelope for a new order.
func approved(t *testing.T) integration.Envelope {
	ref := integration.OrderRef{OrderID: uuid.New(), ConsumerID: uuid.New(), RestaurantID: uuid.New()}
	data, err := json.Marshal(integration.OrderApproved{OrderRef: ref})
	require.NoError(t, err)
	return integration.Envelope{ID: uuid.New(), Type: "OrderApproved", SchemaVersion: 1, Context: integration.ContextOrder,
		OccurredAt: time.Now().UTC(), OrderID: ref.OrderID, Data: data}
}

// publish publishes env as the relay does, with msgID as its Nats-Msg-Id ("" for none,
// so that the stream keeps a second copy: a re-publish after the duplicate window).
func (e *env) publish(t *testing.T, env integration.Envelope, msgID string) {
	t.Helper()
	msg := nats.NewMsg(env.Subject(e.names.SubjectPrefix))
	for k, v := range env.Headers() {
		msg.Header.Set(k, v)
	}
	msg.Header.Del(integration.HeaderMsgID)
	if msgID != "" {
		msg.Header.Set(integration.HeaderMsgID, msgID)
	}
	var err error
	msg.Data, err = json.Marshal(env)
	require.NoError(t, err)
	_, err = e.js.PublishMsg(context.Background(), msg)
	require.NoError(t, err)
}

func (e *env) counts(t *testing.T) (notifications, processed int) {
	require.NoError(t, e.schema.Pool.QueryRow(context.Background(),
		`select (select count(*) from notifications), (select count(*) from processed_messages)`).Scan(&notifications, &processed))
	return notifications, processed
}

// The same event in the stream twice (published again after the duplicate window):
// one notification, and the second copy is acked as a duplicate.
func TestAMessageDeliveredTwiceHasItsEffectOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	events := []integration.Envelope{approved(t), approved(t), approved(t)}
	for _, env := range events {
		e.publish(t, env, "")
		e.publish(t, env, "")
	}
	m := &outcomes{}
	storetest.Run(t, e.notifier(m).Run)
	require.Eventually(t, func() bool { return m.get(notifier.OutcomeDuplicate) == 3 }, 20*time.Second, 10*time.Millisecond)
	require.Equal(t, 3, m.get(notifier.OutcomeNotified))
	notes, processed := e.counts(t)
	require.Equal(t, 3, notes)
	require.Equal(t, 3, processed)
	for _, env := range events {
		got, err := notifier.ForOrder(context.Background(), e.schema.Pool, env.OrderID)
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.Equal(t, "Your order "+env.OrderID.String()[:8]+" was approved: the restaurant is preparing it.", got[0].Text)
	}
	requireNothingPending(t, e)
}

// A notifier that crashes after committing a message's effect but before acking it:
// JetStream redelivers the message to the next notifier after AckWait, which finds it
// in processed_messages and only acks it.
func TestRedeliveryAfterASubscriberCrashHasItsEffectOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for range 5 {
		env := approved(t)
		e.publish(t, env, env.ID.String())
	}

	crashing := e.notifier(nil)
	ctx, crash := context.WithCancel(context.Background())
	defer crash()
	notifier.SetAfterCommit(crashing, func(jetstream.Msg) bool {
		crash() // dies here: committed, never acked
		return false
	})
	require.ErrorIs(t, crashing.Run(ctx), context.Canceled)
	notes, _ := e.counts(t)
	require.GreaterOrEqual(t, notes, 1, "the crashed notifier committed before it died")

	m := &outcomes{}
	storetest.Run(t, e.notifier(m).Run)
	require.Eventually(t, func() bool {
		_, processed := e.counts(t)
		return processed == 5 && m.get(notifier.OutcomeDuplicate) >= 1
	}, 30*time.Second, 10*time.Millisecond)
	notes, _ = e.counts(t)
	require.Equal(t, 5, notes, "one notification per message")
	requireNothingPending(t, e)
}

// Types this notifier does not know are acked and ignored; malformed messages are
// terminated; neither blocks what follows.
func TestUnknownAndMalformedMessagesDoNotBlock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	unknown := approved(t)
	unknown.Type = "OrderTeleported"
	e.publish(t, unknown, "")
	_, err := e.js.Publish(context.Background(), e.names.SubjectPrefix+".order.OrderApproved", []byte("not json"))
	require.NoError(t, err)
	good := approved(t)
	e.publish(t, good, "")

	m := &outcomes{}
	storetest.Run(t, e.notifier(m).Run)
	require.Eventually(t, func() bool { return m.get(notifier.OutcomeNotified) == 1 }, 20*time.Second, 10*time.Millisecond)
	require.Equal(t, 1, m.get(notifier.OutcomeIgnored))
	require.Equal(t, 1, m.get(notifier.OutcomeMalformed))
	requireNothingPending(t, e)
}

func requireNothingPending(t *testing.T, e *env) {
	t.Helper()
	require.Eventually(t, func() bool {
		c, err := e.js.Consumer(context.Background(), e.names.Stream, notifier.DefaultDurable)
		if err != nil {
			return false
		}
		info, err := c.Info(context.Background())
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	}, 20*time.Second, 20*time.Millisecond, "every message acked")
}

func TestRenderSpeaksToTheConsumer(t *testing.T) {
	ref := integration.OrderRef{OrderID: uuid.MustParse("7c9e6679-7425-40de-944b-e07fc1f90ae7"), ConsumerID: uuid.New()}
	for _, c := range []struct {
		payload any
		text    string
	}{
		{integration.OrderCreated{OrderRef: ref, TotalCents: 2750, Currency: "EUR"}, "We have your order 7c9e6679 (EUR 27.50); waiting for the restaurant to confirm it."},
		{integration.OrderRejected{OrderRef: ref, Reason: "INSUFFICIENT_CREDIT"}, "Sorry, your order 7c9e6679 was rejected: your card was declined. You were not charged."},
		{integration.OrderCanceled{OrderRef: ref}, "Your order 7c9e6679 was canceled; any charge was reversed."},
		{integration.OrderRevised{OrderRef: ref, TotalCents: 2700, Currency: "EUR"}, "Your order 7c9e6679 was changed: the new total is EUR 27.00."},
		{integration.OrderShipped{OrderRef: ref}, "Your order 7c9e6679 is on its way."},
		{integration.OrderDelivered{OrderRef: ref}, "Your order 7c9e6679 was delivered. Enjoy your meal!"},
	} {
		n, ok := notifier.Render(integration.Envelope{}, c.payload)
		require.True(t, ok)
		require.Equal(t, c.text, n.Text)
		require.Equal(t, ref.ConsumerID, n.ConsumerID)
	}
	_, ok := notifier.Render(integration.Envelope{}, integration.TicketAccepted{})
	require.False(t, ok, "the kitchen's events are the restaurant's business")
}
