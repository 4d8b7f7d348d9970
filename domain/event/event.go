// Package event defines what a domain event is and the registry that turns stored
// (type, schema version, JSON) triples back into typed Go values.
package event

// Event is implemented, with value receivers, by every domain event struct. The type
// name is the past-participle name stored in the event store and must be unique across
// all contexts; the schema version changes when the JSON shape changes incompatibly.
type Event interface {
	EventType() string
	SchemaVersion() int
}

// Refusal is implemented by an event that records a refused command as a fact (a
// declined card authorization). A command that is run again after its first run
// recorded such an event answers with the same refusal, whatever the state says now:
// the decision was taken once and the stream remembers it.
type Refusal interface {
	Event
	Refused() error
}

// Fold rebuilds a state from its events, oldest first: each is applied, in order, to
// a zero S by S's Apply method, which ignores the events it does not know. Every
// aggregate's State folds this way, e.g. event.Fold[order.State](events...).
func Fold[S any, P interface {
	*S
	Apply(Event)
}](events ...Event) S {
	var s S
	for _, e := range events {
		P(&s).Apply(e)
	}
	return s
}
