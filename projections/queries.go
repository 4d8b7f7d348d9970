package projections

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/domain"
)

// Queries answers the API's reads from the read models. It only reads: the projector
// writes. The zero value is unusable; set Pool (the schema must be migrated with
// Migrations). Reads are eventually consistent, see WaitForOrderVersion.
type Queries struct {
	Pool *pgxpool.Pool
}

// Page sizes of the list queries: a limit of 0 or less means DefaultPageSize, and
// more than MaxPageSize is cut to it, so no request can ask for a whole table.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

func pageSize(limit int) int {
	if limit <= 0 {
		return DefaultPageSize
	}
	return min(limit, MaxPageSize)
}

// GetOrder returns an order's view. An order the view does not have (yet) is an error
// that is both ErrNotFound and domain.ErrOrderNotFound.
func (q Queries) GetOrder(ctx context.Context, id uuid.UUID) (OrderView, error) {
	v, err := scanOrder(q.Pool.QueryRow(ctx, selectOrder+`where order_id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return OrderView{}, notFound(domain.CodeOrderNotFound, "order", id)
	}
	if err != nil {
		return OrderView{}, fmt.Errorf("projections: get order %s: %w", id, err)
	}
	return v, nil
}

// GetTicket returns a kitchen ticket's view (a ticket's id is its order's id). A ticket
// the view does not have (yet) is an error that is both ErrNotFound and
// domain.ErrTicketNotFound.
func (q Queries) GetTicket(ctx context.Context, id uuid.UUID) (TicketView, error) {
	v, err := scanTicket(q.Pool.QueryRow(ctx, selectTicket+`where ticket_id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return TicketView{}, notFound(domain.CodeTicketNotFound, "ticket", id)
	}
	if err != nil {
		return TicketView{}, fmt.Errorf("projections: get ticket %s: %w", id, err)
	}
	return v, nil
}

// collectPage scans up to limit rows of a page query that asked for limit+1, and
// reports whether there was one more (a next page) without decoding it: the extra row
// only says that the page is not the last.
func collectPage[T any](rows pgx.Rows, limit int, scan func(pgx.Row) (T, error)) (page []T, more bool, err error) {
	defer rows.Close()
	page = make([]T, 0, limit)
	for rows.Next() {
		if len(page) == limit {
			more = true
			break
		}
		v, err := scan(rows)
		if err != nil {
			return nil, false, err
		}
		page = append(page, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	return page, more, nil
}
