package projections

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/eventstore"
)

// TicketItem is one line of a ticket: what to cook. The kitchen sees no prices.
type TicketItem struct {
	MenuItemID string `json:"menu_item_id"`
	Name       string `json:"name"`
	Quantity   int    `json:"quantity"`
}

// TicketView is a kitchen ticket as the query side knows it (GET
// /v1/restaurants/:id/tickets). A ticket's id is its order's id.
type TicketView struct {
	ID           uuid.UUID      `json:"id"`
	OrderID      uuid.UUID      `json:"order_id"`
	RestaurantID uuid.UUID      `json:"restaurant_id"`
	Status       kitchen.Status `json:"status"`
	Items        []TicketItem   `json:"items"`
	// RejectReason is why the restaurant refused the ticket; null unless REJECTED.
	RejectReason NullableString `json:"reject_reason"`
	// CancelReason is why the ticket was canceled; null unless CANCELED.
	CancelReason NullableString `json:"cancel_reason"`
	// Version is the position in the ticket's stream of the last event applied.
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// kitchenTickets keeps kitchen_ticket_queue up to date with the ticket streams.
var kitchenTickets = folding[kitchen.State, TicketView]{
	what: "kitchen tickets", category: kitchen.Category, creation: kitchen.TypeTicketCreated,
	apply: (*kitchen.State).Apply,
	load: func(ctx context.Context, tx pgx.Tx, table string, id uuid.UUID) (TicketView, error) {
		return scanTicket(tx.QueryRow(ctx, `select `+ticketColumns+` from `+table+` where ticket_id = $1`, id))
	},
	unfold: func(v TicketView) (kitchen.State, rowMeta) {
		return v.state(), rowMeta{ID: v.ID, Version: v.Version, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
	},
	render: func(s kitchen.State, m rowMeta) TicketView {
		v := ticketViewOf(s)
		v.ID, v.Version, v.CreatedAt, v.UpdatedAt = m.ID, m.Version, m.CreatedAt, m.UpdatedAt
		return v
	},
	save:      upsertTicket,
	selectAll: selectTicket,
	scan:      scanTicket,
}

func kitchenTicketsHandler(reg *event.Registry, log *slog.Logger, table string) eventstore.Handler {
	return kitchenTickets.handler(reg, log, table)
}

func (v TicketView) state() kitchen.State {
	lines := make([]kitchen.Line, len(v.Items))
	for i, it := range v.Items {
		lines[i] = kitchen.Line{MenuItemID: it.MenuItemID, Name: it.Name, Quantity: it.Quantity}
	}
	return kitchen.State{ID: v.ID, OrderID: v.OrderID, RestaurantID: v.RestaurantID, Lines: lines,
		Status: v.Status, RejectReason: string(v.RejectReason), CancelReason: string(v.CancelReason)}
}

// ticketViewOf renders a folded ticket; the caller sets the version and timestamps.
func ticketViewOf(s kitchen.State) TicketView {
	items := make([]TicketItem, len(s.Lines)) // never nil: the column and the API want []
	for i, l := range s.Lines {
		items[i] = TicketItem{MenuItemID: l.MenuItemID, Name: l.Name, Quantity: l.Quantity}
	}
	return TicketView{ID: s.ID, OrderID: s.OrderID, RestaurantID: s.RestaurantID, Status: s.Status,
		Items: items, RejectReason: NullableString(s.RejectReason), CancelReason: NullableString(s.CancelReason)}
}

// upsertTicket writes a row of table unless it already holds a later version of it.
func upsertTicket(ctx context.Context, tx pgx.Tx, table string, v TicketView) error {
	_, err := tx.Exec(ctx, `insert into `+table+` as row (ticket_id, order_id, restaurant_id, status, lines,
		reject_reason, cancel_reason, version, created_at, updated_at)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		on conflict (ticket_id) do update set order_id = excluded.order_id,
			restaurant_id = excluded.restaurant_id, status = excluded.status, lines = excluded.lines,
			reject_reason = excluded.reject_reason, cancel_reason = excluded.cancel_reason,
			version = excluded.version, created_at = excluded.created_at, updated_at = excluded.updated_at
		where row.version < excluded.version`,
		v.ID, v.OrderID, v.RestaurantID, string(v.Status), v.Items, string(v.RejectReason),
		string(v.CancelReason), v.Version, v.CreatedAt, v.UpdatedAt)
	return err
}

const (
	ticketColumns = `ticket_id, order_id, restaurant_id, status, lines, reject_reason, cancel_reason,
	version, created_at, updated_at`
	selectTicket = `select ` + ticketColumns + ` from kitchen_ticket_queue `
)

func scanTicket(row pgx.Row) (TicketView, error) {
	var (
		v                                  TicketView
		status, rejectReason, cancelReason string
	)
	err := row.Scan(&v.ID, &v.OrderID, &v.RestaurantID, &status, &v.Items, &rejectReason, &cancelReason,
		&v.Version, &v.CreatedAt, &v.UpdatedAt)
	if err != nil {
		return TicketView{}, err
	}
	v.Status = kitchen.Status(status)
	v.RejectReason, v.CancelReason = NullableString(rejectReason), NullableString(cancelReason)
	v.CreatedAt, v.UpdatedAt = v.CreatedAt.UTC(), v.UpdatedAt.UTC()
	return v, nil
}
