package projections

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/eventstore"
)

// Projector runs projections: the query side's writer, the process cmd's projector
// command starts.
//
// Any number of projector processes may run at once, so the projector scales out and
// fails over like the API and the workers. eventstore.Store.Subscribe holds a per-subscription advisory
// lock, so exactly one process advances each projection and the others stand by to take
// over when it stops; and every batch locks the projection's checkpoint row, so even a
// process that wrongly believed it owned one could not apply an event twice. Nothing
// here adds locking of its own.
type Projector struct {
	Store *eventstore.Store
	// Registry decodes stored events; nil means registry.New(), every context's events.
	Registry *event.Registry
	// Logger receives the projections' warnings; nil means slog.Default().
	Logger *slog.Logger
	// OnBatch, if set, is told after each committed batch of a projection: for metrics.
	OnBatch func(projection string, handled int, last eventstore.Checkpoint)
	// OnError, if set, is told of each failed attempt of a projection: for metrics.
	OnError func(projection string, err error)
}

// Run runs the named projections (all of them when names is empty) on store with the
// defaults of Projector, until ctx ends.
func Run(ctx context.Context, store *eventstore.Store, names ...string) error {
	return Projector{Store: store}.Run(ctx, names...)
}

// Run runs the named projections (all of them when names is empty) concurrently until
// ctx ends, and then returns ctx's error. A name that is not in Names() is
// ErrUnknownProjection, before anything starts. A projection that fails on an event
// stops there, visibly (Status), after applying the events before it, and tries again
// with backoff or when told to (Retry, Skip); the other projections keep going.
func (p Projector) Run(ctx context.Context, names ...string) error {
	subs, err := p.subscriptions(names)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for _, sub := range subs {
		wg.Go(func() {
			err := p.Store.Subscribe(ctx, sub)
			if ctx.Err() == nil {
				// Subscribe returns early only for a subscription it cannot run at all: a
				// programming error, so stop the others rather than run half a projector.
				cancel(fmt.Errorf("projections: run %s: %w", sub.Name, err))
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

func (p Projector) subscriptions(names []string) ([]eventstore.Subscription, error) {
	if p.Store == nil {
		return nil, fmt.Errorf("projections: a projector needs a store")
	}
	reg, log := p.defaults()
	if len(names) == 0 {
		names = Names()
	}
	subs := make([]eventstore.Subscription, 0, len(names))
	for i, name := range names {
		if slices.Contains(names[:i], name) {
			continue // one subscription per projection and process
		}
		proj, err := lookup(name)
		if err != nil {
			return nil, err
		}
		subs = append(subs, p.observed(proj.subscription(reg, log), name))
	}
	return subs, nil
}

// defaults are the registry and logger a zero Projector uses.
func (p Projector) defaults() (*event.Registry, *slog.Logger) {
	reg, log := p.Registry, p.Logger
	if reg == nil {
		reg = registry.New()
	}
	if log == nil {
		log = slog.Default()
	}
	return reg, log
}

// observed reports sub's batches and failures to OnBatch and OnError as projection's.
func (p Projector) observed(sub eventstore.Subscription, projection string) eventstore.Subscription {
	if p.OnBatch != nil {
		sub.OnBatch = func(handled int, last eventstore.Checkpoint) { p.OnBatch(projection, handled, last) }
	}
	if p.OnError != nil {
		sub.OnError = func(err error) { p.OnError(projection, err) }
	}
	return sub
}
