package activities_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/refusals"
	"github.com/orderflow/orderflow/internal/storetest"
)

var orderActs *activities.OrderService

// newOrders is the Order service's activities on a fresh store, with one order placed
// and approved through them as its create saga would.
func newOrders(t *testing.T) (*testsuite.TestActivityEnvironment, aggregate.Store, uuid.UUID) {
	t.Parallel()
	st, _ := storetest.NewAggregates(t)
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.OrderService{Store: st})

	eur := money.Money{Cents: 1_800, Currency: "EUR"}
	orderID := uuid.New()
	_, err := env.ExecuteActivity(orderActs.CreateOrder, activities.CreateOrderInput{
		Meta: activities.Meta{User: "consumer:c1", Step: "CreateOrder"},
		Order: order.CreateCommand{OrderID: orderID, ConsumerID: uuid.New(), RestaurantID: uuid.New(),
			Lines:           []order.Line{{MenuItemID: "pho", Name: "Pho", Quantity: 2, UnitPrice: money.Money{Cents: 900, Currency: "EUR"}, Total: eur}},
			Total:           eur,
			DeliveryAddress: order.Address{Street: "1 Via Roma", City: "Milano", Zip: "20100"}},
	})
	require.NoError(t, err)
	_, err = env.ExecuteActivity(orderActs.ApproveOrder, change(orderID, "ApproveOrder"))
	require.NoError(t, err)
	return env, st, orderID
}

func change(orderID uuid.UUID, step string) activities.OrderChangeInput {
	return activities.OrderChangeInput{Meta: activities.Meta{User: "consumer:c1", CausationID: "req-9", Step: step},
		OrderID: orderID}
}

func orderStream(t *testing.T, st aggregate.Store, orderID uuid.UUID) ([]eventstore.RecordedEvent, order.State) {
	t.Helper()
	recorded, err := st.Events.ReadStream(context.Background(), order.StreamName(orderID), eventstore.ReadOptions{})
	require.NoError(t, err)
	s, _, err := aggregate.Load(context.Background(), st, order.StreamName(orderID), (*order.State).Apply)
	require.NoError(t, err)
	return recorded, s
}

// The cancel saga's refusal releases the cancel lock: the order is APPROVED again with
// the refusal recorded, under the step's own event id, once however often the step is
// retried.
func TestRejectCancelReleasesTheLockOnceAndRecordsWhy(t *testing.T) {
	env, st, orderID := newOrders(t)
	_, err := env.ExecuteActivity(orderActs.RequestCancel, change(orderID, "RequestCancel"))
	require.NoError(t, err)
	_, s := orderStream(t, st, orderID)
	require.Equal(t, order.StatusCancelPending, s.Status)

	refusal := change(orderID, "RejectCancel")
	refusal.Reason, refusal.Detail = domain.CodeTicketAlreadyPickedUp, "the courier has the food"
	for range 3 {
		_, err := env.ExecuteActivity(orderActs.RejectCancel, refusal)
		require.NoError(t, err)
	}
	recorded, s := orderStream(t, st, orderID)
	var types []string
	for _, e := range recorded {
		types = append(types, e.Type)
	}
	require.Equal(t, []string{"OrderCreated", "OrderApproved", "OrderCancelRequested", "OrderCancelRejected"}, types)
	rejected := recorded[3]
	require.Equal(t, eventstore.DeterministicID("default-test-workflow-id/RejectCancel", "0"), rejected.ID)
	require.Equal(t, "consumer:c1", rejected.Metadata.User)
	require.Equal(t, "req-9", rejected.Metadata.CausationID)
	require.Equal(t, order.StatusApproved, s.Status)
	require.Equal(t, &order.ChangeRefusal{Change: "cancel", Reason: domain.CodeTicketAlreadyPickedUp,
		Detail: "the courier has the food"}, s.LastRefusal)
}

// A refusal of a cancel that never took the lock (the food left first) is still
// recorded, and leaves the order's status alone; a refusal without a reason is refused
// and writes nothing.
func TestRejectCancelWithoutTheLockKeepsTheStatus(t *testing.T) {
	env, st, orderID := newOrders(t)
	refusal := change(orderID, "RejectCancel")
	_, err := env.ExecuteActivity(orderActs.RejectCancel, refusal)
	require.Equal(t, domain.CodeValidationFailed, refusals.Code(err), "a refusal needs its reason")
	recorded, _ := orderStream(t, st, orderID)
	require.Len(t, recorded, 2)

	refusal.Reason = domain.CodeTicketAlreadyPickedUp
	_, err = env.ExecuteActivity(orderActs.RejectCancel, refusal)
	require.NoError(t, err)
	recorded, s := orderStream(t, st, orderID)
	require.Len(t, recorded, 3)
	require.Equal(t, "OrderCancelRejected", recorded[2].Type)
	require.Equal(t, order.StatusApproved, s.Status)
	require.Equal(t, domain.CodeTicketAlreadyPickedUp, s.LastRefusal.Reason)
}
