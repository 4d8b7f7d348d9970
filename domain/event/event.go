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
