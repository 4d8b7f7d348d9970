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
// Any number of projector processes may run at once (the brief wants the projector to
// scale like the rest). eventstore.Store.Subscribe holds a per-subscription advisory
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
}

// Run runs the named projections (all of them when names is empty) on store with the
// defaults of Projector, until ctx ends.
func Run(ctx context.Context, store *eventstore.Store, names ...string) error {
	return Projector{Store: store}.Run(ctx, names...)
}

// Run runs the named projections (all of them when names is empty) concurrently until
// ctx ends, and then returns ctx's error. A name that is not in Names() is
// ErrUnknownProjection, before anything starts. A projection whose events fail to apply
// does not stop: its subscription retries with backoff (and logs why), because the
// other projections and, after a fix, this one too, must keep serving.
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
	reg, log := p.Registry, p.Logger
	if reg == nil {
		reg = registry.New()
	}
	if log == nil {
		log = slog.Default()
	}
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
		sub := proj.subscription(reg, log)
		if p.OnBatch != nil {
			sub.OnBatch = func(handled int, last eventstore.Checkpoint) { p.OnBatch(name, handled, last) }
		}
		subs = append(subs, sub)
	}
	return subs, nil
}
