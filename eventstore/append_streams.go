package eventstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
)

// StreamAppend is one stream's part of AppendStreams: events to store at the end of
// Stream if its version matches Expected, as Append(ctx, Stream, Expected, Events...).
type StreamAppend struct {
	Stream   string
	Expected ExpectedVersion
	Events   []EventData
}

// appendStreamsSQL is appendSQL for several streams in one statement, so one
// autocommitted transaction: it reads every stream's version, and inserts all the
// events only if every version is what its writer expected; no rows back means one was
// not. One statement rather than one per stream keeps commit order consistent with
// stream order (docs/eventstore.md): every version is read in the statement's snapshot,
// before the transaction takes its id at the first insert, so every event it goes after
// was committed by a transaction with a smaller id. Events are inserted in the order
// given, the unique (stream_name, stream_position) key refusing any a concurrent writer
// got to first.
const appendStreamsSQL = `
with part as (
	select p.stream, p.expected,
	       (select coalesce(max(e.stream_position), 0) from events e where e.stream_name = p.stream) as version
	  from unnest($1::text[], $2::bigint[]) as p(stream, expected)
)
insert into events (event_id, stream_name, category, stream_position, event_type, schema_version, data,
                    principal, correlation_id, causation_id, workflow_id, run_id)
select b.id, b.stream, b.category, part.version + b.seq, b.event_type, b.schema_version, b.data,
       b.principal, b.correlation_id, b.causation_id, b.workflow_id, b.run_id
  from unnest($3::text[], $4::text[], $5::bigint[], $6::uuid[], $7::text[], $8::int[], $9::json[],
              $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
           with ordinality as b(stream, category, seq, id, event_type, schema_version, data, principal,
                                correlation_id, causation_id, workflow_id, run_id, ord)
  join part on part.stream = b.stream
 where not exists (select from part
                    where not (part.expected = -2 or (part.expected = -1 and part.version > 0)
                               or part.version = part.expected))
 order by b.ord
returning stream_name, stream_position, global_position`

// AppendStreams stores the events of several streams atomically: all of them, or, on
// any error, none. It is for a command whose effect spans aggregates (a consumer and
// their account), so that a refusal or a conflict on one stream leaves the others
// untouched too. Each part has Append's semantics on its own stream: its expected
// version (a *WrongExpectedVersionError names the stream that did not match), and
// idempotency: a part whose event ids are all stored already, as the same events of its
// stream, is a retry, reported with its original positions and not written again (so a
// retry of an AppendStreams that succeeded succeeds, writing nothing). Reusing an id for
// another event is ErrDuplicateEventID. Input limits apply to the parts together, and a
// stream may appear only once.
//
// Parts are written in the order given, which is their order in the log: name the
// streams in the same order wherever several writers append to the same ones.
// Results are in the order of parts.
func (s *Store) AppendStreams(ctx context.Context, parts ...StreamAppend) ([]AppendResult, error) {
	if len(parts) == 1 { // every single-stream command (aggregate.Execute) comes this way
		p := parts[0]
		result, err := s.Append(ctx, p.Stream, p.Expected, p.Events...) // which validates its input
		if err != nil {
			return nil, err
		}
		return []AppendResult{result}, nil
	}
	if err := validateStreams(parts); err != nil {
		return nil, err
	}
	results := make([]AppendResult, len(parts))
	pending := make([]int, len(parts)) // the parts not known to be stored, by index
	for i := range parts {
		pending[i] = i
	}
	for attempt := 0; ; attempt++ {
		stored, err := s.insertStreams(ctx, parts, pending)
		switch {
		case err == nil && stored != nil:
			for _, i := range pending {
				results[i] = stored[parts[i].Stream]
				s.heads.saw(parts[i].Stream, results[i].StreamVersion)
			}
			s.notifier.appended()
			return results, nil
		case err == nil, // a stream's version was not the expected one
			isUniqueViolation(err, "events_stream_position_key"), // a concurrent writer took a position
			isUniqueViolation(err, "events_event_id_key"):        // a retry, or an id used before
			before := len(pending)
			var rerr error
			if pending, rerr = s.resolveStreams(ctx, parts, pending, results); rerr != nil {
				return nil, rerr
			}
			switch {
			case len(pending) == 0: // every part was stored before: a retry
				return results, nil
			case len(pending) < before: // some were: append the rest
			case isUniqueViolation(err, "events_event_id_key"):
				// The stored copy is gone from view only if it never committed: see retried.
				return nil, fmt.Errorf("%w: a concurrent append of the same ids failed", ErrDuplicateEventID)
			case attempt == maxAnyRetries:
				p := parts[pending[0]]
				return nil, &WrongExpectedVersionError{Stream: p.Stream, Expected: p.Expected}
			}
		case isSQLState(err, pgerrcode.DeadlockDetected) && attempt < maxAnyRetries:
			// Writers that name the same streams in other orders; PostgreSQL undid this one.
		default:
			return nil, appendError(err)
		}
	}
}

// validateStreams checks AppendStreams' parts: each stream once, each with events, and
// the events of all parts together within the limits of one append.
func validateStreams(parts []StreamAppend) error {
	if len(parts) == 0 {
		return invalid("no streams to append to")
	}
	seen := make(map[string]struct{}, len(parts))
	var all []EventData
	for _, p := range parts {
		if err := validateStreamName(p.Stream); err != nil {
			return err
		}
		if _, dup := seen[p.Stream]; dup {
			return invalid("stream %q appears twice", p.Stream)
		}
		seen[p.Stream] = struct{}{}
		if len(p.Events) == 0 {
			return invalid("no events to append to %q", p.Stream)
		}
		all = append(all, p.Events...)
	}
	return validateBatch(all)
}

// insertStreams runs appendStreamsSQL for the pending parts. It returns each stream's
// result when every event was stored, and nil when none was (a version did not match).
func (s *Store) insertStreams(ctx context.Context, parts []StreamAppend, pending []int) (map[string]AppendResult, error) {
	var (
		b                                batch // every pending part's events, in order
		streams, categories, partStreams []string
		expected, seqs                   []int64
	)
	for _, i := range pending {
		p := parts[i]
		partStreams, expected = append(partStreams, p.Stream), append(expected, p.Expected.v)
		b.add(p.Events)
		for seq := range p.Events {
			streams, categories, seqs = append(streams, p.Stream), append(categories, Category(p.Stream)), append(seqs, int64(seq+1))
		}
	}
	rows, _ := s.pool.Query(ctx, appendStreamsSQL, partStreams, expected, streams, categories, seqs, b.ids, b.types,
		b.versions, b.data, b.principals, b.correlations, b.causations, b.workflows, b.runs)
	results := make(map[string]AppendResult, len(pending))
	var (
		stream                         string
		streamPosition, globalPosition int64
		n                              int
	)
	_, err := pgx.ForEachRow(rows, []any{&stream, &streamPosition, &globalPosition}, func() error {
		r := results[stream]
		r.StreamVersion = max(r.StreamVersion, streamPosition)
		r.GlobalPositions = append(r.GlobalPositions, globalPosition)
		results[stream] = r
		n++
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case n == 0:
		return nil, nil
	case n != len(b.ids): // one statement: all rows or none
		return nil, fmt.Errorf("eventstore: append stored %d of %d events", n, len(b.ids))
	}
	return results, nil
}

// resolveStreams explains an AppendStreams that stored nothing, part by part: a part
// whose events are stored already was appended before (its result is filled in and it
// is dropped from pending); a part whose stream's version is not what it expects is
// the conflict. What it returns is still to append: the parts that may go in on a
// retry.
func (s *Store) resolveStreams(ctx context.Context, parts []StreamAppend, pending []int, results []AppendResult) ([]int, error) {
	var remaining []int
	for _, i := range pending {
		p := parts[i]
		result, stored, err := s.findStored(ctx, p.Stream, newBatch(p.Events))
		if err != nil {
			return nil, err
		}
		if stored {
			results[i] = result
			s.heads.saw(p.Stream, result.StreamVersion)
			continue
		}
		actual, err := s.streamVersion(ctx, p.Stream)
		if err != nil {
			return nil, err
		}
		if !p.Expected.allows(actual) {
			return nil, &WrongExpectedVersionError{Stream: p.Stream, Expected: p.Expected, Actual: actual}
		}
		remaining = append(remaining, i)
	}
	return remaining, nil
}
