package workflows_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/consumer"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/pgtest"
	"github.com/orderflow/orderflow/worker"
	"github.com/orderflow/orderflow/workflows"
)

// stack runs the sagas with the real activities against a PostgreSQL schema of its own.
type stack struct {
	t     *testing.T
	store aggregate.Store
	env   *testsuite.TestWorkflowEnvironment
	in    workflows.PlaceOrder
	// inFlight counts wrapped activities still running (see around).
	inFlight sync.WaitGroup
	// tolerant is set when faults may have sent the order elsewhere than the path
	// planned: the kitchen and the workflow may then refuse what the path does.
	tolerant bool
}

func newStack(t *testing.T, creditLimitCents int64, auto bool) *stack {
	t.Parallel()
	schema := pgtest.NewSchema(t, eventstore.Migrations)
	events := eventstore.New(schema.Pool, eventstore.WithChannel(schema.Name))
	t.Cleanup(events.Close)
	st := aggregate.Store{Events: events, Registry: registry.New()}

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetTestTimeout(time.Minute)
	for _, q := range workflows.TaskQueues() {
		require.NoError(t, worker.Register(env, q, st))
	}
	in := placeOrder(auto)
	in.Order.OrderID, in.Order.ConsumerID = uuid.New(), uuid.New()
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflows.OrderWorkflowID(in.Order.OrderID)})
	if creditLimitCents >= 0 {
		_, err := app.Consumers{Store: st}.Register(context.Background(), "admin:test", app.RegisterConsumer{
			ID: in.Order.ConsumerID, Name: "Ada", Email: "ada@example.com",
			CreditLimit: money.Money{Cents: creditLimitCents, Currency: "EUR"}, CardLast4: "4242",
		})
		require.NoError(t, err)
	}
	return &stack{t: t, store: st, env: env, in: in}
}

func (s *stack) run() { s.env.ExecuteWorkflow(workflows.Order, s.in) }

func (s *stack) at(d time.Duration, f func()) { s.env.RegisterDelayedCallback(f, d) }

func (s *stack) update(name string, arg any) {
	s.env.UpdateWorkflow(name, uuid.NewString(), &testsuite.TestUpdateCallback{
		OnReject: func(err error) {
			if !s.tolerant {
				s.t.Errorf("update %s refused: %v", name, err)
			}
		},
	}, arg)
}

// pickUp plays the kitchen's part after approval (the API's kitchen actions append
// these) and tells the order.
func (s *stack) pickUp() {
	if s.kitchenDoes(kitchen.StartPreparing, kitchen.MarkReady, kitchen.PickUp) {
		s.env.SignalWorkflow(workflows.SignalTicketPickedUp, workflows.PickedUp{User: "restaurant:r1"})
	}
}

// deliver is the courier reporting the delivery, as the API's delivered route does.
func (s *stack) deliver() {
	s.update(workflows.UpdateDeliver, workflows.DeliverRequest{User: "courier:k1"})
}

// kitchenDoes appends the kitchen's own facts to the ticket, as the API's kitchen
// actions do, without telling the workflow. It reports whether the kitchen could: a
// tolerant stack lets the ticket refuse (faults may have canceled it).
func (s *stack) kitchenDoes(decisions ...func(kitchen.State) ([]event.Event, error)) bool {
	for _, decide := range decisions {
		_, err := aggregate.Execute(context.Background(), s.store, aggregate.Command[kitchen.State]{
			Stream: kitchen.StreamName(s.in.Order.OrderID), Apply: (*kitchen.State).Apply, Decide: decide,
		})
		if err != nil && s.tolerant {
			return false
		}
		require.NoError(s.t, err)
	}
	return true
}

// requireStreams checks the exact sequence of event types of each stream of the order.
func (s *stack) requireStreams(orderEvents, consumerEvents, ticketEvents, accountEvents []string) {
	s.t.Helper()
	require.True(s.t, s.env.IsWorkflowCompleted())
	id := s.in.Order.OrderID
	for stream, want := range map[string][]string{
		order.StreamName(id):                         orderEvents,
		consumer.StreamName(s.in.Order.ConsumerID):   consumerEvents,
		kitchen.StreamName(id):                       ticketEvents,
		accounting.StreamName(s.in.Order.ConsumerID): accountEvents,
	} {
		recorded, err := s.store.Events.ReadStream(context.Background(), stream, eventstore.ReadOptions{})
		require.NoError(s.t, err)
		var got []string
		for _, e := range recorded {
			got = append(got, e.Type)
		}
		require.Equal(s.t, want, got, "stream %s", stream)
	}
}

// Every event the saga appended carries its context.
func (s *stack) requireContext() {
	s.t.Helper()
	recorded, err := s.store.Events.ReadStream(context.Background(), order.StreamName(s.in.Order.OrderID), eventstore.ReadOptions{})
	require.NoError(s.t, err)
	for _, e := range recorded {
		require.Equal(s.t, s.in.Order.OrderID.String(), e.Metadata.CorrelationID, e.Type)
		require.Contains(s.t, e.Metadata.WorkflowID, workflows.OrderWorkflowID(s.in.Order.OrderID), e.Type)
		require.NotEmpty(s.t, e.Metadata.User, e.Type)
		require.Equal(s.t, "req-1", e.Metadata.CausationID, e.Type)
	}
}

var (
	verified   = []string{"ConsumerRegistered", "ConsumerVerified"}
	opened     = []string{"AccountOpened"}
	authorized = []string{"AccountOpened", "CreditCardAuthorized"}
	reversed   = []string{"AccountOpened", "CreditCardAuthorized", "CardTransactionReversed"}
	rejected   = []string{"OrderCreated", "OrderRejected"}
	none       []string
)

func TestStreamsOfADeliveredOrder(t *testing.T) {
	s := newStack(t, 10_000, true)
	s.at(time.Hour, s.pickUp)
	s.at(2*time.Hour, s.deliver)
	s.run()
	s.requireStreams([]string{"OrderCreated", "OrderApproved", "OrderShipped", "OrderDelivered"}, verified,
		[]string{"TicketCreated", "TicketAccepted", "TicketPreparationStarted", "TicketReadyForPickup", "TicketPickedUp"}, authorized)
	s.requireContext()
}

func TestStreamsOfAnOrderOfAMissingConsumer(t *testing.T) {
	s := newStack(t, -1, true)
	s.run()
	s.requireStreams(rejected, none, none, none)
}

func TestStreamsOfAnOrderOfASuspendedConsumer(t *testing.T) {
	s := newStack(t, 10_000, true)
	_, err := app.Consumers{Store: s.store}.Suspend(context.Background(), "admin:test", s.in.Order.ConsumerID, "chargebacks")
	require.NoError(t, err)
	s.run()
	s.requireStreams(rejected, []string{"ConsumerRegistered", "ConsumerSuspended"}, none, opened)
}

func TestStreamsOfADeclinedCard(t *testing.T) {
	s := newStack(t, 1_000, true) // the order is 23.50 EUR
	s.run()
	s.requireStreams(rejected, verified, []string{"TicketCreated", "TicketCanceled"},
		[]string{"AccountOpened", "CardAuthorizationDeclined"})
}

func TestStreamsOfATicketTheRestaurantRejects(t *testing.T) {
	s := newStack(t, 10_000, false)
	s.at(time.Minute, func() {
		s.update(workflows.UpdateDecideTicket, workflows.TicketDecision{User: "restaurant:r1", Reason: "closing early"})
	})
	s.run()
	s.requireStreams(rejected, verified, []string{"TicketCreated", "TicketRejected"}, reversed)
}

func TestStreamsOfARestaurantTimeout(t *testing.T) {
	s := newStack(t, 10_000, false)
	s.run()
	s.requireStreams(rejected, verified, []string{"TicketCreated", "TicketCanceled"}, reversed)
}

func TestStreamsOfACancelWhilePending(t *testing.T) {
	s := newStack(t, 10_000, false)
	s.at(time.Minute, func() { s.update(workflows.UpdateCancel, workflows.CancelRequest{User: "consumer:c1"}) })
	s.run()
	s.requireStreams([]string{"OrderCreated", "OrderCanceled"}, verified, []string{"TicketCreated", "TicketCanceled"}, reversed)
	s.requireContext()
}

func TestStreamsOfAWorkflowCanceledMidSaga(t *testing.T) {
	s := newStack(t, 10_000, false)
	s.at(time.Minute, s.env.CancelWorkflow)
	s.run()
	s.requireStreams([]string{"OrderCreated", "OrderCanceled"}, verified, []string{"TicketCreated", "TicketCanceled"}, reversed)
}

func TestStreamsOfACancelAfterApproval(t *testing.T) {
	s := newStack(t, 10_000, true)
	s.at(time.Hour, func() { s.update(workflows.UpdateCancel, workflows.CancelRequest{User: "consumer:c1", Reason: "late"}) })
	s.run()
	s.requireStreams([]string{"OrderCreated", "OrderApproved", "OrderCancelRequested", "OrderCanceled"}, verified,
		[]string{"TicketCreated", "TicketAccepted", "TicketCanceled"}, reversed)
}

func TestStreamsOfARevisionTheCardDeclines(t *testing.T) {
	s := newStack(t, 3_000, true) // 23.50 EUR fits, 59.50 EUR does not
	s.at(time.Hour, func() {
		s.update(workflows.UpdateRevise, workflows.ReviseRequest{User: "consumer:c1",
			Items: []order.LineChange{{MenuItemID: "margherita", Quantity: 6}}})
	})
	s.at(2*time.Hour, s.pickUp)
	s.at(3*time.Hour, s.deliver)
	s.run()
	s.requireStreams([]string{"OrderCreated", "OrderApproved", "OrderRevisionProposed", "OrderRevisionRejected", "OrderShipped", "OrderDelivered"}, verified,
		[]string{"TicketCreated", "TicketAccepted",
			"TicketPreparationStarted", "TicketReadyForPickup", "TicketPickedUp"},
		[]string{"AccountOpened", "CreditCardAuthorized", "CardAuthorizationDeclined"})
	// The card declined before the ticket was touched: the kitchen cooks what the
	// order still says.
	ticket, _, err := aggregate.Load(context.Background(), s.store, kitchen.StreamName(s.in.Order.OrderID), (*kitchen.State).Apply)
	require.NoError(t, err)
	require.Equal(t, 2, ticket.Lines[0].Quantity)
}

func TestStreamsOfARevision(t *testing.T) {
	s := newStack(t, 10_000, true)
	s.at(time.Hour, func() {
		s.update(workflows.UpdateRevise, workflows.ReviseRequest{User: "consumer:c1",
			Items: []order.LineChange{{MenuItemID: "tiramisu", Quantity: 3}}})
	})
	s.at(2*time.Hour, s.env.CancelWorkflow)
	s.run()
	s.requireStreams([]string{"OrderCreated", "OrderApproved", "OrderRevisionProposed", "OrderRevised", "OrderCancelRequested", "OrderCanceled"},
		verified, []string{"TicketCreated", "TicketAccepted", "TicketRevised", "TicketCanceled"},
		[]string{"AccountOpened", "CreditCardAuthorized", "CardTransactionRevised", "CardTransactionReversed"})
	revised, _, err := aggregate.Load(context.Background(), s.store, order.StreamName(s.in.Order.OrderID), (*order.State).Apply)
	require.NoError(t, err)
	require.Equal(t, int64(2*900+3*550), revised.Total.Cents)
}
