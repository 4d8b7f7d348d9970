// Package workflows orchestrates each order as sagas on Temporal.
//
// Order (workflow id order-<orderId>) is the order's one workflow for its whole
// life: it runs the CreateOrder saga, and once the order is approved it serves the
// consumer's cancel and revise requests (each a child saga, CancelOrder and
// ReviseOrder) until the food is picked up, then waits for the courier's delivery
// report, records it and ends (or ends earlier with the order). Keeping one workflow
// per order makes it the semantic lock (one change at a time, refused synchronously
// by update validators) and keeps its OrderStatus search attribute current.
//
// Every step is an activity of the service that owns the aggregate (package
// activities), on that service's task queue. A step's compensation is registered just
// before the step runs, because a step that timed out may still have taken effect,
// and compensations run in reverse order on a disconnected context so they also run
// when the workflow itself is canceled. Workflow code uses no clock, randomness or
// uuid generation: everything it needs comes in its input or from Temporal.
package workflows
