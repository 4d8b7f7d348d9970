package activities_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/refusals"
	"github.com/orderflow/orderflow/internal/storetest"
)

func newAccounting(t *testing.T, limitCents int64) (*testsuite.TestActivityEnvironment, aggregate.Store, uuid.UUID) {
	t.Parallel()
	st, _ := storetest.NewAggregates(t)
	consumerID := uuid.New()
	_, err := app.Consumers{Store: st}.Register(context.Background(), "admin:test", app.RegisterConsumer{
		ID: consumerID, Name: "Ada", Email: "ada@example.com",
		CreditLimit: money.Money{Cents: limitCents, Currency: "EUR"}, CardLast4: "4242"})
	require.NoError(t, err)

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Accounting{Store: st})
	return env, st, consumerID
}

func accountEvents(t *testing.T, st aggregate.Store, consumerID uuid.UUID) []eventstore.RecordedEvent {
	recorded, err := st.Events.ReadStream(context.Background(), accounting.StreamName(consumerID), eventstore.ReadOptions{})
	require.NoError(t, err)
	return recorded
}

var acts *activities.Accounting

// A retried activity (same workflow, same step) appends nothing new.
func TestRetriedActivityAppendsOnce(t *testing.T) {
	env, st, consumerID := newAccounting(t, 10_000)
	in := activities.CardInput{Meta: activities.Meta{User: "consumer:c1", CausationID: "req-1", Step: "AuthorizeCard"},
		ConsumerID: consumerID, OrderID: uuid.New(), Amount: money.Money{Cents: 2_500, Currency: "EUR"}}
	for range 3 {
		_, err := env.ExecuteActivity(acts.AuthorizeCard, in)
		require.NoError(t, err)
	}
	recorded := accountEvents(t, st, consumerID)
	require.Len(t, recorded, 2)
	require.Equal(t, "CreditCardAuthorized", recorded[1].Type)
	require.Equal(t, eventstore.DeterministicID("default-test-workflow-id/AuthorizeCard", "0"), recorded[1].ID)
	require.Equal(t, "consumer:c1", recorded[1].Metadata.User)
	require.Equal(t, in.OrderID.String(), recorded[1].Metadata.CorrelationID)
	require.Equal(t, "req-1", recorded[1].Metadata.CausationID)
	require.Equal(t, "default-test-workflow-id", recorded[1].Metadata.WorkflowID)
}

// A declined authorization is recorded once however often it is retried, and comes
// back each time as the same non-retryable refusal.
func TestRetriedDeclineAppendsOnceAndStaysARefusal(t *testing.T) {
	env, st, consumerID := newAccounting(t, 1_000)
	in := activities.CardInput{Meta: activities.Meta{User: "consumer:c1", Step: "AuthorizeCard"},
		ConsumerID: consumerID, OrderID: uuid.New(), Amount: money.Money{Cents: 2_500, Currency: "EUR"}}
	for range 2 {
		_, err := env.ExecuteActivity(acts.AuthorizeCard, in)
		var app *temporal.ApplicationError
		require.True(t, errors.As(err, &app), "got %v", err)
		require.Equal(t, string(domain.CodeInsufficientCredit), app.Type())
		require.True(t, app.NonRetryable())
		require.Equal(t, domain.CodeInsufficientCredit, refusals.Code(err))
	}
	recorded := accountEvents(t, st, consumerID)
	require.Len(t, recorded, 2)
	require.Equal(t, "CardAuthorizationDeclined", recorded[1].Type)
}

// A compensation is a step of its own: it appends its own event, and undoing what
// never happened appends nothing.
func TestCompensationAppendsUnderItsOwnStep(t *testing.T) {
	env, st, consumerID := newAccounting(t, 10_000)
	orderID := uuid.New()
	card := func(step string) activities.CardInput {
		return activities.CardInput{Meta: activities.Meta{User: "consumer:c1", Step: step}, ConsumerID: consumerID,
			OrderID: orderID, Amount: money.Money{Cents: 2_500, Currency: "EUR"}}
	}
	_, err := env.ExecuteActivity(acts.ReverseCard, card("ReverseCard"))
	require.NoError(t, err)
	require.Len(t, accountEvents(t, st, consumerID), 1, "nothing to reverse yet")

	_, err = env.ExecuteActivity(acts.AuthorizeCard, card("AuthorizeCard"))
	require.NoError(t, err)
	_, err = env.ExecuteActivity(acts.ReverseCard, card("ReverseCard"))
	require.NoError(t, err)
	_, err = env.ExecuteActivity(acts.ReverseCard, card("ReverseCard"))
	require.NoError(t, err)
	var types []string
	for _, e := range accountEvents(t, st, consumerID) {
		types = append(types, e.Type)
	}
	require.Equal(t, []string{"AccountOpened", "CreditCardAuthorized", "CardTransactionReversed"}, types)
}

// An activity input without a step cannot derive event ids: refused, nothing written.
func TestActivityWithoutAStepIsRefused(t *testing.T) {
	env, st, consumerID := newAccounting(t, 10_000)
	_, err := env.ExecuteActivity(acts.AuthorizeCard, activities.CardInput{ConsumerID: consumerID, OrderID: uuid.New(),
		Amount: money.Money{Cents: 100, Currency: "EUR"}})
	require.Equal(t, domain.CodeValidationFailed, refusals.Code(err))
	require.Len(t, accountEvents(t, st, consumerID), 1)
}
