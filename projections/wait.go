package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain"
)

// MaxWait bounds how long WaitForOrderVersion waits, whatever the caller asks: it
// holds an API request (and a goroutine) open, so a client cannot make it hang.
const MaxWait = 10 * time.Second

// How often WaitForOrderVersion looks: soon at first, since the projector usually
// needs a few milliseconds, then less often so many waiters do not load the database.
// lastLookBefore is how long before the deadline it reads for the last time, so that
// a view the projector wrote during the last pause is still seen.
const (
	firstWaitPoll  = 5 * time.Millisecond
	maxWaitPoll    = 100 * time.Millisecond
	lastLookBefore = 10 * time.Millisecond
)

// WaitForOrderVersion reads an order's view once it has reached minVersion, waiting up
// to maxWait (at most MaxWait) for the projector to get there. It is how a client reads
// its own writes: a command reports the stream version it produced, and the client asks
// for the order at that version.
//
// It returns as soon as the view's Version >= minVersion. The wait's deadline (maxWait,
// or ctx's if sooner) bounds every query it makes, not only the pauses between them: a
// query blocked (on a lock, a slow database) ends at the deadline too. When the wait
// ends before the version is reached, the error is ErrVersionNotReached, returned with
// the latest view it read (older than minVersion, for a caller that wants to show it
// as such); when it read none (the order is not projected yet, or every read was
// blocked) the view is zero and the error is also the same not-found error as
// GetOrder's. Other errors return at once.
//
// A wait on a projection that is stopped at an event it cannot apply (Status) would
// only run out: it returns at the first miss instead, and its error is also
// ErrProjectionStopped.
func (q Queries) WaitForOrderVersion(ctx context.Context, id uuid.UUID, minVersion int64, maxWait time.Duration) (OrderView, error) {
	ctx, cancel := context.WithTimeout(ctx, min(maxWait, MaxWait))
	defer cancel()
	deadline, _ := ctx.Deadline()
	var last OrderView // the latest view read, older than minVersion
	seen, askedStopped := false, false
	poll := firstWaitPoll
	for {
		v, err := q.GetOrder(ctx, id)
		switch {
		case err == nil && v.Version >= minVersion:
			return v, nil
		case err == nil:
			last, seen = v, true
		case ctx.Err() != nil:
			return notReached(id, minVersion, last, seen) // the deadline cut the query short
		case !errors.Is(err, ErrNotFound):
			return OrderView{}, err
		}
		if !askedStopped {
			askedStopped = true
			if stopped, err := q.stopped(ctx, OrderViewProjection); err == nil && stopped {
				v, err := notReached(id, minVersion, last, seen)
				return v, fmt.Errorf("%w: %w", ErrProjectionStopped, err)
			}
		}
		// Pause for the poll, but read once more just before the deadline.
		pause := min(poll, time.Until(deadline)-lastLookBefore)
		if pause <= 0 {
			<-ctx.Done()
			return notReached(id, minVersion, last, seen)
		}
		tick := time.NewTimer(pause)
		select {
		case <-tick.C:
			poll = min(2*poll, maxWaitPoll)
		case <-ctx.Done():
			tick.Stop()
			return notReached(id, minVersion, last, seen)
		}
	}
}

// stopped reports whether the named projection is stopped at a failure.
func (q Queries) stopped(ctx context.Context, projection string) (bool, error) {
	var stopped bool
	err := q.Pool.QueryRow(ctx, `select exists (select 1 from subscription_checkpoints
		where subscription_name = $1 and stopped_reason is not null)`, projection).Scan(&stopped)
	return stopped, err
}

// notReached is what a wait that ran out answers: the latest view it read, if any,
// and ErrVersionNotReached (also GetOrder's not-found error when it read none).
func notReached(id uuid.UUID, minVersion int64, last OrderView, seen bool) (OrderView, error) {
	if !seen {
		return OrderView{}, fmt.Errorf("%w: order %s: version %d: %w", ErrVersionNotReached, id, minVersion,
			notFound(domain.CodeOrderNotFound, "order", id))
	}
	return last, fmt.Errorf("%w: order %s is at version %d of %d", ErrVersionNotReached, id, last.Version, minVersion)
}
