// Package e2e holds the end-to-end tests: the whole system (API, workers, projector)
// on a real Temporal dev server and a real PostgreSQL, driven through HTTP only.
package e2e
