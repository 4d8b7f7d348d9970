// Package order is the Order context: the order aggregate and its life cycle.
//
//	APPROVAL_PENDING -> APPROVED | REJECTED | CANCELED (canceled while the create saga runs)
//	APPROVED -> CANCEL_PENDING -> CANCELED, or back to APPROVED (OrderCancelRejected)
//	APPROVED -> REVISION_PENDING -> APPROVED (OrderRevised or OrderRevisionRejected)
//	APPROVED -> SHIPPED -> DELIVERED
//
// CANCEL_PENDING and REVISION_PENDING are semantic locks: while a cancel or revise saga
// is in flight, a second one is refused (INVALID_STATE_TRANSITION, 409 at the API).
// A decision whose outcome is already reached returns no events and no error, so a
// retried saga step is harmless; the exception is the lock itself, which cannot tell a
// retry from a second request and therefore refuses both.
package order
