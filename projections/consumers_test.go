package projections_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/consumer"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/projections"
)

func TestConsumerViewHasTheAccountAndItsHolds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	id := uuid.New()
	account := accounting.StreamName(id)
	usd := func(cents int64) money.Money { return money.MustNew(cents, "USD") }

	consumerVersion := e.append(consumer.StreamName(id), consumer.ConsumerRegistered{ConsumerID: id, Name: "Ann", Email: "ann@example.com"})
	v := e.waitConsumer(id, consumerVersion, e.append(account, accountOpened(id)))
	require.Equal(t, "Ann", v.Name)
	require.Equal(t, "ann@example.com", v.Email)
	require.Equal(t, consumer.StatusActive, v.Status)
	require.Equal(t, projections.AccountView{ConsumerID: id, Currency: "USD", CreditLimitCents: 100_000, HeldCents: 0,
		AvailableCents: 100_000, Authorizations: []projections.Authorization{}, CardLast4: "4242", Enabled: true,
		Version: 1, CreatedAt: v.Account.CreatedAt, UpdatedAt: v.Account.UpdatedAt}, v.Account)
	e.requireConsumerMatchesAggregates(v)

	// Two holds, one raised by a revision, a third reversed, a decline that holds nothing.
	first, second, third := uuid.New(), uuid.New(), uuid.New()
	e.append(account,
		accounting.CreditCardAuthorized{ConsumerID: id, OrderID: first, Amount: usd(2_800)},
		accounting.CreditCardAuthorized{ConsumerID: id, OrderID: second, Amount: usd(1_000)},
		accounting.CreditCardAuthorized{ConsumerID: id, OrderID: third, Amount: usd(500)},
		accounting.CardTransactionRevised{ConsumerID: id, OrderID: second, OldAmount: usd(1_000), NewAmount: usd(1_500)},
		accounting.CardTransactionReversed{ConsumerID: id, OrderID: third, Amount: usd(500)})
	accountVersion := e.append(account, accounting.CardAuthorizationDeclined{ConsumerID: id, OrderID: uuid.New(),
		Amount: usd(1_000_000), Reason: domain.CodeInsufficientCredit})
	consumerVersion = e.append(consumer.StreamName(id), consumer.ConsumerSuspended{ConsumerID: id, Reason: "chargeback"})
	v = e.waitConsumer(id, consumerVersion, accountVersion)
	require.Equal(t, consumer.StatusSuspended, v.Status)
	require.Equal(t, "chargeback", v.SuspendedReason)
	require.Equal(t, int64(4_300), v.Account.HeldCents)
	require.Equal(t, int64(100_000-4_300), v.Account.AvailableCents)
	want := []projections.Authorization{{OrderID: first, AmountCents: 2_800}, {OrderID: second, AmountCents: 1_500}}
	slices.SortFunc(want, func(a, b projections.Authorization) int { return slices.Compare(a.OrderID[:], b.OrderID[:]) })
	require.Equal(t, want, v.Account.Authorizations, "the live holds, by order id")
	e.requireConsumerMatchesAggregates(v)

	// Releasing every hold leaves the whole limit available.
	e.append(account, accounting.CardTransactionReversed{ConsumerID: id, OrderID: first, Amount: usd(2_800)})
	v = e.waitConsumer(id, consumerVersion, e.append(account, accounting.CardTransactionReversed{ConsumerID: id, OrderID: second, Amount: usd(1_500)}))
	require.Zero(t, v.Account.HeldCents)
	require.Equal(t, int64(100_000), v.Account.AvailableCents)
	require.Empty(t, v.Account.Authorizations)
	e.requireConsumerMatchesAggregates(v)
}

// A consumer is served with their account or not at all: until both read models have
// them, they read as missing.
func TestConsumerWithoutItsAccountYetIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	id := uuid.New()
	e.append(consumer.StreamName(id), consumer.ConsumerRegistered{ConsumerID: id, Name: "Ann", Email: "ann@example.com"})
	e.waitCaughtUp()
	_, err := e.q.GetConsumer(context.Background(), id)
	requireErrorIsAll(t, err, projections.ErrNotFound, domain.ErrConsumerNotFound)

	e.append(accounting.StreamName(id), accountOpened(id))
	e.waitConsumer(id, 1, 1)

	_, err = e.q.GetConsumer(context.Background(), uuid.New())
	requireErrorIsAll(t, err, projections.ErrNotFound, domain.ErrConsumerNotFound)
}
