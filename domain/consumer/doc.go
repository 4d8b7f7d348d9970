// Package consumer is the Consumer context: who may place orders. The create-order
// saga asks it to verify the consumer, and records that verification in the
// consumer's stream so the audit trail shows which orders a consumer was cleared for.
package consumer
