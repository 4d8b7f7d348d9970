// Package api is orderflow's HTTP interface (Gin): commands go in and become events or
// workflows, queries read the projections. Errors are RFC 9457 problem+json, mapped
// from typed errors in one place (problem.go).
package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/orderflow/orderflow/api/openapi"
	"github.com/orderflow/orderflow/projections"
)

// Deps is what the API needs. Each command or query set is an interface declared here,
// where it is used.
type Deps struct {
	Consumers   ConsumerCommands
	Restaurants RestaurantCommands
	Orders      OrderCommands
	Tickets     TicketCommands
	Queries     Queries
	Pool        *pgxpool.Pool // idempotency keys
	Tokens      Tokens
	Logger      *slog.Logger
	// Registry receives the API's metrics, and NewAdminHandler serves it: give both
	// the same one.
	Registry *prometheus.Registry
	// Ready are the readiness checks (PostgreSQL, Temporal) by name, served by
	// NewAdminHandler.
	Ready map[string]func(context.Context) error
	// Projections reports the read models' status (projections.Statuses), served by
	// NewAdminHandler at /projections; nil serves 404 there.
	Projections func(context.Context) ([]projections.Status, error)
	// Limits bound each principal's requests and the reads waiting for a version;
	// the zero value is the defaults.
	Limits Limits
	// Idempotency sets how long Idempotency-Key keys are kept and leased; the zero
	// value is the defaults.
	Idempotency IdempotencyOptions
	// Pprof serves Go's profiles (net/http/pprof) at /debug/pprof/ on the admin
	// handler, for profiling a running API; never on the API's own handler. Off by
	// default: a profile shows the program's internals and costs CPU while it runs.
	Pprof bool
}

// NewHandler builds the HTTP handler with every route of the API: /v1, /healthz (for
// load balancers) and /openapi.yaml. Metrics and readiness are not among them: they
// say how the service is doing, which is no business of its clients, and are served
// by NewAdminHandler on a listener of their own.
func NewHandler(d Deps) http.Handler {
	r := newEngine()
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	metrics := NewMetrics(d.Registry)
	limits := d.Limits.withDefaults()
	// recoverProblem is innermost, so that a request whose handler panicked is still
	// counted and logged (as the 500 it became) by the middleware around it.
	r.Use(requestContext(d.Logger), metrics.middleware, recoverProblem)
	problemsForUnrouted(r)

	r.GET("/healthz", healthz)
	r.GET("/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", openAPISpec) })

	// The rate limit comes after authentication (it is per principal) and before
	// idempotency (a refused request must not take up its key). The group is the
	// root's: the generated routes carry the document's /v1 prefix themselves, and they
	// are the only routes registered on it.
	v1 := r.Group("", authenticate(newVerifiedTokens(d.Tokens, verifiedTokensCached, time.Now)), rateLimit(limits, metrics), idempotency(d.Pool, d.Idempotency))
	openapi.RegisterHandlersWithOptions(v1, handlers{
		consumerHandlers{d.Consumers, d.Queries},
		restaurantHandlers{d.Restaurants, d.Queries},
		orderHandlers{commands: d.Orders, queries: d.Queries, waiters: newWaiters(limits, metrics), maxWait: limits.MaxVersionWait},
		ticketHandlers{d.Tickets, d.Queries},
	}, openapi.GinServerOptions{ErrorHandler: refuseParameter})
	return r
}

// NewAdminHandler serves what operators and their tools need, on a listener apart
// from the API's (orderflow api --admin-addr, by default on 127.0.0.1 only):
// /metrics (d.Registry), /readyz (d.Ready), /projections (d.Projections), /healthz and,
// when d.Pprof, /debug/pprof/. None of it authenticates.
func NewAdminHandler(d Deps) http.Handler {
	r := newEngine()
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	r.Use(requestContext(d.Logger), recoverProblem)
	problemsForUnrouted(r)
	r.GET("/healthz", healthz)
	r.GET("/readyz", readiness(d.Ready))
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{})))
	if d.Projections != nil {
		r.GET("/projections", projectionStatus(d.Projections))
	}
	if d.Pprof {
		servePprof(r)
	}
	return r
}

// servePprof routes net/http/pprof's handlers: the index and the named profiles under
// /debug/pprof/, and the ones with handlers of their own (CPU profile, trace, ...).
func servePprof(r *gin.Engine) {
	r.GET("/debug/pprof/", gin.WrapF(pprof.Index))
	r.GET("/debug/pprof/cmdline", gin.WrapF(pprof.Cmdline))
	r.GET("/debug/pprof/profile", gin.WrapF(pprof.Profile))
	r.GET("/debug/pprof/symbol", gin.WrapF(pprof.Symbol))
	r.POST("/debug/pprof/symbol", gin.WrapF(pprof.Symbol))
	r.GET("/debug/pprof/trace", gin.WrapF(pprof.Trace))
	// pprof.Index serves the named profiles (heap, goroutine, allocs, ...) by path.
	r.GET("/debug/pprof/:profile", gin.WrapF(pprof.Index))
}

// projectionStatus shows how each read model is doing: lag, and where and why one is
// stopped. A stopped projection does not make the API unready (it serves the view as it
// stands, and a ?min_version read says when it is behind), so this is where operators
// and their alerts look, with orderflow_projection_stopped.
func projectionStatus(statuses func(context.Context) ([]projections.Status, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		all, err := statuses(c.Request.Context())
		if err != nil {
			abort(c, err)
			return
		}
		status := "ok"
		for _, st := range all {
			if st.Stopped != nil {
				status = "stopped"
			}
		}
		c.JSON(http.StatusOK, gin.H{"status": status, "projections": all})
	}
}

// newEngine is a gin engine that answers every request itself, as problem+json when
// it is refused: no redirects (gin's default answers a path with a trailing slash, or
// one in the wrong case, with a 301 or 307 and a text/html body), and 405 with Allow
// for a known path and another method.
func newEngine() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	return r
}

// problemsForUnrouted answers unknown paths (404) and methods (405) with problems.
func problemsForUnrouted(r *gin.Engine) {
	r.NoRoute(func(c *gin.Context) { abort(c, errNotFound("no such resource: "+c.Request.URL.Path)) })
	r.NoMethod(func(c *gin.Context) {
		abort(c, &httpError{http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed",
			c.Request.Method + " is not allowed here", nil})
	})
}

// healthz is liveness: the process serves HTTP. It says nothing more, so it may be
// public (load balancers probe it on the API's port).
func healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

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
