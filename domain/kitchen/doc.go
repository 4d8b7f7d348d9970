// Package kitchen is the Kitchen context: the ticket a restaurant works from. A
// ticket's id is its order's id, so the saga can address it without a lookup and a
// retried create lands on the same stream.
package kitchen
