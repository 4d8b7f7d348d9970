// Package eventstore is orderflow's PostgreSQL event store: an append-only log of
// immutable domain events grouped into streams, with optimistic concurrency,
// idempotent appends, reads by stream and across the whole log, checkpointed
// catch-up subscriptions, idempotent consumers and optional snapshots.
//
// Everything else in orderflow writes to and reads from it; the store itself knows
// nothing of orders or kitchens: events are opaque JSON with a type name.
package eventstore
