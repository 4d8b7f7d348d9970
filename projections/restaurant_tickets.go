package projections

import (
	"context"
	"fmt"
	"strconv"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain/kitchen"
)

// The parts of a restaurant's ticket list, in order (keysetCursor.part).
const (
	ticketQueuePart   uint8 = iota // the queue, oldest first
	ticketHistoryPart              // the history, newest first
	ticketParts
)

// RestaurantTickets returns a page of a restaurant's kitchen tickets (GET
// /v1/restaurants/:id/tickets), in the order a kitchen works through them:
//
//   - the queue first: tickets still to accept, cook or hand over (AWAITING_ACCEPTANCE,
//     ACCEPTED, PREPARING, READY_FOR_PICKUP), oldest first, since first come is first
//     cooked;
//   - then the history: PICKED_UP, REJECTED and CANCELED tickets, newest first.
//
// status, when not empty, keeps only tickets in that status, in the same order
// (anything but a kitchen.Status is ErrInvalidStatus). cursor is "" for the first page
// and then the nextCursor of the previous page; one this package did not issue is
// ErrInvalidCursor. limit is the page size (see DefaultPageSize, MaxPageSize).
// nextCursor is "" on the last page. A restaurant with no tickets gets an empty page.
//
// A cursor is a place in that order (keyset pagination, as ConsumerOrders), and does
// not remember the filter it was issued under. A ticket that moves from the queue to
// the history while a client pages may be served twice (in each part) or, once the
// client is in the history, not at all if it finished before the cursor's place.
func (q Queries) RestaurantTickets(ctx context.Context, restaurantID uuid.UUID, status kitchen.Status, cursor string, limit int) (tickets []TicketView, nextCursor string, err error) {
	if err := checkStatus(status, ticketStatuses); err != nil {
		return nil, "", err
	}
	limit = pageSize(limit)
	var after *keysetCursor
	if cursor != "" {
		c, err := parseCursor(cursor, int(ticketParts))
		if err != nil {
			return nil, "", err
		}
		after = &c
	}

	args := []any{restaurantID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	query := selectTicket + `where restaurant_id = $1`
	var order string
	if status != "" {
		// One status is one range of the (restaurant_id, status, created_at, ticket_id)
		// index, read forwards for the queue and backwards for the history.
		query += ` and status = ` + arg(string(status))
		finished := ticketFinished(status)
		switch {
		case after == nil:
		case after.part == ticketQueuePart && !finished:
			query += ` and (created_at, ticket_id) > (` + arg(after.createdAt) + `, ` + arg(after.id) + `)`
		case after.part == ticketHistoryPart && finished:
			query += ` and (created_at, ticket_id) < (` + arg(after.createdAt) + `, ` + arg(after.id) + `)`
		case after.part == ticketHistoryPart:
			return []TicketView{}, "", nil // the queue came before the cursor's place
		} // and the whole history comes after a place in the queue
		order = ` order by created_at asc, ticket_id asc`
		if finished {
			order = ` order by created_at desc, ticket_id desc`
		}
	} else {
		done := arg(statusNames(finishedTicketStatuses))
		if after != nil {
			at, id := arg(after.createdAt), arg(after.id)
			if after.part == ticketQueuePart {
				query += ` and (status = any(` + done + `) or (created_at, ticket_id) > (` + at + `, ` + id + `))`
			} else {
				query += ` and status = any(` + done + `) and (created_at, ticket_id) < (` + at + `, ` + id + `)`
			}
		}
		order = ` order by status = any(` + done + `) asc,
				case when status = any(` + done + `) then null else created_at end asc,
				case when status = any(` + done + `) then created_at end desc,
				case when status = any(` + done + `) then null else ticket_id end asc,
				case when status = any(` + done + `) then ticket_id end desc`
	}
	// One row more than the page says whether there is a next page.
	query += order + ` limit ` + arg(limit+1)

	rows, err := q.Pool.Query(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("projections: restaurant %s tickets: %w", restaurantID, err)
	}
	tickets, more, err := collectPage(rows, limit, scanTicket)
	if err != nil {
		return nil, "", fmt.Errorf("projections: restaurant %s tickets: %w", restaurantID, err)
	}
	if more {
		last := tickets[limit-1]
		part := ticketQueuePart
		if ticketFinished(last.Status) {
			part = ticketHistoryPart
		}
		nextCursor = keysetCursor{part: part, createdAt: last.CreatedAt, id: last.ID}.String()
	}
	return tickets, nextCursor, nil
}
