// Package domain holds what every bounded context shares: the typed business errors
// that travel from a rule, through a saga activity, to the HTTP API.
//
// The contexts themselves live in sub-packages (consumer, restaurant, kitchen,
// accounting, order). Each is pure: a state folded from events and decisions of the
// form state + command -> events or error. Nothing in this tree touches Postgres,
// Temporal or the network, so every rule is testable in microseconds.
package domain
