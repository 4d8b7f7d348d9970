// Package devstack starts the infrastructure of the one-command dev stack (`orderflow
// dev`, `make dev`) on a machine without Docker: the Temporal dev server and UI from the
// Temporal CLI that `make temporal` builds into bin/, and, when no DATABASE_URL is given,
// a throwaway PostgreSQL cluster made with the installed initdb and pg_ctl under .dev/.
// Everything it starts is a child process that Stop ends, so Ctrl-C leaves no strays.
package devstack
