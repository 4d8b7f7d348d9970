//go:build chaos

package chaos_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/orderflow/orderflow/internal/devstack"
)

// cluster is orderflow as production runs it, as separate processes on loopback: a
// PostgreSQL cluster of its own (so that restarting it disturbs nothing else), a
// Temporal dev server keeping its state in a file (so that it survives a restart),
// two API processes, two workers serving every task queue, and two projectors (one
// active, one standby: they share the projections' lock).
type cluster struct {
	dir, bin string
	log      *os.File // every process's output, interleaved
	env      []string

	pg           *devstack.Postgres
	temporal     *devstack.Temporal
	temporalPort int

	mu                        sync.Mutex
	apis, workers, projectors []*member
	apiURLs                   []string
	adminURLs                 []string // each API's admin listener: /readyz, /metrics
}

// member is one orderflow process of the cluster, restartable.
type member struct {
	name string
	args []string
	proc *devstack.Process
}

const tokenSecret = "chaos-suite-token-secret-of-32-bytes!!"

func startCluster(ctx context.Context, dir string) (*cluster, error) {
	log, err := os.Create(filepath.Join(dir, "cluster.log"))
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, log: log, bin: filepath.Join(dir, "orderflow")}
	build := exec.Command("go", "build", "-o", c.bin, "../cmd/orderflow")
	build.Stdout, build.Stderr = log, log
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("build orderflow (see %s): %w", log.Name(), err)
	}
	pgPort, err := devstack.FreePort()
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil { // the cluster runs as postgres when we are root
		return nil, err
	}
	if c.pg, err = devstack.StartPostgres(ctx, filepath.Join(dir, "postgres"), pgPort, log); err != nil {
		return nil, err
	}
	if c.temporalPort, err = devstack.FreePort(); err != nil {
		return nil, err
	}
	if err := c.startTemporal(ctx); err != nil {
		return nil, err
	}
	// RATE_LIMIT=0: the load reads every order in flight 20 times a second as one admin,
	// far past a principal's default budget; the limits are api's tests' business.
	c.env = []string{"DATABASE_URL=" + c.pg.URL, "TEMPORAL_ADDRESS=" + c.temporal.Address,
		"TOKEN_SECRET=" + tokenSecret, "LOG_LEVEL=warn", "RATE_LIMIT=0"}
	if err := c.run(ctx, "migrate"); err != nil {
		return nil, err
	}
	for i := range 2 {
		port, err := devstack.FreePort()
		if err != nil {
			return nil, err
		}
		adminPort, err := devstack.FreePort()
		if err != nil {
			return nil, err
		}
		c.apis = append(c.apis, &member{name: fmt.Sprintf("api-%d", i+1), args: []string{"api",
			"--addr", "127.0.0.1:" + strconv.Itoa(port), "--admin-addr", "127.0.0.1:" + strconv.Itoa(adminPort)}})
		c.apiURLs = append(c.apiURLs, fmt.Sprintf("http://127.0.0.1:%d", port))
		c.adminURLs = append(c.adminURLs, fmt.Sprintf("http://127.0.0.1:%d", adminPort))
		c.workers = append(c.workers, &member{name: fmt.Sprintf("worker-%d", i+1), args: []string{"worker"}})
		c.projectors = append(c.projectors, &member{name: fmt.Sprintf("projector-%d", i+1), args: []string{"projector"}})
	}
	for _, m := range c.members() {
		if err := c.start(m); err != nil {
			return nil, err
		}
	}
	for _, u := range c.adminURLs {
		if err := waitHTTP(ctx, u+"/readyz", time.Minute); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *cluster) startTemporal(ctx context.Context) (err error) {
	c.temporal, err = devstack.StartTemporal(ctx, devstack.TemporalOptions{Port: c.temporalPort,
		DBFile: filepath.Join(c.dir, "temporal.db"), Output: c.log})
	return err
}

func (c *cluster) members() []*member {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append(append(append([]*member{}, c.apis...), c.workers...), c.projectors...)
}

func (c *cluster) start(m *member) error {
	p, err := devstack.StartProcess(m.name, prefixed(c.log, m.name), c.env, c.bin, m.args...)
	if err != nil {
		return fmt.Errorf("start %s: %w", m.name, err)
	}
	c.mu.Lock()
	m.proc = p
	c.mu.Unlock()
	return nil
}

// kill crashes a member (SIGKILL to its process group) and waits until it is gone.
func (c *cluster) kill(m *member) {
	c.mu.Lock()
	p := m.proc
	c.mu.Unlock()
	_ = p.Signal(syscall.SIGKILL)
	<-p.Exited()
}

// restartTemporal stops the Temporal server and starts it again on the same port and
// state file, as a deploy or a crash of the server would.
func (c *cluster) restartTemporal(ctx context.Context) error {
	_ = c.temporal.Stop(10 * time.Second)
	return c.startTemporal(ctx)
}

// run runs an orderflow command to its end.
func (c *cluster) run(ctx context.Context, args ...string) error {
	_, err := c.output(ctx, args...)
	return err
}

// output runs an orderflow command and returns what it printed on stdout.
func (c *cluster) output(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env = append(os.Environ(), c.env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, prefixed(c.log, args[0])
	err := cmd.Run()
	if err != nil {
		return out.Bytes(), fmt.Errorf("orderflow %v: %w\n%s", args, err, out.String())
	}
	return out.Bytes(), nil
}

func (c *cluster) stop() {
	for _, m := range c.members() {
		if m.proc != nil {
			_ = m.proc.Stop(10 * time.Second)
		}
	}
	if c.temporal != nil {
		_ = c.temporal.Stop(10 * time.Second)
	}
	if c.pg != nil {
		_ = c.pg.Stop()
	}
	_ = c.log.Close()
}

// verify runs `orderflow verify --json` and returns its report.
func (c *cluster) verify(ctx context.Context) (verification, []byte, error) {
	out, err := c.output(ctx, "verify", "--json")
	var v verification
	if jerr := json.Unmarshal(out, &v); jerr != nil {
		return v, out, fmt.Errorf("verify printed no report (%w): %w", jerr, err)
	}
	return v, out, err
}

// verification is the part of verify's JSON report the suite reads.
type verification struct {
	Orders         int            `json:"orders"`
	ByStatus       map[string]int `json:"by_status"`
	NeedsAttention []string       `json:"needs_attention"`
	Violations     []struct {
		OrderID string `json:"order_id"`
		Stream  string `json:"stream"`
		Rule    string `json:"rule"`
		Detail  string `json:"detail"`
	} `json:"violations"`
	Mismatches []struct {
		Projection string `json:"projection"`
		ID         string `json:"id"`
		Detail     string `json:"detail"`
	} `json:"read_model_mismatches"`
	Seconds float64 `json:"seconds"`
}

func waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer 200 within %s (last error %w)", url, timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// prefixed writes each line to w with the process's name in front.
func prefixed(w io.Writer, name string) io.Writer {
	return &prefixWriter{w: w, prefix: []byte(name + " | ")}
}

type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix []byte
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := append(append([]byte{}, p.prefix...), p.buf[:i+1]...)
		if _, err := p.w.Write(line); err != nil {
			return len(b), err
		}
		p.buf = p.buf[i+1:]
	}
}
