// Package migrations brings orderflow's database schemas up to date. Each component
// that owns tables (the event store, the read models, the API, the notifier) declares
// its numbered SQL files as a Set; Apply runs the sets in the order given, each with a
// version table of its own (<name>_schema_version), so a component's migrations
// number from 1 and never collide with another's. It uses tern, and the version
// tables are tern's: databases migrated by earlier releases carry on from where they
// are.
package migrations

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
)

// Set is one component's migrations: the files 001_name.sql, 002_name.sql, … in Dir
// of FS, applied in order.
type Set struct {
	// Name names the set; its version table is Name + "_schema_version".
	Name string
	FS   fs.FS
	Dir  string
}

// VersionTable is the table that records how far a database has come in the set.
func (s Set) VersionTable() string { return s.Name + "_schema_version" }

// Apply applies what each set's files add beyond the database's version of the set,
// set after set in the order given (a set whose tables refer to another's comes
// after it). It is idempotent, and safe when several processes start at once: tern
// holds an advisory lock while it migrates.
func Apply(ctx context.Context, pool *pgxpool.Pool, sets ...Set) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	for _, s := range sets {
		m, err := migrate.NewMigrator(ctx, conn.Conn(), s.VersionTable())
		if err != nil {
			return fmt.Errorf("migrate %s: %w", s.Name, err)
		}
		files, err := fs.Sub(s.FS, s.Dir)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", s.Name, err)
		}
		if err := m.LoadMigrations(files); err != nil {
			return fmt.Errorf("migrate %s: load: %w", s.Name, err)
		}
		if err := m.Migrate(ctx); err != nil {
			return fmt.Errorf("migrate %s: %w", s.Name, err)
		}
	}
	return nil
}
