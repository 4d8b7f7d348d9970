package eventstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Filter narrows a read of the whole log. The zero Filter matches every event.
type Filter struct {
	Category string   // only streams of this category, e.g. "order"
	Types    []string // only these event types
}

// ReadAll returns up to limit events after from, in commit order, that no transaction
// still in progress can come before: reading again from the last returned event's
// Checkpoint never misses or repeats an event.
//
// Why commit order and not global position: a global position is taken from a sequence
// before its transaction commits, so position 7 can commit (and be read) while position
// 6 is still in flight; a reader that remembers "7" skips 6 forever. Instead we order by
// the writing transaction's id and stop at pg_snapshot_xmin, the oldest transaction
// still running: every transaction below it has finished, and every transaction that
// will commit later has an id at or above it (ids are handed out in increasing order and
// a running one holds xmin down). So the prefix below the horizon is final.
//
// Events of one stream stay in stream order: an append takes its position from a
// snapshot in which the stream's previous event has committed, and is given its
// transaction id only when it inserts, after that commit, so its id is the larger.
//
// The price: a long-running transaction anywhere in the cluster holds the horizon back
// and delays (never loses) delivery until it ends.
func (s *Store) ReadAll(ctx context.Context, from Checkpoint, filter Filter, limit int) ([]RecordedEvent, error) {
	return readAll(ctx, s.pool, from, filter, limit, nil)
}

// querier is what reads need: a pool, a connection or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// readAll reads below horizon, or below the statement's own horizon when it is nil. A
// caller passes one when it must tell, consistently, which events it did not read
// because they are held back (see heldBack).
func readAll(ctx context.Context, q querier, from Checkpoint, filter Filter, limit int, horizon *uint64) ([]RecordedEvent, error) {
	if limit <= 0 {
		return nil, invalid("limit must be positive")
	}
	var query strings.Builder
	query.WriteString(selectEvent)
	query.WriteString(`where (transaction_id, global_position) > ($1::xid8, $2::bigint)
	and transaction_id < coalesce($4::xid8, pg_snapshot_xmin(pg_current_snapshot()))`)
	args := []any{from.TransactionID, from.GlobalPosition, limit, horizon}
	if filter.Category != "" {
		args = append(args, filter.Category)
		query.WriteString(` and category = $5`)
	}
	if len(filter.Types) > 0 {
		args = append(args, filter.Types)
		fmt.Fprintf(&query, ` and event_type = any($%d)`, len(args))
	}
	query.WriteString(` order by transaction_id, global_position limit $3`)
	rows, _ := q.Query(ctx, query.String(), args...)
	return collectEvents(rows, limit)
}

// heldBack reports whether committed events after from wait at or above horizon: a
// transaction still running keeps them from being read yet. A subscriber that sees this
// must look again soon rather than wait for its next poll or notification, because the
// notification for those events has already been sent.
func heldBack(ctx context.Context, q pgx.Tx, from Checkpoint, horizon uint64) (bool, error) {
	var held bool
	err := q.QueryRow(ctx, `select exists (select 1 from events
		where (transaction_id, global_position) > ($1::xid8, $2::bigint) and transaction_id >= $3::xid8)`,
		from.TransactionID, from.GlobalPosition, horizon).Scan(&held)
	return held, err
}
