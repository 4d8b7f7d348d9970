package projections

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/orderflow/orderflow/eventstore"
)

// Rebuild rebuilds the named projection from the event store with the defaults of
// Projector; see Projector.Rebuild.
func Rebuild(ctx context.Context, store *eventstore.Store, name string) error {
	return Projector{Store: store}.Rebuild(ctx, name)
}

// rebuildSuffix names what a rebuild fills beside the live projection: its
// subscription (and processed-event consumer) and its table.
const rebuildSuffix = "_next"

// handoverAttempts bounds how often Rebuild tries the swap when readers keep the live
// table busy past the lock timeout.
const handoverAttempts = 5

// Rebuild replays the whole event store into a new table beside the live one, under a
// subscription of its own, while the live projection goes on serving and following new
// events; once the new table has caught up it takes the live one's place in one short
// transaction (eventstore.Store.Replace), and the old table is dropped. Readers see the
// old view until that commit and the rebuilt one after it, never an empty or older one.
// It returns when the swap is done: for a large store, minutes.
//
// It is what to run when a projection's code changed (the replay uses this build's
// handlers) or a view is suspected wrong. An interrupted rebuild resumes where it
// stopped when run again. A rebuild that meets an event it cannot apply stops there
// and says so, like the live projection would (Status of name+"_next").
func (p Projector) Rebuild(ctx context.Context, name string) error {
	proj, err := lookup(name)
	if err != nil {
		return err
	}
	if p.Store == nil {
		return fmt.Errorf("projections: a rebuild needs a store")
	}
	reg, log := p.defaults()
	next, nextTable := proj.name+rebuildSuffix, proj.table+rebuildSuffix
	live, table := pgx.Identifier{proj.table}.Sanitize(), pgx.Identifier{nextTable}.Sanitize()
	replacement := eventstore.Replacement{
		Live: proj.name,
		Next: p.observed(proj.subscriptionInto(reg, log, next, nextTable), next),
		Prepare: func(ctx context.Context, tx pgx.Tx, fresh bool) error {
			if !fresh {
				_, err := tx.Exec(ctx, `create table if not exists `+table+` (like `+live+` including all)`)
				return err
			}
			// Records left by an earlier rebuild that stopped after its swap belong to
			// the live consumer; moved there, they cannot make this replay skip events.
			if err := p.Store.MoveProcessed(ctx, next, proj.name); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `drop table if exists `+table); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `create table `+table+` (like `+live+` including all)`)
			return err
		},
		Swap: func(ctx context.Context, tx pgx.Tx) error {
			// Readers hold the live table briefly; waiting long for one would queue
			// every later reader behind this swap, so give up and try again instead.
			if _, err := tx.Exec(ctx, `set local lock_timeout = '2s'`); err != nil {
				return err
			}
			// Everything that may wait comes before the live table is locked: the new
			// table's own lock (an autovacuum working on it yields after a second, and
			// nobody reads it meanwhile) and its statistics, so that the first reads of
			// it are planned on them.
			if _, err := tx.Exec(ctx, `lock table `+table+` in access exclusive mode`); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `analyze `+table); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `drop table `+live); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `alter table `+table+` rename to `+live)
			return err
		},
	}
	for attempt := 1; ; attempt++ {
		err = p.Store.Replace(ctx, replacement)
		if err == nil || !isLockTimeout(err) || attempt == handoverAttempts {
			break
		}
		log.Warn("rebuild: readers kept the live table busy; trying the swap again", "projection", name, "attempt", attempt)
	}
	if err != nil {
		return fmt.Errorf("projections: rebuild %s: %w", name, err)
	}
	// The replay's processed-event records become the live consumer's, a few thousand
	// at a time, so that nothing waits on them; the live table has already been served
	// for a while by then.
	if err := p.Store.MoveProcessed(ctx, next, proj.name); err != nil {
		return fmt.Errorf("projections: rebuild %s: %w", name, err)
	}
	return nil
}

func isLockTimeout(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == pgerrcode.LockNotAvailable
}
