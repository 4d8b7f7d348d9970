package api

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// Limits bound what one principal, and all of them together, may take of the API.
// Zero fields take the defaults below.
type Limits struct {
	// Rate is how many requests per second one principal may make on average, and
	// Burst how many it may make at once (a token bucket, golang.org/x/time/rate).
	// rate.Inf turns the limit off.
	Rate  rate.Limit
	Burst int
	// MaxVersionWait bounds how long one GET /v1/orders/:id?min_version=N waits for the
	// read model (at most projections.MaxWait).
	MaxVersionWait time.Duration
	// MaxWaiters bounds the ?min_version= reads waiting at once in this process (more
	// are answered 503), and MaxWaitersPerPrincipal those of one principal (429).
	MaxWaiters             int
	MaxWaitersPerPrincipal int
}

// The defaults of Limits. A consumer's app or a restaurant's tablet makes a request
// every second or so; 20 a second, 40 at once, is far beyond that and still keeps one
// token from flooding the API, the database and Temporal.
const (
	DefaultRate                   rate.Limit = 20
	DefaultBurst                             = 40
	DefaultMaxVersionWait                    = 5 * time.Second
	DefaultMaxWaiters                        = 256
	DefaultMaxWaitersPerPrincipal            = 4
)

func (l Limits) withDefaults() Limits {
	if l.Rate <= 0 {
		l.Rate = DefaultRate
	}
	if l.Burst <= 0 {
		l.Burst = DefaultBurst
	}
	if l.MaxVersionWait <= 0 {
		l.MaxVersionWait = DefaultMaxVersionWait
	}
	if l.MaxWaiters <= 0 {
		l.MaxWaiters = DefaultMaxWaiters
	}
	if l.MaxWaitersPerPrincipal <= 0 {
		l.MaxWaitersPerPrincipal = DefaultMaxWaitersPerPrincipal
	}
	return l
}

// limitKey is whose budget a request spends: the consumer's or the restaurant's
// (every token of one consumer shares one budget, whatever its subject), or the
// admin's or courier's subject.
func limitKey(p Principal) string {
	switch p.Role {
	case RoleConsumer:
		return "consumer:" + p.ConsumerID.String()
	case RoleRestaurant:
		return "restaurant:" + p.RestaurantID.String()
	}
	return p.String()
}

// errTooManyRequests is a 429 whose Retry-After the caller sets.
func errTooManyRequests(detail string) error {
	return &httpError{http.StatusTooManyRequests, "too-many-requests", "Too many requests", detail, nil}
}

func errBusy(detail string) error {
	return &httpError{http.StatusServiceUnavailable, "server-busy", "Server busy", detail, nil}
}

// refuseFor answers err (a 429 or 503) with Retry-After: after, in whole seconds.
func refuseFor(c *gin.Context, after time.Duration, err error) {
	c.Header("Retry-After", strconv.Itoa(max(1, int(math.Ceil(after.Seconds())))))
	abort(c, err)
}

// principalRates is one token bucket per principal. Buckets that have filled up again
// are forgotten (a new one starts full, which is the same), so the map holds only the
// principals active in the last few seconds.
type principalRates struct {
	limit rate.Limit
	burst int

	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	lastSweep time.Time
}

const sweepEvery = time.Minute

func newPrincipalRates(limit rate.Limit, burst int) *principalRates {
	return &principalRates{limit: limit, burst: burst, buckets: map[string]*rate.Limiter{}, lastSweep: time.Now()}
}

// take spends one request of key's budget at now; when there is none, it spends
// nothing and says how long until there is.
func (r *principalRates) take(key string, now time.Time) (wait time.Duration) {
	r.mu.Lock()
	b, ok := r.buckets[key]
	if !ok {
		b = rate.NewLimiter(r.limit, r.burst)
		r.buckets[key] = b
	}
	if now.Sub(r.lastSweep) >= sweepEvery {
		r.lastSweep = now
		for k, other := range r.buckets {
			if other.TokensAt(now) >= float64(r.burst) {
				delete(r.buckets, k)
			}
		}
		r.buckets[key] = b
	}
	r.mu.Unlock()
	res := b.ReserveN(now, 1)
	if !res.OK() {
		return time.Hour // a burst below 1: nothing is ever allowed
	}
	if wait = res.DelayFrom(now); wait > 0 {
		res.CancelAt(now) // refused: give the token back
	}
	return wait
}

// rateLimit spends one request of the principal's budget, or answers 429 with
// Retry-After. It runs after authentication and before anything that reads the body
// or writes: a refused request costs nothing and leaves nothing behind (its
// Idempotency-Key stays unused).
func rateLimit(limits Limits, m *Metrics) gin.HandlerFunc {
	if limits.Rate == rate.Inf {
		return func(c *gin.Context) { c.Next() }
	}
	rates := newPrincipalRates(limits.Rate, limits.Burst)
	detail := fmt.Sprintf("at most %g requests a second (%d at once) per principal: retry after the time in Retry-After",
		float64(limits.Rate), limits.Burst)
	return func(c *gin.Context) {
		if wait := rates.take(limitKey(principal(c)), time.Now()); wait > 0 {
			m.throttled.WithLabelValues("rate").Inc()
			refuseFor(c, wait, errTooManyRequests(detail))
			return
		}
		c.Next()
	}
}

// waiters counts the reads waiting for a version (?min_version=), in all and per
// principal, so that waits cannot pile up: each holds a request and polls the database.
type waiters struct {
	max, perPrincipal int
	m                 *Metrics

	mu    sync.Mutex
	total int
	by    map[string]int
}

func newWaiters(l Limits, m *Metrics) *waiters {
	return &waiters{max: l.MaxWaiters, perPrincipal: l.MaxWaitersPerPrincipal, m: m, by: map[string]int{}}
}

// enter admits one more waiter of key, or says why not: a 429 when key already has
// its share waiting, a 503 when the process has. release must be called once the
// wait is over.
func (w *waiters) enter(key string) (release func(), err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.by[key] >= w.perPrincipal:
		w.m.throttled.WithLabelValues("waiters_per_principal").Inc()
		return nil, errTooManyRequests(fmt.Sprintf("at most %d reads with min_version may wait at once per principal", w.perPrincipal))
	case w.total >= w.max:
		w.m.throttled.WithLabelValues("waiters").Inc()
		return nil, errBusy("too many reads with min_version are waiting: retry after the time in Retry-After, or read without min_version")
	}
	w.total++
	w.by[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.total--
			if w.by[key]--; w.by[key] == 0 {
				delete(w.by, key)
			}
		})
	}, nil
}
