// Package api is orderflow's HTTP interface (Gin): commands go in and become events or
// workflows, queries read the projections. Errors are RFC 9457 problem+json, mapped
// from typed errors in one place (problem.go).
package api

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Deps is what the API needs. Each command or query set is an interface declared here,
// where it is used.
type Deps struct {
	Consumers   ConsumerCommands
	Restaurants RestaurantCommands
	Orders      OrderCommands
	Tickets     TicketCommands
	Queries     OrderQueries
	Pool        *pgxpool.Pool // idempotency keys
	Tokens      Tokens
	Logger      *slog.Logger
	Registry    *prometheus.Registry
	// Ready are the readiness checks (PostgreSQL, Temporal) by name.
	Ready map[string]func(context.Context) error
}

// NewHandler builds the HTTP handler with every route of the API.
func NewHandler(d Deps) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	metrics := NewMetrics(d.Registry)
	// recoverProblem is innermost, so that a request whose handler panicked is still
	// counted and logged (as the 500 it became) by the middleware around it.
	r.Use(requestContext(d.Logger), metrics.middleware, recoverProblem)
	r.NoRoute(func(c *gin.Context) { abort(c, errNotFound("no such resource: "+c.Request.URL.Path)) })
	r.NoMethod(func(c *gin.Context) {
		abort(c, &httpError{http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed",
			c.Request.Method + " is not allowed here", nil})
	})

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", readiness(d.Ready))
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{})))
	r.GET("/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", openAPISpec) })

	v1 := r.Group("/v1", authenticate(d.Tokens), idempotency(d.Pool))
	consumers{d.Consumers}.routes(v1)
	restaurants{d.Restaurants}.routes(v1)
	orders{d.Orders, d.Queries}.routes(v1)
	tickets{d.Tickets, d.Queries}.routes(v1)
	return r
}

// readiness runs every check at once, each within its own 2 s, so that one hanging
// dependency neither hangs the probe nor makes the others look down.
func readiness(checks map[string]func(context.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		errs := make(map[string]error, len(checks))
		var mu sync.Mutex
		var wg sync.WaitGroup
		for name, check := range checks {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
				defer cancel()
				err := check(ctx)
				mu.Lock()
				defer mu.Unlock()
				errs[name] = err
			})
		}
		wg.Wait()
		status, results := http.StatusOK, gin.H{}
		for name, err := range errs {
			if err != nil {
				// The reason goes to the log, not to an unauthenticated caller.
				logger(c).Warn("readiness check failed", "check", name, "err", err)
				status, results[name] = http.StatusServiceUnavailable, "unavailable"
			} else {
				results[name] = "ok"
			}
		}
		c.JSON(status, gin.H{"status": http.StatusText(status), "checks": results})
	}
}
