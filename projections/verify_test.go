package projections_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/projections"
)

func (e *env) verify() (int, []projections.Mismatch) {
	e.t.Helper()
	var (
		rows       int
		mismatches []projections.Mismatch
	)
	require.NoError(e.t, pgx.BeginTxFunc(context.Background(), e.schema.Pool,
		pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
			var err error
			rows, mismatches, err = projections.Verify(context.Background(), tx, e.reg)
			return err
		}))
	return rows, mismatches
}

// requireVerified checks every read model equals a replay of what it processed.
func (e *env) requireVerified() {
	e.t.Helper()
	_, mismatches := e.verify()
	require.Empty(e.t, mismatches)
}

// A projector that caught up holds exactly what a replay gives; a row edited behind
// its back, a row missing, and a row without events are each reported.
func TestVerifyComparesTheReadModelsWithAReplay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	ids := e.seed(uuid.New(), uuid.New())
	e.waitCaughtUp()
	rows, mismatches := e.verify()
	require.Equal(t, 2*len(ids)+3, rows, "an order and a ticket per order; a restaurant, a consumer and an account")
	require.Empty(t, mismatches)

	ctx := context.Background()
	_, err := e.schema.Pool.Exec(ctx, `update order_view set status = 'SHIPPED' where order_id = $1`, ids[1])
	require.NoError(t, err)
	_, err = e.schema.Pool.Exec(ctx, `delete from kitchen_ticket_queue where ticket_id = $1`, ids[2])
	require.NoError(t, err)
	stranger := uuid.New()
	_, err = e.schema.Pool.Exec(ctx, `insert into order_view select $1, consumer_id, restaurant_id, status, lines,
		total_cents, currency, rejection_reason, rejection_detail, cancel_reason, pending_revision, delivery_address,
		version, created_at, updated_at, last_refusal, attention from order_view where order_id = $2`, stranger, ids[0])
	require.NoError(t, err)

	_, mismatches = e.verify()
	got := map[uuid.UUID]string{}
	for _, m := range mismatches {
		got[m.ID] = m.Projection
	}
	require.Equal(t, map[uuid.UUID]string{ids[1]: projections.OrderViewProjection, ids[2]: projections.KitchenTicketsProjection,
		stranger: projections.OrderViewProjection}, got, "%v", mismatches)
}

// The restaurants', consumers' and accounts' read models are compared too: a menu, a
// status and a hold edited behind the projection's back are each reported.
func TestVerifyComparesRestaurantsConsumersAndAccountsWithAReplay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	consumerID, restaurantID := uuid.New(), uuid.New()
	e.seed(consumerID, restaurantID)
	e.waitCaughtUp()
	_, mismatches := e.verify()
	require.Empty(t, mismatches)

	ctx := context.Background()
	for _, edit := range []string{
		`update restaurant_view set menu = '[]'`,
		`update consumer_view set status = 'SUSPENDED'`,
		`update account_view set held_cents = held_cents + 1`,
	} {
		_, err := e.schema.Pool.Exec(ctx, edit)
		require.NoError(t, err)
	}
	_, mismatches = e.verify()
	type found struct {
		projection string
		id         uuid.UUID
	}
	var got []found
	for _, m := range mismatches {
		got = append(got, found{m.Projection, m.ID})
	}
	require.ElementsMatch(t, []found{{projections.RestaurantViewProjection, restaurantID},
		{projections.ConsumerViewProjection, consumerID}, {projections.AccountViewProjection, consumerID}}, got, "%v", mismatches)
}

// A projector that is behind is not a mismatch: each read model is compared with the
// replay of the events it has processed.
func TestVerifyComparesUpToEachCheckpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	stop := e.runProjector()
	e.seed(uuid.New(), uuid.New())
	e.waitCaughtUp()
	stop()
	id := uuid.New()
	e.append(order.StreamName(id), orderCreated(id, uuid.New(), uuid.New())) // not projected yet
	_, mismatches := e.verify()
	require.Empty(t, mismatches)
}
