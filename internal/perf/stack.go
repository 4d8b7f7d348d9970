package perf

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/internal/demo"
	"github.com/orderflow/orderflow/internal/devstack"
)

// system is what a run starts: a Temporal dev server, a database of its own, and the
// orderflow API, worker and projector and the baseline server as processes of the
// orderflow binary, each with its logs in dir.
type system struct {
	dir         string
	temporal    *devstack.Temporal
	database    string // the run's database's connection string
	dropDB      func() error
	processes   map[string]*devstack.Process // api, worker, projector, baseline
	apiURL      string
	baselineURL string
	tokens      demo.SignedTokens
}

// Names of the processes a run starts, as the report names them.
const (
	procAPI       = "api"
	procWorker    = "worker"
	procProjector = "projector"
	procBaseline  = "baseline"
	procTemporal  = "temporal"
	procPerf      = "perf" // this process: the load generators and the no-op workers
)

// orderflowProcesses are the processes of orderflow itself.
var orderflowProcesses = []string{procAPI, procWorker, procProjector}

func startSystem(ctx context.Context, o Options, progress io.Writer) (_ *system, err error) {
	s := &system{processes: map[string]*devstack.Process{}}
	if s.dir, err = os.MkdirTemp("", "orderflow-perf-"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = s.stop(true)
			err = fmt.Errorf("%w (logs in %s)", err, s.dir)
		}
	}()

	temporalLog, err := os.Create(filepath.Join(s.dir, "temporal.log"))
	if err != nil {
		return nil, err
	}
	port, err := devstack.FreePort()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "starting a Temporal dev server on port %d\n", port)
	if s.temporal, err = devstack.StartTemporal(ctx, devstack.TemporalOptions{Port: port, Output: temporalLog}); err != nil {
		return nil, err
	}

	if s.database, s.dropDB, err = freshDatabase(ctx, o.DatabaseURL); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "created database %s\n", databaseName(s.database))

	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	tokens := api.Tokens{Secret: []byte(hex.EncodeToString(secret)), Issuer: "orderflow", Audience: "orderflow-api", MaxLifetime: 24 * time.Hour}
	s.tokens = demo.SignedTokens{Tokens: tokens}
	env := []string{
		"DATABASE_URL=" + s.database,
		"TEMPORAL_ADDRESS=" + s.temporal.Address,
		"TEMPORAL_NAMESPACE=default",
		"TOKEN_SECRET=" + string(tokens.Secret),
		"TOKEN_SECRET_PREVIOUS=",
		"TOKEN_ISSUER=" + tokens.Issuer,
		"TOKEN_AUDIENCE=" + tokens.Audience,
		// The load acts as a few principals many times a second: no per-principal limit.
		"RATE_LIMIT=0",
		"LOG_LEVEL=warn",
		"METRICS_ADDR=",
		"OTEL_EXPORTER_OTLP_ENDPOINT=",
		"WORKER_QUEUES=",
	}
	apiPort, err := devstack.FreePort()
	if err != nil {
		return nil, err
	}
	baselinePort, err := devstack.FreePort()
	if err != nil {
		return nil, err
	}
	s.apiURL = "http://127.0.0.1:" + strconv.Itoa(apiPort)
	s.baselineURL = "http://127.0.0.1:" + strconv.Itoa(baselinePort)
	for _, p := range []struct {
		name string
		args []string
	}{
		{procAPI, []string{"api", "--addr", "127.0.0.1:" + strconv.Itoa(apiPort), "--admin-addr="}},
		{procWorker, []string{"worker"}},
		{procProjector, []string{"projector"}},
		{procBaseline, []string{"perf", "baseline-server", "--addr", "127.0.0.1:" + strconv.Itoa(baselinePort)}},
	} {
		logFile, err := os.Create(filepath.Join(s.dir, p.name+".log"))
		if err != nil {
			return nil, err
		}
		proc, err := devstack.StartProcess(p.name, logFile, env, o.Binary, p.args...)
		if err != nil {
			return nil, fmt.Errorf("start %s %s: %w", o.Binary, p.name, err)
		}
		s.processes[p.name] = proc
	}
	fmt.Fprintf(progress, "started %s api, worker, projector and perf baseline-server (logs in %s)\n", o.Binary, s.dir)
	for _, u := range []struct{ name, url string }{{procAPI, s.apiURL}, {procBaseline, s.baselineURL}} {
		if err := s.waitHealthy(ctx, u.name, u.url+"/healthz"); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// waitHealthy waits until url answers 200, failing when the process ends first.
func (s *system) waitHealthy(ctx context.Context, name, url string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if err := s.exited(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer %s within 2 minutes", name, url)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// exited is an error naming a process of the system that has ended.
func (s *system) exited() error {
	for name, p := range s.processes {
		select {
		case <-p.Exited():
			return fmt.Errorf("%s exited; see %s", name, filepath.Join(s.dir, name+".log"))
		default:
		}
	}
	if s.temporal != nil {
		select {
		case <-s.temporal.Exited():
			return fmt.Errorf("the Temporal dev server exited; see %s", filepath.Join(s.dir, "temporal.log"))
		default:
		}
	}
	return nil
}

// pids are the processes whose CPU and memory the report shows.
func (s *system) pids() map[string]int {
	pids := map[string]int{procPerf: os.Getpid(), procTemporal: s.temporal.Pid()}
	for name, p := range s.processes {
		pids[name] = p.Pid()
	}
	return pids
}

// cpu is the CPU seconds each process has used so far.
func (s *system) cpu() (map[string]float64, error) {
	out := map[string]float64{}
	for name, pid := range s.pids() {
		sec, err := cpuSeconds(pid)
		if err != nil {
			return nil, fmt.Errorf("CPU time of %s: %w", name, err)
		}
		out[name] = sec
	}
	return out, nil
}

// rss is the resident memory of orderflow's processes now.
func (s *system) rss() (map[string]int64, error) {
	out := map[string]int64{}
	for _, name := range orderflowProcesses {
		b, err := rssBytes(s.processes[name].Pid())
		if err != nil {
			return nil, fmt.Errorf("RSS of %s: %w", name, err)
		}
		out[name] = b
	}
	return out, nil
}

// stop ends everything the system started, drops its database and, unless keepLogs,
// removes its logs.
func (s *system) stop(keepLogs bool) error {
	var errs []error
	for name, p := range s.processes {
		if err := p.Stop(15 * time.Second); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	if s.temporal != nil {
		if err := s.temporal.Stop(15 * time.Second); err != nil {
			errs = append(errs, fmt.Errorf("temporal: %w", err))
		}
	}
	if s.dropDB != nil {
		if err := s.dropDB(); err != nil {
			errs = append(errs, fmt.Errorf("drop the run's database: %w", err))
		}
	}
	if !keepLogs {
		if err := os.RemoveAll(s.dir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// freshDatabase creates a database of its own on the server of serverURL and returns
// its connection string and a function that drops it.
func freshDatabase(ctx context.Context, serverURL string) (string, func() error, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", nil, fmt.Errorf("database URL: %w", err)
	}
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return "", nil, fmt.Errorf("PostgreSQL at %s: %w", u.Redacted(), err)
	}
	defer conn.Close(ctx)
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := "orderflow_perf_" + hex.EncodeToString(suffix)
	if _, err := conn.Exec(ctx, "create database "+name); err != nil {
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u.Path = "/" + name
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	drop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, serverURL)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "drop database if exists "+name+" with (force)")
		return err
	}
	return u.String(), drop, nil
}

func databaseName(connString string) string {
	u, err := url.Parse(connString)
	if err != nil {
		return "?"
	}
	return u.Host + u.Path
}
