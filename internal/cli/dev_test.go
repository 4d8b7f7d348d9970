package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/integration"
	"github.com/orderflow/orderflow/internal/devstack"
	"github.com/orderflow/orderflow/internal/natstest"
	"github.com/orderflow/orderflow/internal/pgtest"
	"github.com/orderflow/orderflow/notifier"
)

// `orderflow dev` as a user runs it: it prints the API, admin, Temporal UI and token
// lines, everything it started answers (metrics and readiness on the admin listener
// only), and SIGTERM stops it all and frees every port.
func TestDevStackStartsAndStopsCleanly(t *testing.T) {
	cli, err := devstack.TemporalCLI()
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.Chmod(filepath.Dir(dir), 0o755)) // the throwaway cluster runs as postgres when we are root
	require.NoError(t, os.Chmod(dir, 0o755))
	bin := filepath.Join(dir, "orderflow")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/orderflow")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	ports, cmd, lines := startDev(t, []string{"api", "admin", "temporal", "ui", "postgres", "nats"}, func(ports map[string]int) *exec.Cmd {
		cmd := exec.Command(bin, "dev", "--dir", filepath.Join(dir, "dev"),
			"--api-port", strconv.Itoa(ports["api"]), "--admin-port", strconv.Itoa(ports["admin"]), "--temporal-port", strconv.Itoa(ports["temporal"]),
			"--ui-port", strconv.Itoa(ports["ui"]), "--postgres-port", strconv.Itoa(ports["postgres"]), "--nats-port", strconv.Itoa(ports["nats"]))
		cmd.Env = append(withoutStackURLs(os.Environ()), "ORDERFLOW_TEMPORAL_BIN="+cli)
		return cmd
	})
	require.Equal(t, "http://127.0.0.1:"+strconv.Itoa(ports["api"]), lines["API"])
	require.Equal(t, "http://127.0.0.1:"+strconv.Itoa(ports["admin"]), lines["Admin"])
	require.Equal(t, "http://127.0.0.1:"+strconv.Itoa(ports["ui"]), lines["Temporal UI"])
	require.Equal(t, "nats://127.0.0.1:"+strconv.Itoa(ports["nats"]), lines["NATS"])
	require.NotEmpty(t, lines["Token"])

	requireOK(t, lines["Admin"]+"/readyz", "")
	requireOK(t, lines["Admin"]+"/metrics", "")
	requireOK(t, lines["API"]+"/healthz", "")
	requireStatus(t, lines["API"]+"/metrics", "", http.StatusNotFound)
	requireOK(t, lines["API"]+"/v1/consumers/"+"00000000-0000-4000-8000-000000000000"+"/orders", lines["Token"])
	requireOK(t, lines["Temporal UI"], "")
	// The embedded NATS server has JetStream, and the relay made its stream at start;
	// the notifier's consumer is on it.
	_, js := natstest.Connect(t, lines["NATS"])
	require.Eventually(t, func() bool {
		_, err := js.Consumer(context.Background(), integration.DefaultStream, notifier.DefaultDurable)
		return err == nil
	}, 30*time.Second, 100*time.Millisecond, "the relay's stream and the notifier's consumer")

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "orderflow dev should exit 0 on SIGTERM")
	case <-time.After(60 * time.Second):
		t.Fatal("orderflow dev did not stop within 60 s of SIGTERM")
	}
	for name, port := range ports {
		require.NoError(t, devstack.CheckFree(name, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), "still in use after stop"))
	}
}

func requireOK(t *testing.T, url, token string) {
	t.Helper()
	requireStatus(t, url, token, http.StatusOK)
}

func requireStatus(t *testing.T, url, token string, status int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, status, resp.StatusCode, url)
}

func withoutStackURLs(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "DATABASE_URL=") && !strings.HasPrefix(kv, "NATS_URL=") {
			out = append(out, kv)
		}
	}
	return out
}

// Killed outright (no chance to clean up), the dev stack still takes its Temporal
// server with it.
func TestDevStackKilledLeavesNoTemporalServer(t *testing.T) {
	cli, err := devstack.TemporalCLI()
	require.NoError(t, err)
	dir := t.TempDir()
	bin := filepath.Join(dir, "orderflow")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/orderflow")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	// DATABASE_URL points at a schema of its own in the test database, so no cluster is
	// made: only Temporal (and NATS, in the process). Not the database's public schema,
	// which other checkouts' tests on this machine may have migrated further.
	schema := pgtest.NewSchema(t)
	ports, cmd, _ := startDev(t, []string{"api", "admin", "temporal", "ui", "nats"}, func(ports map[string]int) *exec.Cmd {
		cmd := exec.Command(bin, "dev", "--dir", filepath.Join(dir, "dev"), "--api-port", strconv.Itoa(ports["api"]),
			"--admin-port", strconv.Itoa(ports["admin"]), "--temporal-port", strconv.Itoa(ports["temporal"]),
			"--ui-port", strconv.Itoa(ports["ui"]), "--nats-port", strconv.Itoa(ports["nats"]))
		cmd.Env = append(withoutStackURLs(os.Environ()), "ORDERFLOW_TEMPORAL_BIN="+cli, "DATABASE_URL="+schema.URL())
		return cmd
	})
	temporalPort := ports["temporal"]
	temporalAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(temporalPort))
	require.Error(t, devstack.CheckFree("Temporal", temporalAddr, ""), "Temporal should be up")

	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	require.Eventually(t, func() bool { return devstack.CheckFree("Temporal", temporalAddr, "") == nil },
		30*time.Second, 100*time.Millisecond, "the Temporal server outlived the killed dev stack")
}

// startDev starts `orderflow dev` from command, given a free port for each name, and
// reads what it prints up to its Token line. A port is only free when it is picked:
// should something take one before the dev stack binds it, the stack fails at start,
// and it is started again on other ports (three tries).
func startDev(t *testing.T, names []string, command func(ports map[string]int) *exec.Cmd) (map[string]int, *exec.Cmd, map[string]string) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		ports := map[string]int{}
		for _, name := range names {
			port, err := devstack.FreePort()
			require.NoError(t, err)
			ports[name] = port
		}
		cmd := command(ports)
		var stderr bytes.Buffer
		cmd.Stderr = io.MultiWriter(os.Stderr, &stderr)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill() }) // the dev stack's children die with it (Pdeathsig)

		lines := map[string]string{}
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			if key, value, ok := strings.Cut(scanner.Text(), ": "); ok {
				lines[key] = value
			}
			if _, ok := lines["Token"]; ok {
				return ports, cmd, lines
			}
		}
		err = cmd.Wait()
		portTaken := strings.Contains(stderr.String(), " is busy (") || strings.Contains(stderr.String(), "address already in use")
		require.Truef(t, portTaken && attempt < 3, "orderflow dev ended before it was ready (%v)", err)
		t.Logf("a port was taken before orderflow dev bound it; again on other ports")
	}
}
