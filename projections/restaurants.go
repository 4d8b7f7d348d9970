package projections

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/orderflow/orderflow/domain"
)

// GetRestaurant returns a restaurant's view, open or closed, with its current menu. A
// restaurant the view does not have (yet) is an error that is both ErrNotFound and
// domain.ErrRestaurantNotFound.
func (q Queries) GetRestaurant(ctx context.Context, id uuid.UUID) (RestaurantView, error) {
	v, err := scanRestaurant(q.Pool.QueryRow(ctx, selectRestaurant+`where restaurant_id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return RestaurantView{}, notFound(domain.CodeRestaurantNotFound, "restaurant", id)
	}
	if err != nil {
		return RestaurantView{}, fmt.Errorf("projections: get restaurant %s: %w", id, err)
	}
	return v, nil
}

// OpenRestaurants returns a page of the restaurants taking orders (GET
// /v1/restaurants), oldest first: a restaurant that opens lands on the last page, so
// pages a client has read never shift. cursor is "" for the first page and then the
// nextCursor of the previous page; one this package did not issue is
// ErrInvalidCursor. limit is the page size (see DefaultPageSize, MaxPageSize).
// nextCursor is "" on the last page.
//
// A cursor is a place in that order (keyset pagination, as ConsumerOrders): a
// restaurant that closes while a client pages is simply not served, and one that
// reopens is served where its creation puts it.
func (q Queries) OpenRestaurants(ctx context.Context, cursor string, limit int) (restaurants []RestaurantView, nextCursor string, err error) {
	limit = pageSize(limit)
	// One row more than the page says whether there is a next page. 'OPEN' is
	// restaurant.StatusOpen written out, so that the partial index of open restaurants
	// serves every plan of the query, generic ones included.
	query := selectRestaurant + `where status = 'OPEN'`
	args := []any{limit + 1}
	if cursor != "" {
		after, err := parseCursor(cursor, 1)
		if err != nil {
			return nil, "", err
		}
		query += ` and (created_at, restaurant_id) > ($2, $3)`
		args = append(args, after.createdAt, after.id)
	}
	query += ` order by created_at, restaurant_id limit $1`

	rows, err := q.Pool.Query(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("projections: open restaurants: %w", err)
	}
	restaurants, more, err := collectPage(rows, limit, scanRestaurant)
	if err != nil {
		return nil, "", fmt.Errorf("projections: open restaurants: %w", err)
	}
	if more {
		last := restaurants[limit-1]
		nextCursor = keysetCursor{createdAt: last.CreatedAt, id: last.ID}.String()
	}
	return restaurants, nextCursor, nil
}
