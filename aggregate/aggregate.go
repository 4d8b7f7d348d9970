// Package aggregate runs a command against an event-sourced aggregate: load its stream,
// fold the events into state, decide with a pure domain function, append the decided
// events at the version that was read. Every writer of domain events (saga activities,
// API command handlers) goes through Execute, or ExecuteAll for a command that spans
// streams (all of them written in one transaction, or none), so they all get the same
// concurrency and idempotency behaviour.
package aggregate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

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

// Load rebuilds an aggregate: it decodes its stream's events with st.Registry and folds
// them into state with apply (eventstore.FoldStream folds the stored records
// themselves). It returns the state and the stream's version.
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
	var res Result[S]
	err := ExecuteAll(ctx, st, Part(cmd, &res))
	return res, err
}

// Step is one of the commands ExecuteAll runs together: a Command of any state type,
// made with Part.
type Step interface {
	// decide loads the step's stream and decides; it returns what to append, if
	// anything, and the step's refusal.
	decide(ctx context.Context, st Store) (decision, error)
	// settle gives the step its result: its events were appended, the stream now at
	// version, or (appended false) nothing of it was.
	settle(appended bool, version int64)
}

// decision is what one step decided.
type decision struct {
	append   *eventstore.StreamAppend // nil when there is nothing to append
	refusal  error
	recorded bool // the step ran before: refusal is what it recorded then
}

// Part makes cmd a Step of ExecuteAll. result, when not nil, receives what Execute
// would have returned for cmd alone (on success or refusal; it is left alone on other
// errors).
func Part[S any](cmd Command[S], result *Result[S]) Step {
	if result == nil {
		result = new(Result[S])
	}
	return &part[S]{cmd: cmd, result: result}
}

type part[S any] struct {
	cmd     Command[S]
	result  *Result[S]
	state   S
	version int64
	decided []event.Event
}

func (p *part[S]) decide(ctx context.Context, st Store) (decision, error) {
	var recorded *recordedCommand
	var err error
	p.decided = nil
	p.state, p.version, recorded, err = load(ctx, st, p.cmd.Stream, p.cmd.Apply, p.cmd.IdempotencyKey)
	if err != nil {
		return decision{}, fmt.Errorf("load %s: %w", p.cmd.Stream, err)
	}
	if recorded != nil {
		return decision{refusal: recorded.outcome(), recorded: true}, nil
	}
	decided, refusal := p.cmd.Decide(p.state)
	if len(decided) == 0 {
		return decision{refusal: refusal}, nil
	}
	data, err := encode(st.Registry, decided, p.cmd)
	if err != nil {
		return decision{}, err
	}
	p.decided = decided
	return decision{refusal: refusal,
		append: &eventstore.StreamAppend{Stream: p.cmd.Stream, Expected: eventstore.Exact(p.version), Events: data}}, nil
}

func (p *part[S]) settle(appended bool, version int64) {
	if !appended {
		*p.result = Result[S]{State: p.state, Version: p.version}
		return
	}
	for _, e := range p.decided {
		p.cmd.Apply(&p.state, e) // the decision is done with state, so it is ours to change
	}
	*p.result = Result[S]{Events: p.decided, State: p.state, Version: version}
}

// ExecuteAll runs commands on several streams as one: each is loaded and decided as
// Execute would, and the events they decide are appended to all their streams in one
// transaction (eventstore.AppendStreams), or to none. It is for a request whose effect
// spans aggregates (registering a consumer opens their account), so that a refusal by
// any of them writes nothing at all:
//
//   - a step that refuses without events to record (a validation error, a state that
//     forbids it) refuses the whole: nothing is appended, and that refusal is returned;
//   - otherwise every step's events are appended together, and the first refusal the
//     steps recorded (events and an error together, see Command.Decide) is returned;
//   - a concurrent writer on any of the streams makes every step load and decide
//     again; a step with an IdempotencyKey that ran before answers with what it
//     recorded then, as in Execute.
//
// Name the streams in the same order wherever commands touch the same ones: it is the
// order of their events in the log.
func ExecuteAll(ctx context.Context, st Store, steps ...Step) error {
	for attempt := 0; ; attempt++ {
		var (
			appends []eventstore.StreamAppend
			writers []Step // the step of each append
			first   error  // the first refusal
		)
		for i, s := range steps {
			d, err := s.decide(ctx, st)
			if err != nil {
				return err
			}
			if d.append == nil && d.refusal != nil && !d.recorded {
				for _, decided := range steps[:i+1] {
					decided.settle(false, 0)
				}
				return d.refusal
			}
			if first == nil {
				first = d.refusal
			}
			if d.append != nil {
				appends, writers = append(appends, *d.append), append(writers, s)
			}
		}
		var results []eventstore.AppendResult
		if len(appends) > 0 {
			var err error
			results, err = st.Events.AppendStreams(ctx, appends...)
			if errors.Is(err, eventstore.ErrWrongExpectedVersion) && attempt < maxConflicts {
				continue
			}
			if err != nil {
				return fmt.Errorf("append to %s: %w", streamNames(appends), err)
			}
		}
		for _, s := range steps {
			if i := slices.Index(writers, s); i >= 0 {
				s.settle(true, results[i].StreamVersion)
			} else {
				s.settle(false, 0)
			}
		}
		return first
	}
}

func streamNames(appends []eventstore.StreamAppend) string {
	names := make([]string, len(appends))
	for i, a := range appends {
		names[i] = a.Stream
	}
	return strings.Join(names, ", ")
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
	state, version, err := eventstore.FoldStream(ctx, st.Events, stream, func(s *S, e eventstore.RecordedEvent) error {
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
