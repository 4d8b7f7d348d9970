package projections

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain/order"
)

// ConsumerOrders returns a page of a consumer's order history, newest first (GET
// /v1/consumers/:id/orders). status, when not empty, keeps only orders in that status
// (anything but an order.Status is ErrInvalidStatus). cursor is "" for the first page
// and then the nextCursor of the previous page; one this package did not issue is
// ErrInvalidCursor. limit is the page size (see DefaultPageSize, MaxPageSize).
// nextCursor is "" on the last page. A consumer with no orders gets an empty page.
//
// A cursor does not remember the filter it was issued under: a client that changes the
// filter between pages just continues from the same point in time with the new filter.
func (q Queries) ConsumerOrders(ctx context.Context, consumerID uuid.UUID, status order.Status, cursor string, limit int) (orders []OrderView, nextCursor string, err error) {
	if err := checkStatus(status, orderStatuses); err != nil {
		return nil, "", err
	}
	limit = pageSize(limit)
	// One row more than the page says whether there is a next page.
	query := selectOrder + `where consumer_id = $1 and ($2 = '' or status = $2)`
	args := []any{consumerID, string(status), limit + 1}
	if cursor != "" {
		after, err := parseCursor(cursor, 1)
		if err != nil {
			return nil, "", err
		}
		query += ` and (created_at, order_id) < ($4, $5)`
		args = append(args, after.createdAt, after.id)
	}
	query += ` order by created_at desc, order_id desc limit $3`

	rows, err := q.Pool.Query(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("projections: consumer %s orders: %w", consumerID, err)
	}
	orders, more, err := collectPage(rows, limit, scanOrder)
	if err != nil {
		return nil, "", fmt.Errorf("projections: consumer %s orders: %w", consumerID, err)
	}
	if more {
		last := orders[limit-1]
		nextCursor = keysetCursor{createdAt: last.CreatedAt, id: last.ID}.String()
	}
	return orders, nextCursor, nil
}
