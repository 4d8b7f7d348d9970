package projections

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// MaxWait bounds how long WaitForOrderVersion waits, whatever the caller asks: it
// holds an API request (and a goroutine) open, so a client cannot make it hang.
const MaxWait = 10 * time.Second

// How often WaitForOrderVersion looks: soon at first, since the projector usually
// needs a few milliseconds, then less often so many waiters do not load the database.
const (
	firstWaitPoll = 5 * time.Millisecond
	maxWaitPoll   = 100 * time.Millisecond
)

// WaitForOrderVersion reads an order's view once it has reached minVersion, waiting up
// to maxWait (at most MaxWait) for the projector to get there. It is how a client reads
// its own writes: a command reports the stream version it produced, and the client asks
// for the order at that version.
//
// It returns as soon as the view's Version >= minVersion. When the wait ends first (or
// ctx ends), it returns what the view has then: an older version (the caller tells by
// comparing Version with minVersion, and may answer with it anyway) or, for an order
// not projected yet, the same not-found error as GetOrder. Other errors return at once.
func (q Queries) WaitForOrderVersion(ctx context.Context, id uuid.UUID, minVersion int64, maxWait time.Duration) (OrderView, error) {
	deadline := time.NewTimer(min(maxWait, MaxWait))
	defer deadline.Stop()
	poll := firstWaitPoll
	for {
		v, err := q.GetOrder(ctx, id)
		switch {
		case err == nil && v.Version >= minVersion:
			return v, nil
		case err != nil && !errors.Is(err, ErrNotFound):
			return OrderView{}, err
		}
		tick := time.NewTimer(poll)
		select {
		case <-tick.C:
			poll = min(2*poll, maxWaitPoll)
		case <-deadline.C:
			tick.Stop()
			return q.lastLook(ctx, id, v, err)
		case <-ctx.Done():
			tick.Stop()
			return v, err
		}
	}
}

// lastLook reads once more when the wait runs out: the projector may have got there
// during the last pause, and a view fresher by up to one poll is worth a query.
func (q Queries) lastLook(ctx context.Context, id uuid.UUID, prev OrderView, prevErr error) (OrderView, error) {
	v, err := q.GetOrder(ctx, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return prev, prevErr
	}
	return v, err
}
