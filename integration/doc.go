// Package integration is orderflow's published event contract: the public lifecycle
// events other services may subscribe to on NATS JetStream, their subjects, headers
// and versioned payloads (docs/events.md), and the mapping from the internal domain
// events. It is deliberately apart from the domain's event structs: those may change
// with the code, these change only by the rules in docs/events.md. An internal event
// (a saga step, a lock, a kitchen's preparation) has no public form and is never
// published.
//
// The relay (package relay) publishes what Map returns; subscribers (the notifier, the
// demo) read it back with Decode and Envelope.Payload.
package integration
