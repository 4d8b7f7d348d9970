package projections

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Lag counts the events of a projection's streams that its checkpoint has not reached
// yet: 0 means the read model is up to date with every committed event. It is meant
// for metrics, readiness and tests ("has the projector caught up?"), and costs a scan
// of the events behind the checkpoint, so it is cheap exactly when the lag is small.
// Events of a transaction still in progress are not counted: they are not visible.
func Lag(ctx context.Context, pool *pgxpool.Pool, name string) (int64, error) {
	p, err := lookup(name)
	if err != nil {
		return 0, err
	}
	// A projection that never ran has no checkpoint row: everything is behind it.
	var lag int64
	err = pool.QueryRow(ctx, `select count(*) from events e
		left join subscription_checkpoints c on c.subscription_name = $1
		where e.category = $2 and (c.subscription_name is null
			or (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position))`,
		p.name, p.category).Scan(&lag)
	if err != nil {
		return 0, fmt.Errorf("projections: lag of %s: %w", name, err)
	}
	return lag, nil
}
