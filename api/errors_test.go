package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/projections"
)

func TestUnknownRouteIsAProblem(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, path := range []string{"/nope", "/v1/nope", "/v2/orders", "/v1/orders/" + uuid.NewString() + "/explode"} {
		t.Run(path, func(t *testing.T) {
			p := requireProblem(t, h.get(path, h.admin()), http.StatusNotFound, "not-found")
			require.Contains(t, p.Detail, path)
		})
	}
}

func TestWrongMethodIsAProblem(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		method, path, allow string
	}{
		{http.MethodGet, "/v1/consumers", "POST"},
		{http.MethodDelete, "/v1/orders/" + uuid.NewString(), "GET"},
		{http.MethodPut, "/v1/orders", "POST"},
		{http.MethodGet, "/v1/tickets/" + uuid.NewString() + "/accept", "POST"},
		{http.MethodPost, "/healthz", "GET"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			h.nothingWritten(func() {
				rec := h.serve(request{Method: tt.method, Path: tt.path, Token: h.admin()})
				p := requireProblem(t, rec, http.StatusMethodNotAllowed, "method-not-allowed")
				require.Contains(t, p.Detail, tt.method)
				require.Equal(t, tt.allow, rec.Header().Get("Allow"))
			})
		})
	}
}

func TestPanicIsAProblem(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.engine().GET("/boom", func(*gin.Context) { panic("kaboom: secret internals") })

	rec := h.serve(request{Method: http.MethodGet, Path: "/boom", Header: map[string]string{"X-Request-Id": "panic-1"}})
	p := requireProblem(t, rec, http.StatusInternalServerError, "internal")
	require.NotContains(t, rec.Body.String(), "kaboom", "internals stay on the server")
	require.Empty(t, p.Code)
	require.Equal(t, "panic-1", rec.Header().Get("X-Request-Id"))

	// The server goes on serving, and the failure is counted.
	require.Equal(t, http.StatusOK, h.get("/healthz", "").Code)
	require.Contains(t, h.adminGet("/metrics").Body.String(),
		`orderflow_http_requests_total{method="GET",route="/boom",status="5xx"} 1`)
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	rec := h.get("/healthz", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.JSONEq(t, `{"status":"ok"}`, rec.Body.String())
}

// The projections' status is on the admin listener: lag, and a stop with its event.
func TestProjectionStatusIsOnTheAdminListener(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	rec := h.adminGet("/projections")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var body struct {
		Status      string               `json:"status"`
		Projections []projections.Status `json:"projections"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Equal(t, "ok", body.Status)
	require.Len(t, body.Projections, len(projections.Names()))
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	rec := h.adminGet("/readyz")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.JSONEq(t, `{"status":"OK","checks":{"postgres":"ok"}}`, rec.Body.String())

	failing := newHarness(t, func(d *api.Deps) {
		d.Ready["temporal"] = func(context.Context) error { return errors.New("temporal: connection refused") }
	})
	rec = failing.adminGet("/readyz")
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	// Why it failed is logged, not shown to an unauthenticated caller.
	require.JSONEq(t, `{"status":"Service Unavailable","checks":{"postgres":"ok","temporal":"unavailable"}}`, rec.Body.String())

	// A check that hangs is cut off by the readiness timeout rather than hanging the probe.
	hanging := newHarness(t, func(d *api.Deps) {
		d.Ready["temporal"] = func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	})
	rec = hanging.adminGet("/readyz")
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.JSONEq(t, `{"status":"Service Unavailable","checks":{"postgres":"ok","temporal":"unavailable"}}`, rec.Body.String())
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	require.Equal(t, http.StatusCreated, h.post("/v1/consumers", h.admin(), validConsumer()).Code)
	require.Equal(t, http.StatusCreated, h.post("/v1/consumers", h.admin(), validConsumer()).Code)
	require.Equal(t, http.StatusUnauthorized, h.post("/v1/consumers", "", validConsumer()).Code)
	require.Equal(t, http.StatusNotFound, h.get("/v1/orders/"+uuid.NewString()+"/events", h.admin()).Code)
	require.Equal(t, http.StatusNotFound, h.get("/no/such/thing", "").Code)

	rec := h.adminGet("/metrics")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Header().Get("Content-Type"), "text/plain")
	body := rec.Body.String()
	for _, line := range []string{
		`orderflow_http_requests_total{method="POST",route="/v1/consumers",status="2xx"} 2`,
		`orderflow_http_requests_total{method="POST",route="/v1/consumers",status="4xx"} 1`,
		`orderflow_http_requests_total{method="GET",route="/v1/orders/:id/events",status="4xx"} 1`,
		`orderflow_http_requests_total{method="GET",route="unmatched",status="4xx"} 1`,
		`orderflow_http_request_duration_seconds_count{method="POST",route="/v1/consumers"} 3`,
	} {
		require.Contains(t, body, line)
	}
	// Routes are patterns, never raw paths with ids in them (bounded cardinality).
	require.NotRegexp(t, regexp.MustCompile(`route="[^"]*[0-9a-f]{8}-[0-9a-f]{4}-`), body)
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	rec := h.serve(request{Method: http.MethodGet, Path: "/healthz", Header: map[string]string{"X-Request-Id": "client-abc_123.4"}})
	require.Equal(t, "client-abc_123.4", rec.Header().Get("X-Request-Id"))

	// Errors carry it too, even before authentication.
	rec = h.serve(request{Method: http.MethodGet, Path: "/v1/orders/" + uuid.NewString(), Header: map[string]string{"X-Request-Id": "req-401"}})
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Equal(t, "req-401", rec.Header().Get("X-Request-Id"))

	// None, or one unsafe to log, gets a fresh uuid.
	for _, sent := range []string{"", "has spaces", "new\nline", strings.Repeat("x", 65)} {
		rec := h.serve(request{Method: http.MethodGet, Path: "/healthz", Header: map[string]string{"X-Request-Id": sent}})
		got := rec.Header().Get("X-Request-Id")
		_, err := uuid.Parse(got)
		require.NoError(t, err, "sent %q, got %q", sent, got)
	}
}
