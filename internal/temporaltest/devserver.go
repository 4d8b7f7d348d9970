// Package temporaltest starts a real Temporal dev server (the Temporal CLI that `make
// temporal` builds into bin/) for tests that need one. A missing CLI fails the tests
// with what to run; they are never skipped.
package temporaltest

import (
	"context"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/internal/devstack"
)

// Server is a running dev server.
type Server struct {
	Address string // host:port of the frontend
	CLI     string // the temporal binary, for `temporal workflow show` and the like
}

// Start runs a headless, in-memory dev server on a free port, with orderflow's search
// attributes; call it from TestMain and stop it with the returned function.
func Start() (*Server, func(), error) {
	cli, err := devstack.TemporalCLI()
	if err != nil {
		return nil, nil, err
	}
	port, err := devstack.FreePort()
	if err != nil {
		return nil, nil, err
	}
	t, err := devstack.StartTemporal(context.Background(), devstack.TemporalOptions{Port: port, Output: os.Stderr})
	if err != nil {
		return nil, nil, err
	}
	return &Server{Address: t.Address, CLI: cli}, func() { _ = t.Stop(10 * time.Second) }, nil
}

// Client dials the server; the test closes it when it ends.
func (s *Server) Client(t testing.TB) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: s.Address})
	if err != nil {
		t.Fatalf("dial Temporal at %s: %v", s.Address, err)
	}
	t.Cleanup(c.Close)
	return c
}
