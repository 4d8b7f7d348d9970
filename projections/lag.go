package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Lag counts the events of a projection's streams that its checkpoint has not reached
// yet: 0 means the read model is up to date with every committed event. It is meant
// for metrics, readiness and tests ("has the projector caught up?").
func Lag(ctx context.Context, pool *pgxpool.Pool, name string) (int64, error) {
	events, _, err := Behind(ctx, pool, name)
	return events, err
}

// Behind is how far a projection is behind the store: the events its checkpoint has
// not reached, and how long ago the oldest of them was recorded (0 when none). It
// costs a scan of the events behind the checkpoint, so it is cheap exactly when the
// projection is nearly caught up. Events of a transaction still in progress are not
// counted: they are not visible.
func Behind(ctx context.Context, pool *pgxpool.Pool, name string) (events int64, age time.Duration, err error) {
	p, err := lookup(name)
	if err != nil {
		return 0, 0, err
	}
	return behind(ctx, pool, p.name, p.category)
}

// behind is Behind for any subscription of the streams of category.
func behind(ctx context.Context, pool *pgxpool.Pool, subscription, category string) (events int64, age time.Duration, err error) {
	// A subscription that never ran has no checkpoint row: everything is behind it.
	var seconds float64
	err = pool.QueryRow(ctx, `select count(*), coalesce(extract(epoch from now() - min(e.recorded_at)), 0)::float8
		from events e
		left join subscription_checkpoints c on c.subscription_name = $1
		where e.category = $2 and (c.subscription_name is null
			or (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position))`,
		subscription, category).Scan(&events, &seconds)
	if err != nil {
		return 0, 0, fmt.Errorf("projections: lag of %s: %w", subscription, err)
	}
	return events, time.Duration(seconds * float64(time.Second)), nil
}
