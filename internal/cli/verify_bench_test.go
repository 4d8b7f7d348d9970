package cli

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/pgtest"
	"github.com/orderflow/orderflow/projections"
)

// BenchmarkVerify runs `orderflow verify` over 10,000 settled orders (approved,
// shipped, rejected, canceled; about 95,000 events, read models projected) next to
// the floor it cannot beat: reading every event's data once.
//
//	go test -run '^$' -bench Verify -benchtime 3x ./internal/cli/
func BenchmarkVerify(b *testing.B) {
	const orders = 10_000
	schema := pgtest.NewSchema(b, eventstore.Migrations, projections.Migrations)
	store := eventstore.New(schema.Pool, eventstore.WithChannel(schema.Name))
	b.Cleanup(store.Close)
	seedSettledOrders(b, store, orders)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- projections.Run(ctx, store) }()
	require.Eventually(b, func() bool {
		for _, name := range projections.Names() {
			if lag, err := projections.Lag(context.Background(), schema.Pool, name); err != nil || lag > 0 {
				return false
			}
		}
		return true
	}, 5*time.Minute, 100*time.Millisecond)
	cancel()
	require.ErrorIs(b, <-done, context.Canceled)

	b.Run("baseline: fetch every event", func(b *testing.B) {
		for b.Loop() {
			rows, _ := schema.Pool.Query(context.Background(),
				`select stream_name, stream_position, event_type, data from events order by stream_name, stream_position`)
			var (
				stream, typ string
				position    int64
				data        []byte
			)
			_, err := pgx.ForEachRow(rows, []any{&stream, &position, &typ, &data}, func() error { return nil })
			require.NoError(b, err)
		}
	})
	b.Run(fmt.Sprintf("verify %d orders", orders), func(b *testing.B) {
		for b.Loop() {
			_, err := runVerify(b, schema)
			require.NoError(b, err)
		}
	})
}

// seedSettledOrders appends n orders in the four settled shapes, 100 consumers.
func seedSettledOrders(tb testing.TB, store *eventstore.Store, n int) {
	reg := registry.New()
	ctx := context.Background()
	eur := func(c int64) money.Money { return money.Money{Cents: c, Currency: "EUR"} }
	var batch []eventstore.EventData
	flush := func(stream string) {
		_, err := store.Append(ctx, stream, eventstore.Any(), batch...)
		require.NoError(tb, err)
		batch = batch[:0]
	}
	add := func(events ...event.Event) {
		for _, e := range events {
			raw, err := reg.Encode(e)
			require.NoError(tb, err)
			batch = append(batch, eventstore.EventData{ID: uuid.New(), Type: e.EventType(), SchemaVersion: e.SchemaVersion(), Data: raw})
		}
	}
	consumers := make([]uuid.UUID, 100)
	held := make([][]event.Event, len(consumers))
	for i := range consumers {
		consumers[i] = uuid.New()
		held[i] = []event.Event{accounting.AccountOpened{ConsumerID: consumers[i], CreditLimit: eur(1 << 40), CardLast4: "4242"}}
	}
	for i := range n {
		id, c := uuid.New(), i%len(consumers)
		consumer := consumers[c]
		lines := []order.Line{{MenuItemID: "pho", Name: "Pho", Quantity: 2, UnitPrice: eur(900), Total: eur(1800)}}
		add(order.OrderCreated{OrderID: id, ConsumerID: consumer, RestaurantID: consumer, Lines: lines, Total: eur(1800),
			DeliveryAddress: order.Address{Street: "1 Main St", City: "Springfield", Zip: "12345"}})
		var ticket []event.Event
		ticket = append(ticket, kitchen.TicketCreated{TicketID: id, OrderID: id, RestaurantID: consumer,
			Lines: []kitchen.Line{{MenuItemID: "pho", Name: "Pho", Quantity: 2}}})
		authorized := accounting.CreditCardAuthorized{ConsumerID: consumer, OrderID: id, Amount: eur(1800)}
		reversed := accounting.CardTransactionReversed{ConsumerID: consumer, OrderID: id, Amount: eur(1800)}
		switch i % 4 {
		case 0: // approved
			add(order.OrderApproved{OrderID: id})
			ticket = append(ticket, kitchen.TicketAccepted{TicketID: id})
			held[c] = append(held[c], authorized)
		case 1: // shipped
			add(order.OrderApproved{OrderID: id}, order.OrderShipped{OrderID: id})
			ticket = append(ticket, kitchen.TicketAccepted{TicketID: id}, kitchen.TicketPreparationStarted{TicketID: id},
				kitchen.TicketReadyForPickup{TicketID: id}, kitchen.TicketPickedUp{TicketID: id})
			held[c] = append(held[c], authorized)
		case 2: // rejected by the restaurant
			add(order.OrderRejected{OrderID: id, Reason: "RESTAURANT_REJECTED", Detail: "closing"})
			ticket = append(ticket, kitchen.TicketRejected{TicketID: id, Reason: "closing"})
			held[c] = append(held[c], authorized, reversed)
		case 3: // canceled after approval
			add(order.OrderApproved{OrderID: id}, order.OrderCancelRequested{OrderID: id}, order.OrderCanceled{OrderID: id})
			ticket = append(ticket, kitchen.TicketAccepted{TicketID: id}, kitchen.TicketCanceled{TicketID: id})
			held[c] = append(held[c], authorized, reversed)
		}
		flush(order.StreamName(id))
		add(ticket...)
		flush(kitchen.StreamName(id))
	}
	for i, c := range consumers {
		for start := 0; start < len(held[i]); start += 500 {
			add(held[i][start:min(start+500, len(held[i]))]...)
			flush(accounting.StreamName(c))
		}
	}
}
