// Package accounting is the Accounting context: each consumer's account, its card and
// credit limit, and the holds placed on it for orders.
//
// # Events plus error
//
// Most decisions return either events or an error. Authorize and Revise can return
// both: when a charge is declined, the decline is a business fact that belongs in the
// audit trail (CardAuthorizationDeclined) and the caller must also learn that the
// charge failed (a *domain.Error, INSUFFICIENT_CREDIT or ACCOUNT_DISABLED). A caller
// therefore appends the returned events whenever there are any, and only then looks at
// the error:
//
//	events, err := accounting.Authorize(state, orderID, amount)
//	if len(events) > 0 {
//		append(events) // the decline is stored even though err != nil
//	}
//	if err != nil {
//		return err // a non-retryable business failure for the saga
//	}
//
// Declines change no balance, so the state does not remember them and a retried
// Authorize declines again with identical events; the event store's deterministic event
// ids make the second append a no-op.
package accounting
