package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/orderflow/orderflow/workflows"
)

const (
	requestIDHeader = "X-Request-Id"
	loggerKey       = "orderflow.logger"
)

// acceptableRequestID keeps client-sent ids safe to log and echo.
var acceptableRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestContext gives each request an id (the client's X-Request-Id when it is
// sane) and a logger carrying it, and logs the request when it is done.
func requestContext(base *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(requestIDHeader)
		if !acceptableRequestID.MatchString(id) {
			id = uuid.NewString()
		}
		c.Header(requestIDHeader, id)
		rl := &requestLog{base: base, id: id}
		c.Set(loggerKey, rl)
		start := time.Now()
		c.Next()
		attrs := [...]slog.Attr{slog.String("method", c.Request.Method), slog.String("route", route(c)),
			slog.String("path", c.Request.URL.Path), slog.Int("status", c.Writer.Status()),
			slog.Int64("duration_ms", time.Since(start).Milliseconds()), slog.String("principal", principalName(c))}
		if rl.log != nil {
			// The handler's logger may carry the order and workflow it acted on (correlate).
			rl.log.LogAttrs(c, slog.LevelInfo, "request", attrs[:]...)
			return
		}
		// The same line as from logger(c), without deriving a logger for one line.
		base.LogAttrs(c, slog.LevelInfo, "request", append([]slog.Attr{slog.String("request_id", id)}, attrs[:]...)...)
	}
}

// requestLog is a request's logger, derived from the process's (with the request id)
// only when a handler asks for it: most requests log nothing but their access line.
type requestLog struct {
	base *slog.Logger
	id   string
	log  *slog.Logger // base with the request id and what correlate added; nil until asked for
}

// correlate adds the order (and its workflow) a request acts on to the request's
// logger, so that its log lines can be joined with the workflow's and activities'.
func correlate(c *gin.Context, orderID uuid.UUID) {
	log := logger(c).With("order_id", orderID, "workflow_id", workflows.OrderWorkflowID(orderID))
	if rl, ok := c.Get(loggerKey); ok {
		rl.(*requestLog).log = log
	}
}

func logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(loggerKey); ok {
		rl := l.(*requestLog)
		if rl.log == nil {
			rl.log = rl.base.With("request_id", rl.id)
		}
		return rl.log
	}
	return slog.Default()
}

func requestID(c *gin.Context) string { return c.Writer.Header().Get(requestIDHeader) }

func principalName(c *gin.Context) string {
	if p, ok := c.Get(principalKey); ok {
		return p.(Principal).String()
	}
	return ""
}

// route is the matched route pattern (bounded cardinality for metrics), or "unmatched".
func route(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

// recoverProblem turns a panic into a logged 500 problem instead of a dropped connection.
func recoverProblem(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			logger(c).Error("panic serving request", "panic", fmt.Sprint(r))
			abort(c, fmt.Errorf("panic: %v", r))
		}
	}()
	c.Next()
}

// Metrics are the API's Prometheus collectors. Every label takes a bounded set of
// values whatever clients send: the method is one of the standard ones or "other",
// the route is the matched pattern or "unmatched", the status is its class (2xx, 4xx).
type Metrics struct {
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	throttled *prometheus.CounterVec
}

// NewMetrics registers the API's collectors with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderflow_http_requests_total", Help: "HTTP requests by route, method and status class.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "orderflow_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderflow_http_throttled_total",
			Help: "Requests refused by a limit: rate (429), waiters_per_principal (429), waiters (503).",
		}, []string{"limit"}),
	}
	reg.MustRegister(m.requests, m.duration, m.throttled)
	return m
}

func (m *Metrics) middleware(c *gin.Context) {
	start := time.Now()
	c.Next()
	r, method := route(c), metricMethod(c.Request.Method)
	m.requests.WithLabelValues(r, method, statusClass(c.Writer.Status())).Inc()
	m.duration.WithLabelValues(r, method).Observe(time.Since(start).Seconds())
}

// metricMethod is the request's method when it is a standard one, else "other": the
// method is whatever token the client sends, and each new label value is a new series.
func metricMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// statusClass is 2xx, 3xx, 4xx or 5xx.
func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status/100) + "xx"
}
