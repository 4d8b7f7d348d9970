// Package load places orders against a running orderflow API, at a target rate or
// concurrency and in a mix of outcomes (approved, declined for credit, rejected by the
// restaurant, canceled and revised by the consumer, delivered by a courier), waits for each to settle, and
// reports how many settled where, how fast, and what went wrong. `orderflow load` runs
// it from the command line; the chaos suite runs it under its faults.
//
// It speaks only HTTP (through internal/apiclient), as the API's own clients do: it
// creates its own consumers and restaurants, with names unique to the run, and acts as
// each of them with tokens minted for the API's secret.
package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	openapitypes "github.com/oapi-codegen/runtime/types"

	"github.com/orderflow/orderflow/api/openapi"
	"github.com/orderflow/orderflow/internal/apiclient"
	"github.com/orderflow/orderflow/internal/demo"
)

// Defaults of Config's fields left zero.
const (
	DefaultOrders           = 100
	DefaultConcurrency      = 10
	DefaultSettleTimeout    = 60 * time.Second
	DefaultCancelWithin     = time.Second
	DefaultConsumers        = 10
	DefaultPollInterval     = 50 * time.Millisecond
	DefaultRequestTimeout   = 15 * time.Second
	DefaultProgressInterval = time.Second
)

// Config is a load run. Zero fields take the defaults above.
type Config struct {
	// BaseURL is the API's, such as http://127.0.0.1:8080.
	BaseURL string
	// HTTP sends every request; nil for a client with a connection pool sized for the
	// load and RequestTimeout.
	HTTP *http.Client
	// Tokens mints the tokens the load acts with: an admin's to set up and read orders,
	// each consumer's to place, cancel and revise its orders, the restaurants' to answer
	// and hand over their tickets, couriers' to report deliveries (demo.SignedTokens
	// with the API's secret).
	Tokens demo.Tokens

	// Orders is how many orders to place, and Duration how long to place them for: the
	// run stops placing at whichever comes first (DefaultOrders when both are zero),
	// then waits for the orders in flight to settle.
	Orders   int
	Duration time.Duration
	// Rate starts orders at this many per second; Concurrency bounds the orders in
	// flight (placed and not yet settled). With Rate zero the run keeps Concurrency
	// orders in flight (DefaultConcurrency when zero); with Rate set, zero Concurrency
	// means no bound.
	Rate        float64
	Concurrency int
	// Mix is the share of each kind of order (ParseMix(DefaultMix) when nil).
	Mix Mix

	// SettleTimeout bounds the time from placing an order to seeing it settled; an
	// order that takes longer fails as "not settled".
	SettleTimeout time.Duration
	// CancelWithin: a canceled order is canceled at a random moment up to this long
	// after it was placed.
	CancelWithin time.Duration
	// Consumers is how many consumers with ample credit (and as many without) the
	// orders are spread over.
	Consumers int
	// PollInterval is how often an order in flight is read (and a request the saga is
	// not ready for is sent again); it bounds the precision of the latencies.
	PollInterval time.Duration
	// RequestTimeout bounds each HTTP request when HTTP is nil; a request that times
	// out is retried (a POST with its Idempotency-Key).
	RequestTimeout time.Duration
	// ProgressInterval is how often Run writes its progress line.
	ProgressInterval time.Duration
	// Placing, when set, is called once the run's consumers and restaurants are set
	// up, just before the first order is placed: where a measurement of the orders
	// alone starts.
	Placing func()
}

func (c Config) withDefaults() (Config, error) {
	switch {
	case c.BaseURL == "":
		return c, errors.New("load: no API base URL")
	case c.Tokens == nil:
		return c, errors.New("load: no tokens to act with")
	case c.Orders < 0:
		return c, fmt.Errorf("orders is %d, want 0 or more", c.Orders)
	case c.Duration < 0:
		return c, fmt.Errorf("duration is %s, want 0 or more", c.Duration)
	case c.Rate < 0:
		return c, fmt.Errorf("rate is %g, want 0 or more", c.Rate)
	case c.Concurrency < 0:
		return c, fmt.Errorf("concurrency is %d, want 0 or more", c.Concurrency)
	case c.SettleTimeout < 0 || c.CancelWithin < 0 || c.PollInterval < 0 || c.RequestTimeout < 0 || c.ProgressInterval < 0:
		return c, errors.New("timeouts and intervals must not be negative")
	case c.Consumers < 0:
		return c, fmt.Errorf("consumers is %d, want 1 or more", c.Consumers)
	}
	if c.Orders == 0 && c.Duration == 0 {
		c.Orders = DefaultOrders
	}
	if c.Rate == 0 && c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Mix == nil {
		c.Mix, _ = ParseMix(DefaultMix)
	} else if err := c.Mix.Validate(); err != nil {
		return c, err
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.SettleTimeout, DefaultSettleTimeout)
	def(&c.CancelWithin, DefaultCancelWithin)
	def(&c.PollInterval, DefaultPollInterval)
	def(&c.RequestTimeout, DefaultRequestTimeout)
	def(&c.ProgressInterval, DefaultProgressInterval)
	if c.Consumers == 0 {
		c.Consumers = DefaultConsumers
	}
	return c, nil
}

// Run sets up consumers and restaurants through the API, places orders as cfg says,
// waits for each to settle, and reports. It writes a progress line to progress (nil
// for none) every ProgressInterval, rewriting it in place on a terminal.
//
// Orders that fail are in the report (Report.Err says whether any did); Run's error is
// for a run that could not start (bad configuration, an API that cannot be set up) or
// was interrupted by ctx, in which case the report holds what happened until then.
func Run(ctx context.Context, cfg Config, progress io.Writer) (Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Report{}, err
	}
	if progress == nil {
		progress = io.Discard
	}
	httpClient := cfg.HTTP
	if httpClient == nil {
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.MaxIdleConnsPerHost = 1024 // keep connections for every order in flight
		defer transport.CloseIdleConnections()
		httpClient = &http.Client{Transport: transport, Timeout: cfg.RequestTimeout}
	}
	base := apiclient.New(cfg.BaseURL, "", httpClient)
	base.PollInterval = cfg.PollInterval
	l := &loader{cfg: cfg, base: base, retries: map[string]int{}}
	if err := l.setup(ctx); err != nil {
		return Report{}, fmt.Errorf("set up the load's consumers and restaurants at %s: %w", cfg.BaseURL, err)
	}
	if cfg.Placing != nil {
		cfg.Placing()
	}
	started := time.Now()
	stop := l.showProgress(progress, started)
	l.placeAll(ctx)
	elapsed := time.Since(started)
	stop()
	return l.report(started, elapsed), ctx.Err()
}

// loader is one run.
type loader struct {
	cfg  Config
	base *apiclient.Client
	w    world
	seq  atomic.Int64 // spreads orders over the consumers

	placed, settled, failed, inFlight atomic.Int64

	mu      sync.Mutex
	results []result
	retries map[string]int
}

// world is what the run orders from: its own consumers and restaurants.
type world struct {
	rich, broke    []uuid.UUID // consumers with ample credit, and with less than any order
	auto, byHand   uuid.UUID   // a restaurant that accepts by itself, one that answers through the API
	margheritaCost int64
}

var menu = []openapi.MenuItemRequest{
	{ID: "margherita", Name: "Pizza Margherita", PriceCents: 900},
	{ID: "tiramisu", Name: "Tiramisu", PriceCents: 550},
}

const (
	ampleCredit = 1_000_000_000 // ten million euros: approved orders keep their holds
	scantCredit = 100           // less than any order
	currency    = "EUR"
)

func (l *loader) setup(ctx context.Context) error {
	admin, err := l.admin()
	if err != nil {
		return err
	}
	tag := runTag()
	for i := range l.cfg.Consumers {
		for _, c := range []struct {
			pool   *[]uuid.UUID
			what   string
			credit int64
		}{{&l.w.rich, "ample", ampleCredit}, {&l.w.broke, "scant", scantCredit}} {
			name := fmt.Sprintf("load-%s-%s-%d", tag, c.what, i+1)
			var created *openapi.RegisterConsumerResponse
			err := whileThrottled(ctx, func() (err error) {
				created, err = admin.RegisterConsumerWithResponse(ctx, nil, openapi.RegisterConsumerRequest{Name: name,
					Email: openapitypes.Email(name + "@example.com"), CreditLimitCents: &c.credit, Currency: currency})
				return err
			})
			if err != nil {
				return fmt.Errorf("register consumer %s: %w", name, err)
			}
			*c.pool = append(*c.pool, created.JSON201.ID)
		}
	}
	// The restaurant that answers by hand waits longer than any order may take, so its
	// orders end as the load decides, not by timing out.
	byHandTimeout := min(max(int(2*l.cfg.SettleTimeout/time.Second), 60), 86400)
	for _, r := range []struct {
		id      *uuid.UUID
		name    string
		auto    bool
		timeout int
	}{{&l.w.auto, "load-" + tag + " auto-accepting kitchen", true, 60}, {&l.w.byHand, "load-" + tag + " kitchen answering by hand", false, byHandTimeout}} {
		var created *openapi.CreateRestaurantResponse
		err := whileThrottled(ctx, func() (err error) {
			created, err = admin.CreateRestaurantWithResponse(ctx, nil, openapi.CreateRestaurantRequest{Name: r.name,
				AutoAccept: &r.auto, AcceptanceTimeoutSeconds: r.timeout, Currency: new(currency), Menu: menu})
			return err
		})
		if err != nil {
			return fmt.Errorf("create restaurant %s: %w", r.name, err)
		}
		*r.id = created.JSON201.ID
	}
	l.w.margheritaCost = menu[0].PriceCents
	return nil
}

// whileThrottled sends a request again while the API answers 429: a throttled request
// was not carried out, so sending it again cannot do it twice.
func whileThrottled(ctx context.Context, send func() error) error {
	backoff := 100 * time.Millisecond
	for {
		err := send()
		var p *apiclient.Problem
		if !errors.As(err, &p) || p.Status != http.StatusTooManyRequests {
			return err
		}
		if sleep(ctx, backoff) != nil {
			return err
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

func runTag() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Clients acting as each principal. Tokens are minted per order, so that a run longer
// than a token's lifetime keeps working.

func (l *loader) admin() (*apiclient.Client, error) {
	t, err := l.cfg.Tokens.Admin()
	return l.base.As(t), err
}

func (l *loader) consumer(id uuid.UUID) (*apiclient.Client, error) {
	t, err := l.cfg.Tokens.Consumer(id)
	return l.base.As(t), err
}

func (l *loader) restaurant(id uuid.UUID) (*apiclient.Client, error) {
	t, err := l.cfg.Tokens.Restaurant(id)
	return l.base.As(t), err
}

func (l *loader) courier(name string) (*apiclient.Client, error) {
	t, err := l.cfg.Tokens.Courier(name)
	return l.base.As(t), err
}

// placeAll starts orders as the configuration paces them until it says to stop, and
// waits for every one to end.
func (l *loader) placeAll(ctx context.Context) {
	var stopPlacing <-chan time.Time
	if l.cfg.Duration > 0 {
		timer := time.NewTimer(l.cfg.Duration)
		defer timer.Stop()
		stopPlacing = timer.C
	}
	var slots chan struct{}
	if l.cfg.Concurrency > 0 {
		slots = make(chan struct{}, l.cfg.Concurrency)
	}
	var interval time.Duration
	if l.cfg.Rate > 0 {
		interval = time.Duration(float64(time.Second) / l.cfg.Rate)
	}
	kinds := newPicker(l.cfg.Mix)
	next := time.Now()
	var wg sync.WaitGroup
	defer wg.Wait()
	for i := 0; l.cfg.Orders == 0 || i < l.cfg.Orders; i++ {
		if interval > 0 {
			if wait := time.Until(next); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-stopPlacing:
					t.Stop()
					return
				case <-ctx.Done():
					t.Stop()
					return
				}
			}
			// Behind schedule (the bound on orders in flight held it back) by more than
			// a second: start afresh rather than burst to catch up.
			next = next.Add(interval)
			if floor := time.Now().Add(-time.Second); next.Before(floor) {
				next = floor
			}
		}
		if slots != nil {
			select {
			case slots <- struct{}{}:
			case <-stopPlacing:
				return
			case <-ctx.Done():
				return
			}
		}
		select {
		case <-stopPlacing:
			if slots != nil {
				<-slots
			}
			return
		case <-ctx.Done():
			return
		default:
		}
		kind := kinds.next()
		l.inFlight.Add(1)
		wg.Go(func() {
			r := l.order(ctx, kind)
			l.record(r)
			l.inFlight.Add(-1)
			if slots != nil {
				<-slots
			}
		})
	}
}

func (l *loader) record(r result) {
	if r.settled {
		l.settled.Add(1)
	}
	if r.failure != "" {
		l.failed.Add(1)
	}
	l.mu.Lock()
	l.results = append(l.results, r)
	l.mu.Unlock()
}

// retried counts a transient failure that is being retried.
func (l *loader) retried(op string, err error) {
	l.mu.Lock()
	l.retries[errorKey(op, err)]++
	l.mu.Unlock()
}

// showProgress writes the progress line every ProgressInterval until the returned
// function is called, which writes it a last time.
func (l *loader) showProgress(w io.Writer, started time.Time) (stop func()) {
	rewrite := isTerminal(w)
	var lastSettled int64
	last := started
	line := func() {
		now := time.Now()
		settled := l.settled.Load()
		rate := float64(settled-lastSettled) / max(now.Sub(last).Seconds(), 1e-9)
		lastSettled, last = settled, now
		text := fmt.Sprintf("%6.1fs  placed %d  settled %d  in flight %d  failed %d  %.1f settled/s",
			now.Sub(started).Seconds(), l.placed.Load(), settled, l.inFlight.Load(), l.failed.Load(), rate)
		if rewrite {
			fmt.Fprint(w, "\r\033[K"+text)
		} else {
			fmt.Fprintln(w, text)
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		ticker := time.NewTicker(l.cfg.ProgressInterval)
		defer ticker.Stop()
		for {
			select {
			case <-ticker.C:
				line()
			case <-done:
				return
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		line()
		if rewrite {
			fmt.Fprintln(w)
		}
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// report sums up the results.
func (l *loader) report(started time.Time, elapsed time.Duration) Report {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := Report{Mix: l.cfg.Mix, Rate: l.cfg.Rate, Concurrency: l.cfg.Concurrency, StartedAt: started,
		ElapsedSeconds: elapsed.Seconds(), SettledByStatus: map[string]int{}, Kinds: map[Kind]*KindReport{},
		ErrorsByKind: map[string]int{}, RetriesByKind: map[string]int{}}
	for k, n := range l.retries {
		r.RetriesByKind[k] = n
	}
	var all []time.Duration
	byKind := map[Kind][]time.Duration{}
	for _, k := range Kinds {
		if l.cfg.Mix[k] > 0 {
			r.Kinds[k] = &KindReport{SettledByStatus: map[string]int{}, Outcomes: map[string]int{}, OrderIDs: map[string][]string{}}
		}
	}
	for _, res := range l.results {
		kr := r.Kinds[res.kind]
		if res.placed {
			r.Placed++
			kr.Placed++
		}
		if res.settled {
			r.Settled++
			r.SettledByStatus[res.status]++
			kr.Settled++
			kr.SettledByStatus[res.status]++
			kr.Outcomes[res.outcome]++
			kr.OrderIDs[res.status] = append(kr.OrderIDs[res.status], res.id)
			all = append(all, res.latency)
			byKind[res.kind] = append(byKind[res.kind], res.latency)
		}
		if res.failure != "" {
			r.Failed++
			kr.Failed++
			r.ErrorsByKind[res.failure]++
			if len(r.Errors) < MaxErrors {
				r.Errors = append(r.Errors, OrderError{OrderID: res.id, Kind: res.kind, Error: res.failure, Detail: res.detail})
			}
		}
	}
	r.Latency = LatencyOf(all)
	for k, kr := range r.Kinds {
		kr.Latency = LatencyOf(byKind[k])
	}
	if elapsed > 0 {
		r.SettledPerSecond = float64(r.Settled) / elapsed.Seconds()
	}
	return r
}

// newOrderKey is an order's Idempotency-Key: its retries place it once.
func newOrderKey() string { return "load-" + uuid.NewString() }

// jitter is a random duration in [0, d).
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(mathrand.Int64N(int64(d)))
}
