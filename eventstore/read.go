package eventstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Direction is the order a stream is read in.
type Direction int

const (
	// Forward reads from the oldest event to the newest.
	Forward Direction = iota
	// Backward reads from the newest event to the oldest.
	Backward
)

// ReadOptions selects part of a stream. From is the first stream position to return
// (Forward: 0 or 1 is the start; Backward: 0 is the end). Limit 0 means no limit.
type ReadOptions struct {
	Direction Direction
	From      int64
	Limit     int
}

const selectEvent = `select event_id, stream_name, category, stream_position, global_position,
	transaction_id, event_type, schema_version, data, recorded_at, principal, correlation_id, causation_id,
	workflow_id, run_id from events `

// ReadStream returns a stream's events. A stream with no events gives an empty slice.
func (s *Store) ReadStream(ctx context.Context, stream string, opts ReadOptions) ([]RecordedEvent, error) {
	if err := validateStreamName(stream); err != nil {
		return nil, err
	}
	if opts.From < 0 || opts.Limit < 0 {
		return nil, invalid("negative position or limit")
	}
	limit := any(nil) // SQL "limit null" is no limit
	if opts.Limit > 0 {
		limit = opts.Limit
	}
	var query string
	from := opts.From
	switch opts.Direction {
	case Forward:
		query = selectEvent + `where stream_name = $1 and stream_position >= $2 order by stream_position limit $3`
	case Backward:
		query = selectEvent + `where stream_name = $1 and stream_position <= $2 order by stream_position desc limit $3`
		if from == 0 {
			from = 1<<63 - 1
		}
	default:
		return nil, invalid("unknown direction %d", opts.Direction)
	}
	rows, _ := s.pool.Query(ctx, query, stream, from, limit)
	events, err := collectEvents(rows, opts.Limit)
	if len(events) > 0 { // the head is the last event read forward, the first backward
		s.heads.saw(stream, max(events[0].StreamPosition, events[len(events)-1].StreamPosition))
	}
	return events, err
}

// ReadLast returns a stream's last event, or ErrStreamNotFound.
func (s *Store) ReadLast(ctx context.Context, stream string) (RecordedEvent, error) {
	events, err := s.ReadStream(ctx, stream, ReadOptions{Direction: Backward, Limit: 1})
	if err != nil {
		return RecordedEvent{}, err
	}
	if len(events) == 0 {
		return RecordedEvent{}, fmt.Errorf("%w: %s", ErrStreamNotFound, stream)
	}
	return events[0], nil
}

// ReadCorrelated returns the events of the given streams that were recorded with this
// correlation id, in global order: the audit trail of one business process (an order,
// its kitchen ticket, and its card transactions in the consumer's account stream).
// Naming the streams keeps the read on the stream index instead of the whole log.
func (s *Store) ReadCorrelated(ctx context.Context, correlationID string, streams ...string) ([]RecordedEvent, error) {
	rows, _ := s.pool.Query(ctx, selectEvent+`where stream_name = any($1)
		and correlation_id = $2 order by global_position`, streams, correlationID)
	return collectEvents(rows, 0)
}

func collectEvents(rows pgx.Rows, sizeHint int) ([]RecordedEvent, error) {
	defer rows.Close()
	events := make([]RecordedEvent, 0, sizeHint)
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("eventstore: read: %w", err)
	}
	return events, nil
}

func scanEvent(row pgx.Row) (RecordedEvent, error) {
	var (
		e       RecordedEvent
		version int32
		md      = &e.Metadata
	)
	err := row.Scan(&e.ID, &e.StreamName, &e.Category, &e.StreamPosition, &e.GlobalPosition,
		&e.TransactionID, &e.Type, &version, &e.Data, &md.RecordedAt, &md.User, &md.CorrelationID,
		&md.CausationID, &md.WorkflowID, &md.RunID)
	if err != nil {
		return RecordedEvent{}, fmt.Errorf("eventstore: scan event: %w", err)
	}
	e.SchemaVersion = int(version)
	return e, nil
}
