package app_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/app"
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
	t.Helper()
	schema := pgtest.NewSchema(t, eventstore.Migrations)
	events := eventstore.New(schema.Pool, eventstore.WithChannel(schema.Name))
	t.Cleanup(events.Close)
	return aggregate.Store{Events: events, Registry: registry.New()}
}

func registration(id uuid.UUID) app.RegisterConsumer {
	return app.RegisterConsumer{ID: id, Name: "Ada", Email: "ada@example.com",
		CreditLimit: money.Money{Cents: 10_000, Currency: "EUR"}, CardLast4: "4242"}
}

// TestARegistrationTheAccountRefusesWritesNoConsumer: the consumer and their account
// are one write. When the account's side refuses for the state it is in (not only for
// bad input, which is checked first), the consumer is not registered either.
func TestARegistrationTheAccountRefusesWritesNoConsumer(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	ctx := context.Background()
	id := uuid.New()
	// An account already open under this id, with other terms.
	_, err := aggregate.Execute(ctx, st, aggregate.Command[accounting.State]{
		Stream: accounting.StreamName(id), Apply: (*accounting.State).Apply,
		Decide: func(s accounting.State) ([]event.Event, error) {
			return accounting.Open(s, id, money.Money{Cents: 1, Currency: "EUR"}, "1111")
		},
	})
	require.NoError(t, err)

	_, err = app.Consumers{Store: st}.Register(ctx, "admin:test", registration(id))
	require.ErrorIs(t, err, domain.ErrInvalidStateTransition)
	c, version, err := aggregate.Load(ctx, st, consumer.StreamName(id), (*consumer.State).Apply)
	require.NoError(t, err)
	require.False(t, c.Registered())
	require.Zero(t, version, "a consumer was registered without their account")
}

// TestRegisteringAgainWritesNothingNew: the same registration again (a retried
// request) succeeds with what the first one wrote.
func TestRegisteringAgainWritesNothingNew(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	ctx := context.Background()
	id := uuid.New()
	first, err := app.Consumers{Store: st}.Register(ctx, "admin:test", registration(id))
	require.NoError(t, err)
	again, err := app.Consumers{Store: st}.Register(ctx, "admin:test", registration(id))
	require.NoError(t, err)
	require.Equal(t, first, again)
	for _, stream := range []string{consumer.StreamName(id), accounting.StreamName(id)} {
		events, err := st.Events.ReadStream(ctx, stream, eventstore.ReadOptions{})
		require.NoError(t, err)
		require.Len(t, events, 1, stream)
	}
}
