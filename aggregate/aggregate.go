// Package aggregate runs a command against an event-sourced aggregate: load its stream,
// fold the events into state, decide with a pure domain function, append the decided
// events at the version that was read. Every writer of domain events (saga activities,
// API command handlers) goes through Execute, so they all get the same concurrency and
// idempotency behaviour.
package aggregate

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/eventstore"
)

// Store is the event store together with the registry that turns stored events back
// into domain types.
type Store struct {
	Events   *eventstore.Store
	Registry *event.Registry
}

// Load folds a stream into state with apply and returns the stream's version.
func Load[S any](ctx context.Context, st Store, stream string, apply func(*S, event.Event)) (S, int64, error) {
	state, version, _, err := load(ctx, st, stream, apply, "")
	return state, version, err
}

// Command is one write to one stream.
type Command[S any] struct {
	Stream string
	Apply  func(*S, event.Event)
	// Decide returns the events to append. It may return events and an error together:
	// a refusal that is itself a fact to record (a declined card authorization). The
	// events are appended and the error is returned after them.
	Decide   func(S) ([]event.Event, error)
	Metadata eventstore.Metadata
	// IdempotencyKey names this write, e.g. workflow id + step. When set, event i gets
	// the id DeterministicID(IdempotencyKey, i), and running the same command again (a
	// retried activity, a repeated request) finds its events in the stream and answers
	// with the outcome they record, without deciding again: the aggregate may have moved
	// on since (a ticket accepted, then cooked), and a retry must neither be refused for
	// that nor decide differently under the same event ids (see Execute). When empty,
	// ids are random.
	IdempotencyKey string
}

// Result is what a command appended and where it left the aggregate.
type Result[S any] struct {
	Events  []event.Event
	State   S // after the command's events
	Version int64
}

// maxConflicts bounds how often Execute reloads after losing a race for the stream.
const maxConflicts = 10

// Execute runs cmd. A concurrent writer that moved the stream on between load and
// append makes Execute load and decide again, which is safe because decisions are
// pure functions of state.
//
// A command with an IdempotencyKey whose events are already in the stream ran before:
// its result is what it recorded then (no new events; the refusal its events record,
// see event.Refusal, or success), whatever the aggregate has become since.
func Execute[S any](ctx context.Context, st Store, cmd Command[S]) (Result[S], error) {
	for attempt := 0; ; attempt++ {
		state, version, recorded, err := load(ctx, st, cmd.Stream, cmd.Apply, cmd.IdempotencyKey)
		if err != nil {
			return Result[S]{}, fmt.Errorf("load %s: %w", cmd.Stream, err)
		}
		if recorded != nil {
			return Result[S]{State: state, Version: version}, recorded.outcome()
		}
		decided, refusal := cmd.Decide(state)
		if len(decided) == 0 {
			return Result[S]{State: state, Version: version}, refusal
		}
		data, err := encode(st.Registry, decided, cmd)
		if err != nil {
			return Result[S]{}, err
		}
		appended, err := st.Events.Append(ctx, cmd.Stream, eventstore.Exact(version), data...)
		if errors.Is(err, eventstore.ErrWrongExpectedVersion) && attempt < maxConflicts {
			continue
		}
		if err != nil {
			return Result[S]{}, fmt.Errorf("append to %s: %w", cmd.Stream, err)
		}
		for _, e := range decided {
			cmd.Apply(&state, e) // the decision is done with state, so it is ours to change
		}
		return Result[S]{Events: decided, State: state, Version: appended.StreamVersion}, refusal
	}
}

// recordedCommand is what an earlier run of a command stored: its events, in order.
type recordedCommand struct{ events []event.Event }

// outcome is the refusal the recorded events state, or nil for a command that took
// effect.
func (r *recordedCommand) outcome() error {
	for _, e := range r.events {
		if refusal, ok := e.(event.Refusal); ok {
			return refusal.Refused()
		}
	}
	return nil
}

// load is Load that also collects the events of the command named key (see
// Command.IdempotencyKey) when they are in the stream: one batch, so consecutive events
// with the ids DeterministicID(key, 0), DeterministicID(key, 1), ...
func load[S any](ctx context.Context, st Store, stream string, apply func(*S, event.Event), key string) (S, int64, *recordedCommand, error) {
	var recorded *recordedCommand
	next := uuid.Nil
	if key != "" {
		next = eventstore.DeterministicID(key, "0")
	}
	state, version, err := eventstore.Load(ctx, st.Events, stream, func(s *S, e eventstore.RecordedEvent) error {
		decoded, err := st.Registry.Decode(e.Type, e.SchemaVersion, e.Data)
		if err != nil {
			return err
		}
		apply(s, decoded)
		if next != uuid.Nil && e.ID == next {
			if recorded == nil {
				recorded = &recordedCommand{}
			}
			recorded.events = append(recorded.events, decoded)
			next = eventstore.DeterministicID(key, fmt.Sprint(len(recorded.events)))
		}
		return nil
	})
	return state, version, recorded, err
}

func encode[S any](registry *event.Registry, events []event.Event, cmd Command[S]) ([]eventstore.EventData, error) {
	out := make([]eventstore.EventData, len(events))
	for i, e := range events {
		data, err := registry.Encode(e)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", e.EventType(), err)
		}
		id := uuid.New()
		if cmd.IdempotencyKey != "" {
			id = eventstore.DeterministicID(cmd.IdempotencyKey, fmt.Sprint(i))
		}
		out[i] = eventstore.EventData{ID: id, Type: e.EventType(), SchemaVersion: e.SchemaVersion(),
			Data: data, Metadata: cmd.Metadata}
	}
	return out, nil
}
