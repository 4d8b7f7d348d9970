// Package activities holds the saga participants: one struct per service (OrderService,
// Consumers, Kitchen, Accounting), each method a Temporal activity that loads one
// aggregate, decides with the domain's pure rules and appends the decided events.
//
// Every activity is idempotent. Its events get ids derived from the workflow id and
// the saga step (Meta.Step), so a retried activity finds its first attempt's events
// and appends nothing; the domain rules treat "already done" as a no-op. Business
// refusals come back as non-retryable application errors whose type is the domain
// code (CONSUMER_SUSPENDED, INSUFFICIENT_CREDIT, ...); anything else is an
// infrastructure failure, which Temporal retries with backoff.
package activities
