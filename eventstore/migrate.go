package eventstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate brings the event store's schema up to date. It is idempotent, and safe when
// several processes start at once: tern holds an advisory lock while it migrates.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return RunMigrations(ctx, pool, migrations, "migrations", "eventstore_schema_version")
}

// RunMigrations applies the numbered SQL files in dir of fsys (001_x.sql, 002_y.sql, …),
// recording progress in versionTable. Other packages with tables of their own (read
// models) use it with their own embedded files and version table.
func RunMigrations(ctx context.Context, pool *pgxpool.Pool, fsys fs.FS, dir, versionTable string) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", versionTable, err)
	}
	defer conn.Release()
	m, err := migrate.NewMigrator(ctx, conn.Conn(), versionTable)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", versionTable, err)
	}
	files, err := fs.Sub(fsys, dir)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", versionTable, err)
	}
	if err := m.LoadMigrations(files); err != nil {
		return fmt.Errorf("migrate %s: load: %w", versionTable, err)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", versionTable, err)
	}
	return nil
}
