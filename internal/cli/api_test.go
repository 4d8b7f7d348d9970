package cli

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/orderflow/orderflow/api"
)

// RATE_LIMIT and RATE_BURST become the API's limits; 0 turns the rate limit off, and
// nonsense is refused before anything starts.
func TestAPILimitsFromConfig(t *testing.T) {
	t.Setenv("RATE_LIMIT", "")
	t.Setenv("RATE_BURST", "")
	cfg, err := loadConfig()
	require.NoError(t, err)
	limits, err := cfg.apiLimits()
	require.NoError(t, err)
	require.Equal(t, api.Limits{Rate: 20, Burst: 40}, limits, "the defaults")
	require.Equal(t, "127.0.0.1:9090", cfg.AdminAddr, "the admin listener is on loopback by default")

	cfg.RateLimit, cfg.RateBurst = 0, 0
	limits, err = cfg.apiLimits()
	require.NoError(t, err)
	require.Equal(t, rate.Inf, limits.Rate)

	cfg.RateLimit, cfg.RateBurst = 5, 0
	_, err = cfg.apiLimits()
	require.ErrorContains(t, err, "RATE_BURST")
	cfg.RateLimit = -1
	_, err = cfg.apiLimits()
	require.ErrorContains(t, err, "RATE_LIMIT")
}

// `orderflow api` serves the API and the admin handler on their own listeners, stops
// both when it is stopped, and fails when either cannot listen.
func TestServeAPIAndAdminApart(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	apiAddr, adminAddr := freeAddr(t), freeAddr(t)
	say := func(what string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, what) })
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveAPI(ctx, apiAddr, say("api"), adminAddr, say("admin"), quiet) }()
	require.Eventually(t, func() bool { return body(apiAddr) == "api" && body(adminAddr) == "admin" }, 5*time.Second, 20*time.Millisecond)
	cancel()
	require.NoError(t, <-done)

	// A busy admin address is an error naming it, and the API does not stay up alone.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	err = serveAPI(context.Background(), freeAddr(t), say("api"), busy.Addr().String(), say("admin"), quiet)
	require.ErrorContains(t, err, "admin listener on "+busy.Addr().String())
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

func body(addr string) string {
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
