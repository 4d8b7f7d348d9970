package projections

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/eventstore"
)

// Status is how a projection is doing, as an operator needs to see it: how far behind
// the store it is, whether it stopped at an event it cannot apply (and why), which
// events an operator skipped, and how a rebuild in progress is getting on.
type Status struct {
	Name string `json:"name"`
	// Lag is the committed events of its streams it has not applied; LagSeconds the
	// age of the oldest of them.
	Lag        int64             `json:"lag_events"`
	LagSeconds float64           `json:"lag_seconds"`
	Checkpoint string            `json:"checkpoint"`
	UpdatedAt  time.Time         `json:"updated_at,omitzero"`
	Stopped    *eventstore.Stop  `json:"stopped,omitempty"`
	Skipped    []eventstore.Skip `json:"skipped,omitempty"`
	Rebuild    *RebuildStatus    `json:"rebuild,omitempty"`
}

// RebuildStatus is a rebuild in progress (or interrupted): how far its replay has to go.
type RebuildStatus struct {
	Lag     int64            `json:"lag_events"`
	Stopped *eventstore.Stop `json:"stopped,omitempty"`
}

// Statuses returns every projection's status, in the order of Names().
func Statuses(ctx context.Context, store *eventstore.Store) ([]Status, error) {
	out := make([]Status, 0, len(catalog))
	for _, p := range catalog {
		st, err := StatusOf(ctx, store, p.name)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// StatusOf returns the named projection's status.
func StatusOf(ctx context.Context, store *eventstore.Store, name string) (Status, error) {
	p, err := lookup(name)
	if err != nil {
		return Status{}, err
	}
	sub, err := store.SubscriptionStatus(ctx, p.name)
	if err != nil {
		return Status{}, err
	}
	st := Status{Name: p.name, Checkpoint: sub.Checkpoint.String(), UpdatedAt: sub.UpdatedAt.UTC(),
		Stopped: sub.Stopped, Skipped: sub.Skipped}
	lag, age, err := behind(ctx, store.Pool(), p.name, p.filter())
	if err != nil {
		return Status{}, err
	}
	st.Lag, st.LagSeconds = lag, age.Seconds()

	next := p.name + rebuildSuffix
	rebuilding, err := store.SubscriptionStatus(ctx, next)
	if err != nil {
		return Status{}, err
	}
	if !rebuilding.UpdatedAt.IsZero() {
		lag, _, err := behind(ctx, store.Pool(), next, p.filter())
		if err != nil {
			return Status{}, err
		}
		st.Rebuild = &RebuildStatus{Lag: lag, Stopped: rebuilding.Stopped}
	}
	return st, nil
}

// Skip makes the named projection pass over the event it stopped at, recording why and
// who decided it; see eventstore.Store.Skip. The view then lacks the event's effect,
// and Verify's replay leaves it out too. A rebuild's replay stopped at an event is
// skipped under the name Status shows for it, name+"_next".
func Skip(ctx context.Context, store *eventstore.Store, name string, eventID uuid.UUID, reason, by string) error {
	sub, err := subscriptionName(name)
	if err != nil {
		return err
	}
	return store.Skip(ctx, sub, eventID, reason, by)
}

// Retry asks the process running the named projection to try the event it stopped at
// again now, rather than when its backoff ends.
func Retry(ctx context.Context, store *eventstore.Store, name string) error {
	sub, err := subscriptionName(name)
	if err != nil {
		return err
	}
	return store.Retry(ctx, sub)
}

// subscriptionName accepts a projection's name or its rebuild's.
func subscriptionName(name string) (string, error) {
	for _, p := range catalog {
		if name == p.name || name == p.name+rebuildSuffix {
			return name, nil
		}
	}
	_, err := lookup(name)
	return "", err
}
