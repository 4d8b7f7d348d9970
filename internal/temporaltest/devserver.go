// Package temporaltest starts a real Temporal dev server (the Temporal CLI that `make
// temporal` builds into bin/) for tests that need one. A missing CLI fails the test
// with what to run; it never skips.
package temporaltest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
)

// SearchAttributes are the custom search attributes orderflow's workflows set; the
// server is started with them registered.
var SearchAttributes = []string{"OrderStatus=Keyword", "ConsumerId=Keyword", "RestaurantId=Keyword"}

// Server is a running dev server.
type Server struct {
	Address string // host:port of the frontend
	CLI     string // the temporal binary, for `temporal workflow show` and the like
}

// CLIPath finds the Temporal CLI: $ORDERFLOW_TEMPORAL_BIN, or bin/temporal at the
// repository root.
func CLIPath() (string, error) {
	if p := os.Getenv("ORDERFLOW_TEMPORAL_BIN"); p != "" {
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "bin", "temporal")
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("the Temporal CLI is required at %s: run `make temporal` (or set ORDERFLOW_TEMPORAL_BIN)", p)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Start runs a dev server (in memory, no UI) on free ports for as long as m's tests
// run; call it from TestMain and stop it with the returned function.
func Start() (*Server, func(), error) {
	cli, err := CLIPath()
	if err != nil {
		return nil, nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, nil, err
	}
	args := []string{"server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", strconv.Itoa(port), "--log-level", "error"}
	for _, sa := range SearchAttributes {
		args = append(args, "--search-attribute", sa)
	}
	cmd := exec.Command(cli, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start the Temporal dev server: %w", err)
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	s := &Server{Address: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), CLI: cli}
	if err := s.waitReady(60 * time.Second); err != nil {
		stop()
		return nil, nil, err
	}
	return s, stop, nil
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

func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := client.DialContext(ctx, client.Options{HostPort: s.Address})
		if err == nil {
			_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
			c.Close()
		}
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the Temporal dev server at %s did not become ready: %w", s.Address, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
