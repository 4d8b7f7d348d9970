package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/eventstore"
)

// Lag counts the events of a projection's streams that its checkpoint has not reached
// yet: 0 means the read model is up to date with every committed event. It is meant
// for metrics, readiness and tests ("has the projector caught up?").
func Lag(ctx context.Context, pool *pgxpool.Pool, name string) (int64, error) {
	events, _, err := Behind(ctx, pool, name)
	return events, err
}

// Behind is how far a projection is behind the store: the events of its streams that
// its checkpoint has not reached, and how long ago the oldest of them was recorded (0
// when none). See eventstore.Behind, which measures any subscription the same way.
func Behind(ctx context.Context, pool *pgxpool.Pool, name string) (events int64, age time.Duration, err error) {
	p, err := lookup(name)
	if err != nil {
		return 0, 0, err
	}
	return behind(ctx, pool, p.name, p.filter())
}

// behind is Behind for any subscription of the projection's streams (a rebuild's too).
func behind(ctx context.Context, pool *pgxpool.Pool, subscription string, filter eventstore.Filter) (events int64, age time.Duration, err error) {
	events, age, err = eventstore.Behind(ctx, pool, subscription, filter)
	if err != nil {
		return 0, 0, fmt.Errorf("projections: lag of %s: %w", subscription, err)
	}
	return events, age, nil
}
