package eventstore

import (
	"embed"

	"github.com/orderflow/orderflow/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations are the event store's tables (version table eventstore_schema_version),
// for migrations.Apply.
var Migrations = migrations.Set{Name: "eventstore", FS: migrationFiles, Dir: "migrations"}
