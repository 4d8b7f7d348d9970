package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/internal/httpserve"
	"github.com/orderflow/orderflow/internal/telemetry"
)

// readClients is how many keep-alive connections read at once, as in the load test
// the read targets are stated for.
const readClients = 64

// readPath is the read benchmarks' fixture: the production handler (every middleware,
// a JSON access log written to a file through the production log buffer, the metrics registry of telemetry.Setup, a rate
// limit too high to refuse anything but still consulted) and the bare baselines, each
// served over HTTP on loopback, with one consumer, its token and its orders per client.
type readPath struct {
	orders, history, bareRow, barePage, static string // base URLs
	consumers                                  []uuid.UUID
	tokens                                     []string
	orderIDs                                   []uuid.UUID
	client                                     *http.Client
}

// ordersPerConsumer is a first page of a consumer's history in the benchmark.
const ordersPerConsumer = 3

func newReadPath(b *testing.B) *readPath {
	b.Helper()
	tel, err := telemetry.Setup(context.Background(), "orderflow-api", "")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	logFile, err := os.Create(filepath.Join(b.TempDir(), "access.log"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = logFile.Close() })
	// As orderflow api logs (LOG_FORMAT=json, Config.bufferedLogger).
	logs := telemetry.NewLogBuffer(logFile, telemetry.LogFlushInterval)
	b.Cleanup(func() { _ = logs.Close() })
	h := newHarness(b, func(d *api.Deps) {
		d.Logger = slog.New(telemetry.FlushingHandler(
			slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}), logs, slog.LevelWarn))
		d.Registry = tel.Registry
		d.Limits = api.Limits{Rate: 1e9, Burst: 1e6}
	})
	stopProjector := h.runProjector()

	rp := &readPath{client: &http.Client{Transport: &http.Transport{
		MaxIdleConns: readClients, MaxIdleConnsPerHost: readClients, DisableCompression: true,
	}}}
	restaurantID := h.newRestaurant()
	for range readClients {
		consumerID := h.newConsumer()
		rp.consumers = append(rp.consumers, consumerID)
		rp.tokens = append(rp.tokens, h.asConsumer(consumerID))
		var last uuid.UUID
		for range ordersPerConsumer {
			last = h.placeOrder(consumerID, restaurantID)
		}
		rp.orderIDs = append(rp.orderIDs, last)
	}
	for _, id := range rp.orderIDs {
		h.waitOrderView(id, 1)
	}
	stopProjector() // its polling would load the reads it is not part of

	production := serveLoopback(b, tel.HTTP(h.handler, "orderflow-api"))
	rp.orders, rp.history = production, production
	rp.bareRow = serveLoopback(b, bareRowHandler(h.schema.Pool))
	rp.barePage = serveLoopback(b, barePageHandler(h.schema.Pool))
	rp.static = serveLoopback(b, staticHandler())
	return rp
}

// serveLoopback serves handler on a loopback port with the production server settings
// until the benchmark ends, and returns its base URL.
func serveLoopback(b *testing.B, handler http.Handler) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := httpserve.NewServer(handler)
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// bareOrderColumns are the read model's columns, as a bare handler would select them.
const bareOrderColumns = `order_id, consumer_id, restaurant_id, status, lines, total_cents, currency,
	rejection_reason, rejection_detail, cancel_reason, pending_revision, delivery_address, version,
	created_at, updated_at, last_refusal, attention`

// bareOrder is one order_view row as a bare handler scans and writes it.
type bareOrder struct {
	ID              uuid.UUID       `json:"id"`
	ConsumerID      uuid.UUID       `json:"consumer_id"`
	RestaurantID    uuid.UUID       `json:"restaurant_id"`
	Status          string          `json:"status"`
	Lines           json.RawMessage `json:"items"`
	TotalCents      int64           `json:"total_cents"`
	Currency        string          `json:"currency"`
	RejectionReason string          `json:"rejection_reason"`
	RejectionDetail string          `json:"rejection_detail"`
	CancelReason    string          `json:"cancel_reason"`
	PendingRevision json.RawMessage `json:"pending_revision"`
	DeliveryAddress json.RawMessage `json:"delivery_address"`
	Version         int64           `json:"version"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	LastRefusal     json.RawMessage `json:"last_refusal"`
	Attention       json.RawMessage `json:"attention"`
}

func scanBare(row interface{ Scan(...any) error }) (bareOrder, error) {
	var o bareOrder
	err := row.Scan(&o.ID, &o.ConsumerID, &o.RestaurantID, &o.Status, &o.Lines, &o.TotalCents, &o.Currency,
		&o.RejectionReason, &o.RejectionDetail, &o.CancelReason, &o.PendingRevision, &o.DeliveryAddress, &o.Version,
		&o.CreatedAt, &o.UpdatedAt, &o.LastRefusal, &o.Attention)
	return o, err
}

func bareEngine() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	return gin.New()
}

// bareRowHandler is the least a read can do: gin, one pgx row of the same table
// through the same pool, written as JSON.
func bareRowHandler(pool *pgxpool.Pool) http.Handler {
	r := bareEngine()
	r.GET("/orders/:id", func(c *gin.Context) {
		id, err := uuid.Parse(c.Param("id"))
		if err != nil {
			c.Status(http.StatusBadRequest)
			return
		}
		o, err := scanBare(pool.QueryRow(c, `select `+bareOrderColumns+` from order_view where order_id = $1`, id))
		if err != nil {
			c.Status(http.StatusInternalServerError)
			return
		}
		c.JSON(http.StatusOK, o)
	})
	return r
}

// barePageHandler is the least a first page of a consumer's history can do: gin and
// one pgx query of the same rows the API's page reads.
func barePageHandler(pool *pgxpool.Pool) http.Handler {
	r := bareEngine()
	r.GET("/consumers/:id/orders", func(c *gin.Context) {
		id, err := uuid.Parse(c.Param("id"))
		if err != nil {
			c.Status(http.StatusBadRequest)
			return
		}
		rows, err := pool.Query(c, `select `+bareOrderColumns+` from order_view where consumer_id = $1
			order by created_at desc, order_id desc limit 20`, id)
		if err != nil {
			c.Status(http.StatusInternalServerError)
			return
		}
		defer rows.Close()
		list := []bareOrder{}
		for rows.Next() {
			o, err := scanBare(rows)
			if err != nil {
				c.Status(http.StatusInternalServerError)
				return
			}
			list = append(list, o)
		}
		if rows.Err() != nil {
			c.Status(http.StatusInternalServerError)
			return
		}
		c.JSON(http.StatusOK, gin.H{"orders": list, "next_cursor": nil})
	})
	return r
}

// staticHandler is gin answering static JSON: the ceiling of HTTP on this machine.
func staticHandler() http.Handler {
	r := bareEngine()
	r.GET("/static", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	return r
}

// readSide is one kind of request the benchmark makes: request i is for client i.
type readSide struct {
	name string
	req  func(rp *readPath, i int) (*http.Request, error)
}

var readSides = []readSide{
	{"order", func(rp *readPath, i int) (*http.Request, error) {
		return authorized(rp, i, rp.orders+"/v1/orders/"+rp.orderIDs[i].String())
	}},
	{"history", func(rp *readPath, i int) (*http.Request, error) {
		return authorized(rp, i, rp.history+"/v1/consumers/"+rp.consumers[i].String()+"/orders")
	}},
	{"bare_row", func(rp *readPath, i int) (*http.Request, error) {
		return http.NewRequest(http.MethodGet, rp.bareRow+"/orders/"+rp.orderIDs[i].String(), nil)
	}},
	{"bare_page", func(rp *readPath, i int) (*http.Request, error) {
		return http.NewRequest(http.MethodGet, rp.barePage+"/consumers/"+rp.consumers[i].String()+"/orders", nil)
	}},
	{"static", func(rp *readPath, i int) (*http.Request, error) {
		return http.NewRequest(http.MethodGet, rp.static+"/static", nil)
	}},
}

func authorized(rp *readPath, i int, url string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err == nil {
		req.Header.Set("Authorization", "Bearer "+rp.tokens[i])
	}
	return req, err
}

// do makes one request and reads its answer, which must be a 200.
func (rp *readPath) do(side readSide, i int) error {
	req, err := side.req(rp, i)
	if err != nil {
		return err
	}
	resp, err := rp.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s: %s", side.name, resp.Status, body)
	}
	return nil
}

// sideRun is what readClients clients did on one side for a while.
type sideRun struct {
	requests  int
	elapsed   time.Duration
	latencies []time.Duration
}

// run has readClients clients request side as fast as they can for d.
func (rp *readPath) run(side readSide, d time.Duration) (sideRun, error) {
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		latencies []time.Duration
		failure   atomic.Pointer[error]
	)
	start := time.Now()
	deadline := start.Add(d)
	for i := range readClients {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) && failure.Load() == nil {
				t0 := time.Now()
				if err := rp.do(side, i); err != nil {
					failure.CompareAndSwap(nil, &err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			defer mu.Unlock()
			latencies = append(latencies, mine...)
		})
	}
	wg.Wait()
	if err := failure.Load(); err != nil {
		return sideRun{}, *err
	}
	return sideRun{requests: len(latencies), elapsed: time.Since(start), latencies: latencies}, nil
}

func percentile(latencies []time.Duration, p float64) time.Duration {
	if len(latencies) == 0 {
		return 0
	}
	slices.Sort(latencies)
	return latencies[min(len(latencies)-1, int(float64(len(latencies))*p))]
}

// BenchmarkReadPath measures GET /v1/orders/:id and GET /v1/consumers/:id/orders (a
// first page of 3 orders) through the production handler next to their baselines in
// the same run: a bare gin handler reading the same row (and the same page) with pgx
// through the same pool, and gin answering static JSON. Each iteration gives every
// side one second of readClients keep-alive clients on loopback, starting from a
// different side each time, so that the sides alternate; run it with -benchtime Nx.
// It reports each side's requests/s and p99 and the ratios the targets are stated in.
func BenchmarkReadPath(b *testing.B) {
	rp := newReadPath(b)
	for _, side := range readSides { // warm the connections, the pools and the caches
		if _, err := rp.run(side, 200*time.Millisecond); err != nil {
			b.Fatal(err)
		}
	}
	totals := make(map[string]*sideRun, len(readSides))
	for _, side := range readSides {
		totals[side.name] = &sideRun{}
	}
	b.ResetTimer()
	for n := 0; b.Loop(); n++ {
		for k := range readSides {
			side := readSides[(n+k)%len(readSides)]
			r, err := rp.run(side, time.Second)
			if err != nil {
				b.Fatal(err)
			}
			t := totals[side.name]
			t.requests += r.requests
			t.elapsed += r.elapsed
			t.latencies = append(t.latencies, r.latencies...)
		}
	}
	b.StopTimer()
	rate := func(name string) float64 { t := totals[name]; return float64(t.requests) / t.elapsed.Seconds() }
	for _, side := range readSides {
		b.ReportMetric(rate(side.name), side.name+"_req/s")
		b.ReportMetric(float64(percentile(totals[side.name].latencies, 0.99).Microseconds())/1000, side.name+"_p99_ms")
	}
	b.ReportMetric(100*rate("order")/rate("bare_row"), "order_%_of_bare_row")
	b.ReportMetric(100*rate("history")/rate("bare_page"), "history_%_of_bare_page")
	b.ReportMetric(100*rate("history")/rate("bare_row"), "history_%_of_bare_row")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkReadPathSide runs one side at a time, b.N requests from readClients
// clients: for CPU profiles of one path (-bench 'ReadPathSide/order' -cpuprofile).
func BenchmarkReadPathSide(b *testing.B) {
	rp := newReadPath(b)
	for _, side := range readSides {
		b.Run(side.name, func(b *testing.B) {
			var next atomic.Int64
			b.SetParallelism(max(1, readClients/runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(1)-1) % readClients
				for pb.Next() {
					if err := rp.do(side, i); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
