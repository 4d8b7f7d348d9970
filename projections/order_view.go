package projections

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/eventstore"
)

// OrderItem is one line of an order as the API shows it: prices are flattened to
// cents in the order's currency.
type OrderItem struct {
	MenuItemID     string `json:"menu_item_id"`
	Name           string `json:"name"`
	Quantity       int    `json:"quantity"`
	UnitPriceCents int64  `json:"unit_price_cents"`
	TotalCents     int64  `json:"total_cents"`
}

// PendingRevision is a change of lines proposed by the revise saga and not yet
// confirmed (the order is REVISION_PENDING meanwhile).
type PendingRevision struct {
	Items      []OrderItem `json:"items"`
	TotalCents int64       `json:"total_cents"`
}

// OrderView is an order as the query side knows it (GET /v1/orders/:id). The first
// ten fields are the API contract; the others are extras a client may find useful.
type OrderView struct {
	ID           uuid.UUID    `json:"id"`
	Status       order.Status `json:"status"`
	ConsumerID   uuid.UUID    `json:"consumer_id"`
	RestaurantID uuid.UUID    `json:"restaurant_id"`
	Items        []OrderItem  `json:"items"`
	TotalCents   int64        `json:"total_cents"`
	Currency     string       `json:"currency"`
	// RejectionReason is the domain code that rejected the order (INSUFFICIENT_CREDIT,
	// RESTAURANT_TIMEOUT, …); null unless the order is REJECTED.
	RejectionReason NullableString `json:"rejection_reason"`
	// Version is the position in the order's stream of the last event applied: a client
	// that was told its command produced version N can wait for it (WaitForOrderVersion).
	Version   int64     `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`

	RejectionDetail string           `json:"rejection_detail,omitempty"`
	CancelReason    string           `json:"cancel_reason,omitempty"`
	PendingRevision *PendingRevision `json:"pending_revision,omitempty"`
	// LastRefusal is the last cancel or revise that was accepted (202) and then
	// refused, with the code that says why.
	LastRefusal *order.ChangeRefusal `json:"last_refusal,omitempty"`
	// Attention says why the order is NEEDS_ATTENTION, and where it was.
	Attention       *order.Attention `json:"attention,omitempty"`
	DeliveryAddress order.Address    `json:"delivery_address"`
	CreatedAt       time.Time        `json:"created_at"`
}

// orderView keeps order_view up to date with the order streams.
var orderView = folding[order.State, OrderView]{
	what: "order view", category: order.Category, creation: order.TypeOrderCreated,
	apply: (*order.State).Apply,
	load: func(ctx context.Context, tx pgx.Tx, table string, id uuid.UUID) (OrderView, error) {
		return scanOrder(tx.QueryRow(ctx, `select `+orderColumns+` from `+table+` where order_id = $1`, id))
	},
	unfold: func(v OrderView) (order.State, rowMeta) {
		return v.state(), rowMeta{ID: v.ID, Version: v.Version, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
	},
	render: func(s order.State, m rowMeta) OrderView {
		v := orderViewOf(s)
		v.ID, v.Version, v.CreatedAt, v.UpdatedAt = m.ID, m.Version, m.CreatedAt, m.UpdatedAt
		return v
	},
	save:      upsertOrder,
	selectAll: selectOrder,
	scan:      scanOrder,
}

func orderViewHandler(reg *event.Registry, log *slog.Logger, table string) eventstore.Handler {
	return orderView.handler(reg, log, table)
}

// state is the order.State the row was folded into, for folding the next event.
func (v OrderView) state() order.State {
	s := order.State{
		ID: v.ID, ConsumerID: v.ConsumerID, RestaurantID: v.RestaurantID, Status: v.Status,
		Lines: linesOf(v.Items, v.Currency), Total: money.Money{Cents: v.TotalCents, Currency: v.Currency},
		DeliveryAddress: v.DeliveryAddress, RejectionReason: domain.Code(v.RejectionReason),
		RejectionDetail: v.RejectionDetail, CancelReason: v.CancelReason, LastRefusal: v.LastRefusal,
		Attention: v.Attention,
	}
	if r := v.PendingRevision; r != nil {
		s.PendingRevision = &order.Revision{Lines: linesOf(r.Items, v.Currency),
			Total: money.Money{Cents: r.TotalCents, Currency: v.Currency}}
	}
	return s
}

// orderViewOf renders a folded order; the caller sets the version and timestamps.
func orderViewOf(s order.State) OrderView {
	v := OrderView{
		ID: s.ID, Status: s.Status, ConsumerID: s.ConsumerID, RestaurantID: s.RestaurantID,
		Items: itemsOf(s.Lines), TotalCents: s.Total.Cents, Currency: s.Total.Currency,
		RejectionReason: NullableString(s.RejectionReason), RejectionDetail: s.RejectionDetail,
		CancelReason: s.CancelReason, DeliveryAddress: s.DeliveryAddress, LastRefusal: s.LastRefusal,
		Attention: s.Attention,
	}
	if r := s.PendingRevision; r != nil {
		v.PendingRevision = &PendingRevision{Items: itemsOf(r.Lines), TotalCents: r.Total.Cents}
	}
	return v
}

func itemsOf(lines []order.Line) []OrderItem {
	items := make([]OrderItem, len(lines)) // never nil: the column and the API want []
	for i, l := range lines {
		items[i] = OrderItem{MenuItemID: l.MenuItemID, Name: l.Name, Quantity: l.Quantity,
			UnitPriceCents: l.UnitPrice.Cents, TotalCents: l.Total.Cents}
	}
	return items
}

func linesOf(items []OrderItem, currency string) []order.Line {
	lines := make([]order.Line, len(items))
	for i, it := range items {
		lines[i] = order.Line{MenuItemID: it.MenuItemID, Name: it.Name, Quantity: it.Quantity,
			UnitPrice: money.Money{Cents: it.UnitPriceCents, Currency: currency},
			Total:     money.Money{Cents: it.TotalCents, Currency: currency}}
	}
	return lines
}

// upsertOrder writes a row of table unless it already holds a later version of it; the
// handler checked that already, so the guard only matters if two writers ever raced.
func upsertOrder(ctx context.Context, tx pgx.Tx, table string, v OrderView) error {
	_, err := tx.Exec(ctx, `insert into `+table+` as row (order_id, consumer_id, restaurant_id, status, lines,
		total_cents, currency, rejection_reason, rejection_detail, cancel_reason, pending_revision,
		delivery_address, version, created_at, updated_at, last_refusal, attention)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
		on conflict (order_id) do update set consumer_id = excluded.consumer_id,
			restaurant_id = excluded.restaurant_id, status = excluded.status, lines = excluded.lines,
			total_cents = excluded.total_cents, currency = excluded.currency,
			rejection_reason = excluded.rejection_reason, rejection_detail = excluded.rejection_detail,
			cancel_reason = excluded.cancel_reason, pending_revision = excluded.pending_revision,
			delivery_address = excluded.delivery_address, version = excluded.version,
			created_at = excluded.created_at, updated_at = excluded.updated_at,
			last_refusal = excluded.last_refusal, attention = excluded.attention
		where row.version < excluded.version`,
		v.ID, v.ConsumerID, v.RestaurantID, string(v.Status), v.Items, v.TotalCents, v.Currency,
		string(v.RejectionReason), v.RejectionDetail, v.CancelReason, v.PendingRevision, v.DeliveryAddress,
		v.Version, v.CreatedAt, v.UpdatedAt, v.LastRefusal, v.Attention)
	return err
}

const (
	orderColumns = `order_id, consumer_id, restaurant_id, status, lines, total_cents, currency,
	rejection_reason, rejection_detail, cancel_reason, pending_revision, delivery_address, version,
	created_at, updated_at, last_refusal, attention`
	selectOrder = `select ` + orderColumns + ` from order_view `
)

func scanOrder(row pgx.Row) (OrderView, error) {
	var (
		v              OrderView
		status, reason string
	)
	err := row.Scan(&v.ID, &v.ConsumerID, &v.RestaurantID, &status, &v.Items, &v.TotalCents, &v.Currency,
		&reason, &v.RejectionDetail, &v.CancelReason, &v.PendingRevision, &v.DeliveryAddress, &v.Version,
		&v.CreatedAt, &v.UpdatedAt, &v.LastRefusal, &v.Attention)
	if err != nil {
		return OrderView{}, err
	}
	v.Status, v.RejectionReason = order.Status(status), NullableString(reason)
	v.CreatedAt, v.UpdatedAt = v.CreatedAt.UTC(), v.UpdatedAt.UTC()
	return v, nil
}
