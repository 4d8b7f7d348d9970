package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// AppendResult tells where an append's events were stored.
type AppendResult struct {
	// StreamVersion is the stream position of the last event of the append: the version
	// to expect on the next append. For a retried append it is where the events were
	// stored the first time.
	StreamVersion int64
	// GlobalPositions holds each event's global position, in order.
	GlobalPositions []int64
}

// appendSQL is the whole append: one autocommitted statement, so an append costs one
// round trip and one commit. It reads the stream's version and inserts the events
// after it only if that version is what the writer expected; no rows back means it
// was not. Two writers that read the same version both try to insert the same next
// position, and the unique (stream_name, stream_position) key lets exactly one of them
// through: the other fails with a unique violation, which Append turns into a
// *WrongExpectedVersionError, or, when the writer expected any version, retries.
const appendSQL = `
with stream as (
	select coalesce(max(stream_position), 0) as version from events where stream_name = $1
)
insert into events (event_id, stream_name, category, stream_position, event_type, schema_version, data,
                    principal, correlation_id, causation_id, workflow_id, run_id)
select b.id, $1, $2, stream.version + b.ord, b.event_type, b.schema_version, b.data,
       b.principal, b.correlation_id, b.causation_id, b.workflow_id, b.run_id
  from stream,
       unnest($4::uuid[], $5::text[], $6::int[], $7::json[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
           with ordinality as b(id, event_type, schema_version, data, principal, correlation_id, causation_id,
                                workflow_id, run_id, ord)
 where $3::bigint = -2 or ($3 = -1 and stream.version > 0) or stream.version = $3
 order by b.ord
returning stream_position, global_position`

// appendOneSQL is appendSQL for the most common append, a single event: scalar
// parameters instead of arrays spare encoding and unnesting them (measured: about a
// tenth more single-event appends per second).
const appendOneSQL = `
with stream as (
	select coalesce(max(stream_position), 0) as version from events where stream_name = $1
)
insert into events (event_id, stream_name, category, stream_position, event_type, schema_version, data,
                    principal, correlation_id, causation_id, workflow_id, run_id)
select $4, $1, $2, stream.version + 1, $5, $6, $7, $8, $9, $10, $11, $12
  from stream
 where $3::bigint = -2 or ($3 = -1 and stream.version > 0) or stream.version = $3
returning stream_position, global_position`

// appendAtSQL is appendSQL for a writer whose expected version is known to exist (or is
// 0): no need to read the stream's version, the events go right after it (see
// knownHeads). The unique (stream_name, stream_position) key refuses them if the stream
// has moved on.
const appendAtSQL = `
insert into events (event_id, stream_name, category, stream_position, event_type, schema_version, data,
                    principal, correlation_id, causation_id, workflow_id, run_id)
select b.id, $1, $2, $3::bigint + b.ord, b.event_type, b.schema_version, b.data,
       b.principal, b.correlation_id, b.causation_id, b.workflow_id, b.run_id
  from unnest($4::uuid[], $5::text[], $6::int[], $7::json[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
           with ordinality as b(id, event_type, schema_version, data, principal, correlation_id, causation_id,
                                workflow_id, run_id, ord)
 order by b.ord
returning stream_position, global_position`

// appendOneAtSQL is appendAtSQL for a single event.
const appendOneAtSQL = `
insert into events (event_id, stream_name, category, stream_position, event_type, schema_version, data,
                    principal, correlation_id, causation_id, workflow_id, run_id)
values ($4, $1, $2, $3::bigint + 1, $5, $6, $7, $8, $9, $10, $11, $12)
returning stream_position, global_position`

// maxAnyRetries bounds how often an append expecting any version retries after losing
// a race for the next position to a concurrent writer.
const maxAnyRetries = 100

// Append stores events at the end of stream, atomically, if the stream's version
// matches expected. It returns *WrongExpectedVersionError on a conflict.
//
// An append whose event ids are all stored already, as the same events (type and data)
// of the same stream, is a retry: it succeeds with the original positions and writes
// nothing. Reusing an id for a different event is ErrDuplicateEventID.
func (s *Store) Append(ctx context.Context, stream string, expected ExpectedVersion, events ...EventData) (AppendResult, error) {
	if err := validateStreamName(stream); err != nil {
		return AppendResult{}, err
	}
	if err := validateBatch(events); err != nil {
		return AppendResult{}, err
	}
	b := newBatch(events)
	for attempt := 0; ; attempt++ {
		result, err := s.insert(ctx, stream, expected, b)
		switch {
		case err == nil && len(result.GlobalPositions) == len(events):
			s.notifier.appended()
			s.heads.saw(stream, result.StreamVersion)
			return result, nil
		case err == nil: // the stream's version was not the expected one
			return s.conflict(ctx, stream, expected, b)
		case isUniqueViolation(err, "events_stream_position_key"):
			if expected.v >= 0 || attempt == maxAnyRetries {
				return s.conflict(ctx, stream, expected, b)
			}
		case isUniqueViolation(err, "events_event_id_key"):
			return s.retried(ctx, stream, b)
		default:
			return AppendResult{}, appendError(err)
		}
	}
}

// batch holds an append's events as the column arrays appendSQL takes. Ids are raw
// [16]byte, which pgx encodes as binary uuids; uuid.UUID would go through its
// driver.Valuer and be formatted and parsed as text (a sixth of Append's client CPU).
type batch struct {
	ids                                                   [][16]byte
	types                                                 []string
	versions                                              []int32
	data                                                  []json.RawMessage
	principals, correlations, causations, workflows, runs []string
}

func newBatch(events []EventData) batch {
	n := len(events)
	b := batch{
		ids: make([][16]byte, 0, n), types: make([]string, 0, n), versions: make([]int32, 0, n),
		data: make([]json.RawMessage, 0, n), principals: make([]string, 0, n), correlations: make([]string, 0, n),
		causations: make([]string, 0, n), workflows: make([]string, 0, n), runs: make([]string, 0, n),
	}
	b.add(events)
	return b
}

// add appends events' columns to the batch.
func (b *batch) add(events []EventData) {
	for _, e := range events {
		md := e.Metadata
		b.ids, b.types = append(b.ids, e.ID), append(b.types, e.Type)
		b.versions = append(b.versions, int32(e.SchemaVersion)) //nolint:gosec // G115: validateEvent keeps it within 1..MaxInt32
		b.data = append(b.data, e.Data)
		b.principals, b.correlations = append(b.principals, md.User), append(b.correlations, md.CorrelationID)
		b.causations, b.workflows, b.runs = append(b.causations, md.CausationID), append(b.workflows, md.WorkflowID), append(b.runs, md.RunID)
	}
}

func (s *Store) insert(ctx context.Context, stream string, expected ExpectedVersion, b batch) (AppendResult, error) {
	one, many := appendOneSQL, appendSQL
	if expected.v == 0 || (expected.v > 0 && s.heads.has(stream, expected.v)) {
		one, many = appendOneAtSQL, appendAtSQL
	}
	var rows pgx.Rows
	if len(b.ids) == 1 {
		rows, _ = s.pool.Query(ctx, one, stream, Category(stream), expected.v,
			b.ids[0], b.types[0], b.versions[0], b.data[0], b.principals[0], b.correlations[0], b.causations[0],
			b.workflows[0], b.runs[0])
	} else {
		rows, _ = s.pool.Query(ctx, many, stream, Category(stream), expected.v,
			b.ids, b.types, b.versions, b.data, b.principals, b.correlations, b.causations, b.workflows, b.runs)
	}
	result := AppendResult{GlobalPositions: make([]int64, 0, len(b.ids))}
	var streamPosition, globalPosition int64
	_, err := pgx.ForEachRow(rows, []any{&streamPosition, &globalPosition}, func() error {
		result.StreamVersion = streamPosition
		result.GlobalPositions = append(result.GlobalPositions, globalPosition)
		return nil
	})
	return result, err
}

// conflict explains an append refused for its expected version. A retry of an append
// that succeeded carries the version its first attempt expected, now stale: that is
// not a conflict but a success, reported with the original positions.
func (s *Store) conflict(ctx context.Context, stream string, expected ExpectedVersion, b batch) (AppendResult, error) {
	result, stored, err := s.findStored(ctx, stream, b)
	if err != nil || stored {
		return result, err
	}
	actual, err := s.streamVersion(ctx, stream)
	if err != nil {
		return AppendResult{}, err
	}
	return AppendResult{}, &WrongExpectedVersionError{Stream: stream, Expected: expected, Actual: actual}
}

// streamVersion reads a stream's version (0 when it has no events) and remembers it
// as a head the store has seen.
func (s *Store) streamVersion(ctx context.Context, stream string) (int64, error) {
	var version int64
	err := s.pool.QueryRow(ctx, `select coalesce(max(stream_position), 0) from events where stream_name = $1`,
		stream).Scan(&version)
	if err != nil {
		return 0, fmt.Errorf("eventstore: read version of %s: %w", stream, err)
	}
	s.heads.saw(stream, version)
	return version, nil
}

// retried answers an append that hit an event id already stored.
func (s *Store) retried(ctx context.Context, stream string, b batch) (AppendResult, error) {
	result, stored, err := s.findStored(ctx, stream, b)
	if err != nil {
		return AppendResult{}, err
	}
	if !stored {
		// The stored copy is gone from view only if it never committed: a racing
		// append of the same ids that rolled back. Nothing was written; say so.
		return AppendResult{}, fmt.Errorf("%w: a concurrent append of the same ids failed", ErrDuplicateEventID)
	}
	return result, nil
}

// findStored looks for the batch's event ids. stored is true when all of them are
// stored, in order, as the same events of stream: the batch was appended before. It is
// ErrDuplicateEventID when some are stored as anything else.
func (s *Store) findStored(ctx context.Context, stream string, b batch) (result AppendResult, stored bool, err error) {
	rows, _ := s.pool.Query(ctx, `
		select e.stream_position, e.global_position,
		       coalesce(e.stream_name = $1 and e.event_type = b.event_type and e.data::jsonb = b.data, false)
		  from unnest($2::uuid[], $3::text[], $4::jsonb[]) with ordinality as b(id, event_type, data, ord)
		  left join events e on e.event_id = b.id
		 order by b.ord`, stream, b.ids, b.types, b.data)
	var (
		streamPosition, globalPosition *int64
		same                           bool
		found, matching                int
	)
	_, err = pgx.ForEachRow(rows, []any{&streamPosition, &globalPosition, &same}, func() error {
		if streamPosition == nil {
			return nil
		}
		found++
		if same && (matching == 0 || *streamPosition == result.StreamVersion+1) {
			matching++
		}
		result.StreamVersion = *streamPosition
		result.GlobalPositions = append(result.GlobalPositions, *globalPosition)
		return nil
	})
	switch {
	case err != nil:
		return AppendResult{}, false, fmt.Errorf("eventstore: look up event ids: %w", err)
	case found == 0:
		return AppendResult{}, false, nil
	case matching == len(b.ids):
		return result, true, nil
	default:
		return AppendResult{}, false, ErrDuplicateEventID
	}
}

func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == pgerrcode.UniqueViolation && pgErr.ConstraintName == constraint
}

// isSQLState reports whether err is a PostgreSQL error with the SQLSTATE code.
func isSQLState(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

func appendError(err error) error { return fmt.Errorf("eventstore: append: %w", err) }
