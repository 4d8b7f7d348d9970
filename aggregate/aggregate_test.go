package aggregate_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/consumer"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/pgtest"
)

func newStore(t *testing.T) aggregate.Store {
	schema := pgtest.NewSchema(t, eventstore.Migrations)
	events := eventstore.New(schema.Pool, eventstore.WithChannel(schema.Name))
	t.Cleanup(events.Close)
	return aggregate.Store{Events: events, Registry: registry.New()}
}

func eur(cents int64) money.Money { return money.MustNew(cents, "EUR") }

func openAccount(t *testing.T, st aggregate.Store, consumer uuid.UUID, limit int64) {
	_, err := aggregate.Execute(context.Background(), st, aggregate.Command[accounting.State]{
		Stream: accounting.StreamName(consumer), Apply: (*accounting.State).Apply,
		Decide: func(s accounting.State) ([]event.Event, error) {
			return accounting.Open(s, consumer, eur(limit), "4242")
		},
	})
	require.NoError(t, err)
}

func authorize(st aggregate.Store, consumer, order uuid.UUID, cents int64, key string) (aggregate.Result[accounting.State], error) {
	return aggregate.Execute(context.Background(), st, aggregate.Command[accounting.State]{
		Stream: accounting.StreamName(consumer), Apply: (*accounting.State).Apply,
		Decide: func(s accounting.State) ([]event.Event, error) {
			return accounting.Authorize(s, order, eur(cents))
		},
		Metadata:       eventstore.Metadata{User: "consumer:1", CorrelationID: order.String()},
		IdempotencyKey: key,
	})
}

func types(t *testing.T, st aggregate.Store, stream string) []string {
	recorded, err := st.Events.ReadStream(context.Background(), stream, eventstore.ReadOptions{})
	require.NoError(t, err)
	var out []string
	for _, e := range recorded {
		out = append(out, e.Type)
	}
	return out
}

func TestExecuteAppendsTheDecidedEventsWithTheirContext(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	consumer, order := uuid.New(), uuid.New()
	openAccount(t, st, consumer, 5000)

	res, err := authorize(st, consumer, order, 1200, "order-1/authorize")
	require.NoError(t, err)
	require.Equal(t, int64(2), res.Version)
	last, err := st.Events.ReadLast(context.Background(), accounting.StreamName(consumer))
	require.NoError(t, err)
	require.Equal(t, accounting.TypeCreditCardAuthorized, last.Type)
	require.Equal(t, "consumer:1", last.Metadata.User)
	require.Equal(t, order.String(), last.Metadata.CorrelationID)
	require.Equal(t, eventstore.DeterministicID("order-1/authorize", "0"), last.ID)
}

func TestExecutingTheSameCommandAgainStoresNothingNew(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	consumer, order := uuid.New(), uuid.New()
	openAccount(t, st, consumer, 5000)
	for i := 0; i < 3; i++ {
		_, err := authorize(st, consumer, order, 1200, "order-1/authorize")
		require.NoError(t, err)
	}
	require.Equal(t, []string{accounting.TypeAccountOpened, accounting.TypeCreditCardAuthorized},
		types(t, st, accounting.StreamName(consumer)))
}

// A refusal that is a fact (a declined authorization) is stored, and still reported.
func TestExecuteAppendsTheEventsOfARefusalAndReturnsIt(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	consumer := uuid.New()
	openAccount(t, st, consumer, 1000)

	order := uuid.New()
	_, err := authorize(st, consumer, order, 1500, "order-2/authorize")
	require.ErrorIs(t, err, domain.ErrInsufficientCredit)
	_, err = authorize(st, consumer, order, 1500, "order-2/authorize") // the retried activity
	require.ErrorIs(t, err, domain.ErrInsufficientCredit)
	require.Equal(t, []string{accounting.TypeAccountOpened, accounting.TypeCardAuthorizationDeclined},
		types(t, st, accounting.StreamName(consumer)))
}

// Writers racing on one account each reload and decide again after a conflict: every
// authorization lands once and the credit limit holds.
func TestConcurrentCommandsOnOneAggregateAreDecidedOnFreshState(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	consumer := uuid.New()
	openAccount(t, st, consumer, 1000)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = authorize(st, consumer, uuid.New(), 300, "")
		}()
	}
	wg.Wait()
	var approved, declined int
	for _, err := range errs {
		switch {
		case err == nil:
			approved++
		case domain.CodeOf(err) == domain.CodeInsufficientCredit:
			declined++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	require.Equal(t, 3, approved, "3 x 300 fit in 1000")
	require.Equal(t, 3, declined)
	state, _, err := aggregate.Load(context.Background(), st, accounting.StreamName(consumer), (*accounting.State).Apply)
	require.NoError(t, err)
	require.Equal(t, eur(100), state.Available())
}

// registration is a consumer and their account, as ExecuteAll steps.
func registration(id uuid.UUID, card string, c *aggregate.Result[consumer.State], a *aggregate.Result[accounting.State]) []aggregate.Step {
	md := eventstore.Metadata{User: "admin:1", CorrelationID: id.String()}
	return []aggregate.Step{
		aggregate.Part(aggregate.Command[consumer.State]{
			Stream: consumer.StreamName(id), Apply: (*consumer.State).Apply, Metadata: md,
			IdempotencyKey: "register/" + id.String(),
			Decide: func(s consumer.State) ([]event.Event, error) {
				return consumer.Register(s, id, "Ada", "ada@example.com")
			},
		}, c),
		aggregate.Part(aggregate.Command[accounting.State]{
			Stream: accounting.StreamName(id), Apply: (*accounting.State).Apply, Metadata: md,
			IdempotencyKey: "open/" + id.String(),
			Decide: func(s accounting.State) ([]event.Event, error) {
				return accounting.Open(s, id, eur(1_000), card)
			},
		}, a),
	}
}

func TestExecuteAllAppendsToEveryStreamInOneTransaction(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	id := uuid.New()
	var c aggregate.Result[consumer.State]
	var a aggregate.Result[accounting.State]
	require.NoError(t, aggregate.ExecuteAll(context.Background(), st, registration(id, "4242", &c, &a)...))
	require.True(t, c.State.Registered())
	require.Equal(t, int64(1), c.Version)
	require.Len(t, c.Events, 1)
	require.True(t, a.State.Opened)
	require.Equal(t, int64(1), a.Version)

	cs, err := st.Events.ReadLast(context.Background(), consumer.StreamName(id))
	require.NoError(t, err)
	as, err := st.Events.ReadLast(context.Background(), accounting.StreamName(id))
	require.NoError(t, err)
	require.Equal(t, cs.TransactionID, as.TransactionID)
	require.Less(t, cs.GlobalPosition, as.GlobalPosition, "in the order of the steps")
	require.Equal(t, "admin:1", as.Metadata.User)

	// Again with the same keys: what the first run recorded, nothing new.
	var c2 aggregate.Result[consumer.State]
	require.NoError(t, aggregate.ExecuteAll(context.Background(), st, registration(id, "4242", &c2, nil)...))
	require.Empty(t, c2.Events)
	require.Equal(t, c.State, c2.State)
	require.Equal(t, []string{consumer.TypeConsumerRegistered}, types(t, st, consumer.StreamName(id)))
}

// TestExecuteAllWritesNothingWhenAStepRefuses: the account refuses the card, so the
// consumer is not registered either.
func TestExecuteAllWritesNothingWhenAStepRefuses(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	id := uuid.New()
	var c aggregate.Result[consumer.State]
	err := aggregate.ExecuteAll(context.Background(), st, registration(id, "42x2", &c, nil)...)
	require.ErrorIs(t, err, domain.ErrValidation)
	require.False(t, c.State.Registered())
	require.Empty(t, c.Events)
	require.Empty(t, types(t, st, consumer.StreamName(id)))
	require.Empty(t, types(t, st, accounting.StreamName(id)))
}

// TestExecuteAllDecidesAgainAfterAConflict: a writer that moves one of the streams on
// between load and append makes every step decide again, on fresh state.
func TestExecuteAllDecidesAgainAfterAConflict(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	consumerID, orderID := uuid.New(), uuid.New()
	openAccount(t, st, consumerID, 1_000)
	var decisions int
	var a aggregate.Result[accounting.State]
	err := aggregate.ExecuteAll(context.Background(), st,
		aggregate.Part(aggregate.Command[accounting.State]{
			Stream: accounting.StreamName(consumerID), Apply: (*accounting.State).Apply,
			Decide: func(s accounting.State) ([]event.Event, error) {
				decisions++
				if decisions == 1 { // another order takes most of the credit meanwhile
					_, err := authorize(st, consumerID, uuid.New(), 900, "")
					require.NoError(t, err)
				}
				return accounting.Authorize(s, orderID, eur(200))
			},
		}, &a),
		aggregate.Part(aggregate.Command[consumer.State]{
			Stream: consumer.StreamName(consumerID), Apply: (*consumer.State).Apply,
			Decide: func(s consumer.State) ([]event.Event, error) {
				return consumer.Register(s, consumerID, "Ada", "ada@example.com")
			},
		}, nil))
	require.Equal(t, 2, decisions)
	require.ErrorIs(t, err, domain.ErrInsufficientCredit, "decided again on the account as it is now")
	require.Equal(t, []string{accounting.TypeAccountOpened, accounting.TypeCreditCardAuthorized,
		accounting.TypeCardAuthorizationDeclined}, types(t, st, accounting.StreamName(consumerID)))
	require.Equal(t, []string{consumer.TypeConsumerRegistered}, types(t, st, consumer.StreamName(consumerID)),
		"a recorded refusal is appended with the other steps' events, as Execute appends it")
}
