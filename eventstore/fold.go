package eventstore

import (
	"context"
	"fmt"
)

// Apply folds one event into an aggregate's state.
type Apply[S any] func(state *S, e RecordedEvent) error

// FoldStream folds the recorded events of a stream, as they are stored (type, schema
// version, JSON), into a zero S, reading rows as they arrive. It returns the state and
// the stream's version, which is what the next Append should expect (0 when the
// stream is empty, i.e. NoStream). Package aggregate builds on it to fold decoded
// domain events.
func FoldStream[S any](ctx context.Context, s *Store, stream string, apply Apply[S]) (S, int64, error) {
	var state S
	version, err := fold(ctx, s, stream, 0, &state, apply)
	return state, version, err
}

// FoldStreamFromSnapshot is FoldStream starting from the stream's snapshot when one
// exists for schemaVersion (the version of S's layout); other snapshots are ignored, never
// misread. Only the events after the snapshot are read.
func FoldStreamFromSnapshot[S any](ctx context.Context, s *Store, stream string, schemaVersion int, apply Apply[S]) (S, int64, error) {
	var state S
	from, err := s.loadSnapshot(ctx, stream, schemaVersion, &state)
	if err != nil {
		return state, 0, err
	}
	version, err := fold(ctx, s, stream, from, &state, apply)
	return state, version, err
}

// fold applies the events after position `after` as rows arrive, without holding the
// whole stream in memory.
func fold[S any](ctx context.Context, s *Store, stream string, after int64, state *S, apply Apply[S]) (int64, error) {
	if err := validateStreamName(stream); err != nil {
		return 0, err
	}
	rows, err := s.pool.Query(ctx, selectEvent+`where stream_name = $1 and stream_position > $2 order by stream_position`,
		stream, after)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	version := after
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return 0, err
		}
		if err := apply(state, e); err != nil {
			return 0, fmt.Errorf("eventstore: apply %s at %s/%d: %w", e.Type, stream, e.StreamPosition, err)
		}
		version = e.StreamPosition
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	s.heads.saw(stream, version)
	return version, nil
}
