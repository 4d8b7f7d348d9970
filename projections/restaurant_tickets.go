package projections

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/orderflow/orderflow/domain/kitchen"
)

// RestaurantTickets returns a restaurant's kitchen tickets (GET
// /v1/restaurants/:id/tickets), at most limit of them (see DefaultPageSize,
// MaxPageSize), in the order a kitchen works through them:
//
//   - the queue first: tickets still to accept, cook or hand over (AWAITING_ACCEPTANCE,
//     ACCEPTED, PREPARING, READY_FOR_PICKUP), oldest first, since first come is first
//     cooked;
//   - then the history: PICKED_UP, REJECTED and CANCELED tickets, newest first.
//
// status, when not empty, keeps only tickets in that status, in the same order
// (anything but a kitchen.Status is ErrInvalidStatus). A restaurant with no tickets
// gets an empty list.
func (q Queries) RestaurantTickets(ctx context.Context, restaurantID uuid.UUID, status kitchen.Status, limit int) ([]TicketView, error) {
	if err := checkStatus(status, ticketStatuses); err != nil {
		return nil, err
	}
	var rows pgx.Rows
	var err error
	if status != "" {
		// One status is one range of the (restaurant_id, status, created_at, ticket_id)
		// index, read forwards for the queue and backwards for the history.
		direction := "asc"
		if ticketFinished(status) {
			direction = "desc"
		}
		rows, err = q.Pool.Query(ctx, selectTicket+`where restaurant_id = $1 and status = $2
			order by created_at `+direction+`, ticket_id `+direction+` limit $3`,
			restaurantID, string(status), pageSize(limit))
	} else {
		rows, err = q.Pool.Query(ctx, selectTicket+`where restaurant_id = $1
			order by status = any($2) asc,
				case when status = any($2) then null else created_at end asc,
				case when status = any($2) then created_at end desc,
				case when status = any($2) then null else ticket_id end asc,
				case when status = any($2) then ticket_id end desc
			limit $3`, restaurantID, statusNames(finishedTicketStatuses), pageSize(limit))
	}
	if err != nil {
		return nil, fmt.Errorf("projections: restaurant %s tickets: %w", restaurantID, err)
	}
	tickets, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (TicketView, error) { return scanTicket(row) })
	if err != nil {
		return nil, fmt.Errorf("projections: restaurant %s tickets: %w", restaurantID, err)
	}
	return tickets, nil
}
