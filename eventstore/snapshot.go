package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// SaveSnapshot stores state as the folded state of stream at version, written by code
// whose state layout is schemaVersion. An older snapshot never replaces a newer one.
func (s *Store) SaveSnapshot(ctx context.Context, stream string, version int64, schemaVersion int, state any) error {
	if err := validateStreamName(stream); err != nil {
		return err
	}
	if version < 1 || schemaVersion < 1 {
		return invalid("snapshot version and schema version must be at least 1")
	}
	data, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("eventstore: snapshot of %s: %w", stream, err)
	}
	_, err = s.pool.Exec(ctx, `insert into snapshots (stream_name, version, schema_version, state)
		values ($1, $2, $3, $4)
		on conflict (stream_name) do update
		set version = excluded.version, schema_version = excluded.schema_version,
		    state = excluded.state, taken_at = now()
		where snapshots.version < excluded.version or snapshots.schema_version <> excluded.schema_version`,
		stream, version, schemaVersion, data)
	return err
}

// loadSnapshot decodes the stream's snapshot into state and returns its version, or 0
// when there is none usable: missing, or written for another schema version.
func (s *Store) loadSnapshot(ctx context.Context, stream string, schemaVersion int, state any) (int64, error) {
	var (
		version int64
		data    []byte
	)
	err := s.pool.QueryRow(ctx, `select version, state from snapshots
		where stream_name = $1 and schema_version = $2`, stream, schemaVersion).Scan(&version, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if err := json.Unmarshal(data, state); err != nil {
		return 0, fmt.Errorf("eventstore: snapshot of %s: %w", stream, err)
	}
	return version, nil
}
