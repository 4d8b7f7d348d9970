package eventstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Behind is how far the subscription named name is behind the store: the committed
// events matching filter (its subscription's Filter) that its checkpoint has not
// reached, and how long ago the oldest of them was recorded (0 when none). A
// subscription that never ran has no checkpoint: everything that matches is behind it.
// It costs a scan of the events behind the checkpoint, so it is cheap exactly when the
// subscription is nearly caught up; events of a transaction still in progress are not
// counted (they are not visible). For metrics, readiness and tests: the projector's
// lag per projection, the NATS relay's lag.
func Behind(ctx context.Context, pool *pgxpool.Pool, name string, filter Filter) (events int64, age time.Duration, err error) {
	var query strings.Builder
	query.WriteString(`select count(*), coalesce(extract(epoch from now() - min(e.recorded_at)), 0)::float8
		from events e
		left join subscription_checkpoints c on c.subscription_name = $1
		where (c.subscription_name is null
			or (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position))`)
	args := []any{name}
	if filter.Category != "" {
		args = append(args, filter.Category)
		fmt.Fprintf(&query, ` and e.category = $%d`, len(args))
	}
	if len(filter.Types) > 0 {
		args = append(args, filter.Types)
		fmt.Fprintf(&query, ` and e.event_type = any($%d)`, len(args))
	}
	var seconds float64
	if err := pool.QueryRow(ctx, query.String(), args...).Scan(&events, &seconds); err != nil {
		return 0, 0, fmt.Errorf("eventstore: how far %s is behind: %w", name, err)
	}
	return events, time.Duration(seconds * float64(time.Second)), nil
}
