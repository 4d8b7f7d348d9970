package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/workflows"
)

// TemporalCLI finds the Temporal CLI: $ORDERFLOW_TEMPORAL_BIN, or bin/temporal at the
// root of the repository the working directory is in.
func TemporalCLI() (string, error) {
	if p := os.Getenv("ORDERFLOW_TEMPORAL_BIN"); p != "" {
		return p, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, "bin", "temporal")
	if !fileExists(p) {
		return "", fmt.Errorf("the Temporal CLI is required at %s: run `make temporal` (it builds "+
			"github.com/temporalio/cli v1.5.1 from the Go module proxy) or set ORDERFLOW_TEMPORAL_BIN", p)
	}
	return p, nil
}

// RepoRoot is the nearest directory at or above the working directory holding go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for !fileExists(filepath.Join(dir, "go.mod")) {
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the orderflow repository (no go.mod above the working directory)")
		}
		dir = parent
	}
	return dir, nil
}

// Temporal is a running dev server.
type Temporal struct {
	*Process
	Address string // frontend host:port
	UI      string // UI URL, empty when headless
}

// TemporalOptions says where the dev server listens. UIPort 0 runs it headless.
type TemporalOptions struct {
	IP     string
	Port   int
	UIPort int
	// DBFile keeps the server's state across restarts; empty keeps it in memory.
	DBFile string
	Output io.Writer
}

// SearchAttributeFlags are the `temporal server start-dev` flags that register the
// custom search attributes orderflow's workflows set (workflows.SearchAttributes).
func SearchAttributeFlags() []string {
	var flags []string
	for _, key := range workflows.SearchAttributes() {
		flags = append(flags, "--search-attribute", key.GetName()+"="+key.GetValueType().String())
	}
	return flags
}

// StartTemporal starts a dev server with orderflow's search attributes registered and
// waits until it answers.
func StartTemporal(ctx context.Context, o TemporalOptions) (*Temporal, error) {
	cli, err := TemporalCLI()
	if err != nil {
		return nil, err
	}
	if o.IP == "" {
		o.IP = "127.0.0.1"
	}
	if o.Output == nil {
		o.Output = io.Discard
	}
	args := []string{"server", "start-dev", "--ip", o.IP, "--port", strconv.Itoa(o.Port), "--log-level", "warn"}
	if o.UIPort == 0 {
		args = append(args, "--headless")
	} else {
		args = append(args, "--ui-port", strconv.Itoa(o.UIPort))
	}
	if o.DBFile != "" {
		args = append(args, "--db-filename", o.DBFile)
	}
	args = append(args, SearchAttributeFlags()...)
	// The server picks free ports for its internal services and binds them a moment
	// later; a second server starting at that moment (tests run packages in parallel)
	// can take one first, and this one exits. Starting again picks other ports.
	for attempt := 1; ; attempt++ {
		p, err := start("temporal", o.Output, cli, args...)
		if err != nil {
			return nil, fmt.Errorf("start the Temporal dev server: %w", err)
		}
		t := &Temporal{Process: p, Address: net.JoinHostPort(o.IP, strconv.Itoa(o.Port))}
		if o.UIPort != 0 {
			t.UI = "http://" + net.JoinHostPort(o.IP, strconv.Itoa(o.UIPort))
		}
		err = t.waitReady(ctx, 90*time.Second)
		if err == nil {
			return t, nil
		}
		_ = p.Stop(5 * time.Second)
		if !errors.Is(err, errExitedEarly) || attempt == startAttempts {
			return nil, err
		}
	}
}

// startAttempts bounds how often StartTemporal starts a server that exits at once.
const startAttempts = 3

// errExitedEarly: the dev server process ended before it answered.
var errExitedEarly = errors.New("the Temporal dev server exited")

func (t *Temporal) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		attempt, cancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := client.DialContext(attempt, client.Options{HostPort: t.Address, Logger: quietLogger{}})
		if err == nil {
			_, err = c.CheckHealth(attempt, &client.CheckHealthRequest{})
			c.Close()
		}
		cancel()
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case time.Now().After(deadline):
			return fmt.Errorf("the Temporal dev server at %s did not become ready in %s: %w", t.Address, timeout, err)
		}
		select {
		case <-t.Exited():
			return fmt.Errorf("%w: %w", errExitedEarly, t.exitErr())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// quietLogger keeps the readiness probe's connection attempts out of the output.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
