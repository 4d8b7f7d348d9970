package projections

import (
	"context"
	"embed"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/eventstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates or updates the read models' tables. It is idempotent and safe when
// several processes start at once (tern holds an advisory lock). The event store's
// schema (eventstore.Migrate) must exist too: projections keep their checkpoints in it.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return eventstore.RunMigrations(ctx, pool, migrations, "migrations", "projections_schema_version")
}
