package projections

import (
	"embed"

	"github.com/orderflow/orderflow/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations are the read models' tables (version table projections_schema_version),
// for migrations.Apply. The event store's (eventstore.Migrations) must come first:
// projections keep their checkpoints in it.
var Migrations = migrations.Set{Name: "projections", FS: migrationFiles, Dir: "migrations"}
