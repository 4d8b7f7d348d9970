package invariants

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/eventstore"
)

// Load reads order-<orderID>, ticket-<orderID> and account-<consumerID> and folds them
// with the domain's own Apply functions.
//
// The three streams are read in one repeatable-read, read-only transaction rather than
// with three aggregate.Load calls: each saga step commits before the next one starts,
// so a single snapshot always shows a prefix of the saga, whereas separate reads could
// see an APPROVED order and then the ticket and hold its cancel saga removed a moment
// later, and report a violation that never existed.
//
// An order with no events gives an Order with only ID set (Check calls that unsettled).
func Load(ctx context.Context, st aggregate.Store, orderID uuid.UUID) (Order, error) {
	var out Order
	err := inSnapshot(ctx, st.Events, func(tx pgx.Tx) error {
		f := newFolder(st.Registry)
		if err := f.readStreams(ctx, tx, order.StreamName(orderID), kitchen.StreamName(orderID)); err != nil {
			return err
		}
		if s := f.orders[orderID]; s != nil && s.ConsumerID != uuid.Nil {
			if err := f.readStreams(ctx, tx, accounting.StreamName(s.ConsumerID)); err != nil {
				return err
			}
		}
		out = f.order(orderID)
		return nil
	})
	return out, err
}

// Verify checks a whole store: stream versions and event ids (as CheckStreams), and
// every order with its ticket and account (as CheckOrders), plus every account, also
// those of consumers without orders. It reads the events once, in stream order, as
// rows arrive; what it keeps is the folded state of every order, ticket and account,
// not the events. Everything is read in one snapshot, so a hold for an order with no
// events is a violation even when opts.Settled is false. An order, ticket or account
// event that does not decode stops Verify with an error naming its stream and position.
func Verify(ctx context.Context, st aggregate.Store, opts Options) (Report, error) {
	var r Report
	err := inSnapshot(ctx, st.Events, func(tx pgx.Tx) (err error) {
		r, err = VerifyIn(ctx, tx, st.Registry, opts)
		return err
	})
	return r, err
}

// VerifyIn is Verify in a transaction of the caller's, which should be a
// repeatable-read snapshot (so that other checks can share it).
func VerifyIn(ctx context.Context, tx pgx.Tx, reg *event.Registry, opts Options) (Report, error) {
	var r Report
	err := func() error {
		f := newFolder(reg)
		rows, _ := tx.Query(ctx, `select stream_name, category, stream_position, event_type, schema_version,
			case when category = any($1) then data end
			from events order by stream_name, stream_position`, foldedCategories)
		var (
			g gaps
			e row
		)
		_, err := pgx.ForEachRow(rows, []any{&e.stream, &e.category, &e.position, &e.eventType, &e.schemaVersion, &e.data}, func() error {
			g.see(e.stream, e.position)
			return f.apply(e)
		})
		if err != nil {
			return fmt.Errorf("invariants: read events: %w", err)
		}
		dups, err := duplicateIDs(ctx, tx)
		if err != nil {
			return err
		}
		orders := make([]Order, len(f.orderIDs))
		for i, id := range f.orderIDs {
			orders[i] = f.order(id)
		}
		accounts := make(map[uuid.UUID]accounting.State, len(f.accounts))
		for c, a := range f.accounts {
			accounts[c] = a.state
		}
		r = report(orders, accounts, opts, true)
		r.Streams, r.Events = g.streams, g.events
		all := make([]Violation, 0, len(g.out)+len(dups)+len(r.Violations)) // [] rather than null in JSON
		r.Violations = append(append(append(all, g.out...), dups...), r.Violations...)
		return nil
	}()
	return r, err
}

// inSnapshot runs read in a read-only transaction that sees one snapshot throughout.
func inSnapshot(ctx context.Context, st *eventstore.Store, read func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, st.Pool(), pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, read)
}

// foldedCategories are the streams the rules need decoded; the others are only
// counted and checked for gaps.
var foldedCategories = []string{order.Category, kitchen.Category, accounting.Category}

// row is the part of a stored event that folding needs.
type row struct {
	stream, category string
	position         int64
	eventType        string
	schemaVersion    int32
	data             []byte
}

// account is a folded account stream with the per-order counts that State drops.
type account struct {
	state                     accounting.State
	version                   int64
	authorizations, reversals map[uuid.UUID]int
}

// folder folds order, ticket and account streams as their events arrive.
type folder struct {
	registry *event.Registry
	orderIDs []uuid.UUID // in the order their streams were read
	orders   map[uuid.UUID]*order.State
	tickets  map[uuid.UUID]*kitchen.State
	accounts map[uuid.UUID]*account // by consumer
}

func newFolder(r *event.Registry) *folder {
	return &folder{registry: r, orders: map[uuid.UUID]*order.State{}, tickets: map[uuid.UUID]*kitchen.State{},
		accounts: map[uuid.UUID]*account{}}
}

// readStreams folds the named streams.
func (f *folder) readStreams(ctx context.Context, tx pgx.Tx, streams ...string) error {
	rows, _ := tx.Query(ctx, `select stream_name, category, stream_position, event_type, schema_version, data
		from events where stream_name = any($1) order by stream_name, stream_position`, streams)
	var e row
	_, err := pgx.ForEachRow(rows, []any{&e.stream, &e.category, &e.position, &e.eventType, &e.schemaVersion, &e.data},
		func() error { return f.apply(e) })
	if err != nil {
		return fmt.Errorf("invariants: read %v: %w", streams, err)
	}
	return nil
}

// apply folds one event. Streams of other categories, and streams whose name does not
// end in a canonical uuid, are not the rules' business and are passed over.
func (f *folder) apply(e row) error {
	switch e.category {
	case order.Category, kitchen.Category, accounting.Category:
	default:
		return nil
	}
	id, ok := event.StreamID(e.category, e.stream)
	if !ok {
		return nil
	}
	decoded, err := f.registry.Decode(e.eventType, int(e.schemaVersion), e.data)
	if err != nil {
		return fmt.Errorf("invariants: %s/%d: %w", e.stream, e.position, err)
	}
	switch e.category {
	case order.Category:
		s := f.orders[id]
		if s == nil {
			s = &order.State{}
			f.orders[id] = s
			f.orderIDs = append(f.orderIDs, id)
		}
		s.Apply(decoded)
	case kitchen.Category:
		s := f.tickets[id]
		if s == nil {
			s = &kitchen.State{}
			f.tickets[id] = s
		}
		s.Apply(decoded)
	case accounting.Category:
		a := f.accounts[id]
		if a == nil {
			a = &account{authorizations: map[uuid.UUID]int{}, reversals: map[uuid.UUID]int{}}
			f.accounts[id] = a
		}
		a.state.Apply(decoded)
		a.version = e.position
		switch d := decoded.(type) {
		case accounting.CreditCardAuthorized:
			a.authorizations[d.OrderID]++
		case accounting.CardTransactionReversed:
			a.reversals[d.OrderID]++
		}
	}
	return nil
}

// order assembles what was folded about one order.
func (f *folder) order(id uuid.UUID) Order {
	o := Order{ID: id}
	if s := f.orders[id]; s != nil {
		o.State = *s
	}
	if t := f.tickets[id]; t != nil {
		o.Ticket = *t
	}
	if a := f.accounts[o.State.ConsumerID]; a != nil && o.State.ConsumerID != uuid.Nil {
		o.Account, o.AccountVersion = a.state, a.version
		o.Authorizations, o.Reversals = a.authorizations[id], a.reversals[id]
	}
	return o
}
