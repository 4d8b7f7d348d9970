// Package temporaltest starts a real Temporal dev server (the Temporal CLI that `make
// temporal` builds into bin/) for tests that need one, with the SDK's
// testsuite.StartDevServer. A missing CLI fails the tests with what to run; they are
// never skipped, and nothing is downloaded.
package temporaltest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

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
	return start(devstack.SearchAttributeFlags()...)
}

// StartWithoutSearchAttributes runs a dev server like Start, but registers none of
// orderflow's search attributes: for tests of what registers them.
func StartWithoutSearchAttributes() (*Server, func(), error) {
	return start()
}

// startTimeout bounds how long the dev server may take to answer.
const startTimeout = 2 * time.Minute

func start(extraArgs ...string) (*Server, func(), error) {
	cli, err := devstack.TemporalCLI()
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	// No HostPort: StartDevServer picks a free port and keeps the OS from handing it
	// to another socket before the server binds it (the port is left in TIME_WAIT),
	// so dev servers started side by side by parallel test packages do not collide.
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath: cli,
		LogLevel:     "warn",
		ExtraArgs:    extraArgs,
		Stdout:       os.Stderr,
		Stderr:       os.Stderr,
		// The readiness probe's failed dials are expected: keep them out of the output.
		ClientOptions: &client.Options{Logger: log.NewStructuredLogger(
			slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("start the Temporal dev server (%s): %w", cli, err)
	}
	stop := func() {
		srv.Client().Close()
		_ = srv.Stop()
	}
	return &Server{Address: srv.FrontendHostPort(), CLI: cli}, stop, nil
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
