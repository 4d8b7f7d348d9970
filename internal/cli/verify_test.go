package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/internal/invariants"
	"github.com/orderflow/orderflow/internal/pgtest"
	"github.com/orderflow/orderflow/internal/storetest"
	"github.com/orderflow/orderflow/projections"
)

// storeWithAnApprovedOrder is a migrated schema holding one approved order: its stream,
// its ticket and its consumer's account, with the card held unless held is false.
func storeWithAnApprovedOrder(t *testing.T, held bool) pgtest.Schema {
	t.Helper()
	store, schema := storetest.New(t, projections.Migrations)
	orderID, consumerID := uuid.New(), uuid.New()
	eur := func(c int64) money.Money { return money.Money{Cents: c, Currency: "EUR"} }
	appendAll := func(stream string, events ...event.Event) { storetest.Append(t, store, stream, events...) }
	appendAll(order.StreamName(orderID),
		order.OrderCreated{OrderID: orderID, ConsumerID: consumerID, RestaurantID: uuid.New(), Total: eur(1800),
			Lines:           []order.Line{{MenuItemID: "pho", Name: "Pho", Quantity: 2, UnitPrice: eur(900), Total: eur(1800)}},
			DeliveryAddress: order.Address{Street: "1 Main St", City: "Springfield", Zip: "12345"}},
		order.OrderApproved{OrderID: orderID})
	appendAll(kitchen.StreamName(orderID),
		kitchen.TicketCreated{TicketID: orderID, OrderID: orderID, RestaurantID: uuid.New(),
			Lines: []kitchen.Line{{MenuItemID: "pho", Name: "Pho", Quantity: 2}}},
		kitchen.TicketAccepted{TicketID: orderID})
	account := []event.Event{accounting.AccountOpened{ConsumerID: consumerID, CreditLimit: eur(10_000), CardLast4: "4242"}}
	if held {
		account = append(account, accounting.CreditCardAuthorized{ConsumerID: consumerID, OrderID: orderID, Amount: eur(1800)})
	}
	appendAll(accounting.StreamName(consumerID), account...)
	return schema
}

func runVerify(t testing.TB, schema pgtest.Schema, args ...string) (string, error) {
	t.Setenv("DATABASE_URL", schema.URL())
	cmd := Root()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs(append([]string{"verify"}, args...))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestVerifyPassesAStoreWhoseInvariantsHold(t *testing.T) {
	out, err := runVerify(t, storeWithAnApprovedOrder(t, true))
	require.NoError(t, err, out)
	require.Contains(t, out, "checked 1 orders, 3 streams, 6 events")
	require.Contains(t, out, "APPROVED          1")
	require.Contains(t, out, "OK: every invariant holds")
}

func TestVerifyFailsOnAViolationAndSaysWhich(t *testing.T) {
	schema := storeWithAnApprovedOrder(t, false)
	out, err := runVerify(t, schema)
	require.ErrorIs(t, err, errViolations)
	require.Contains(t, out, "VIOLATION authorizations: order ")

	out, err = runVerify(t, schema, "--json")
	require.ErrorIs(t, err, errViolations)
	var v verification
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	rules := map[invariants.Rule]bool{}
	for _, x := range v.Violations {
		rules[x.Rule] = true
	}
	require.Equal(t, map[invariants.Rule]bool{invariants.RuleAuthorizations: true, invariants.RuleHold: true}, rules)
	require.Equal(t, 1, v.ByStatus[order.StatusApproved])
}

// verify only reads: the store is byte for byte what it was.
func TestVerifyWritesNothing(t *testing.T) {
	schema := storeWithAnApprovedOrder(t, true)
	snapshot := func() string {
		var s string
		require.NoError(t, schema.Pool.QueryRow(context.Background(), `select
			(select count(*) from events)::text || '/' || (select count(*) from subscription_checkpoints)::text || '/' ||
			(select count(*) from order_view)::text || '/' || (select count(*) from processed_events)::text`).Scan(&s))
		return s
	}
	before := snapshot()
	_, err := runVerify(t, schema)
	require.NoError(t, err)
	require.Equal(t, before, snapshot())
}
