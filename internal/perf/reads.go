package perf

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/internal/load"
)

// BaselineHandler serves the read baselines: GET /v1/orders/:id and GET
// /v1/consumers/:id/orders as bare Gin handlers that read the order view's rows with
// pgx and write them as JSON (no authentication, no ownership check, no middleware),
// and GET /static, a fixed JSON body with no database at all. `orderflow perf
// baseline-server` serves it in a process of its own, beside the API's.
func BaselineHandler(pool *pgxpool.Pool) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/healthz", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.GET("/static", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"id": "00000000-0000-0000-0000-000000000000", "status": "APPROVED", "total_cents": 1450, "currency": "EUR"})
	})
	r.GET("/v1/orders/:id", func(c *gin.Context) {
		id, err := uuid.Parse(c.Param("id"))
		if err != nil {
			c.Status(http.StatusBadRequest)
			return
		}
		rows, _ := pool.Query(c, `select * from order_view where order_id = $1`, id)
		row, err := pgx.CollectExactlyOneRow(rows, pgx.RowToMap)
		if err != nil {
			c.Status(http.StatusNotFound)
			return
		}
		c.JSON(http.StatusOK, withUUIDs(row))
	})
	r.GET("/v1/consumers/:id/orders", func(c *gin.Context) {
		id, err := uuid.Parse(c.Param("id"))
		if err != nil {
			c.Status(http.StatusBadRequest)
			return
		}
		// The API's first page: twenty orders, newest first, and one more to tell
		// whether there is a next page.
		rows, _ := pool.Query(c, `select * from order_view where consumer_id = $1 order by created_at desc, order_id desc limit 21`, id)
		page, err := pgx.CollectRows(rows, pgx.RowToMap)
		if err != nil {
			c.Status(http.StatusInternalServerError)
			return
		}
		for i := range page {
			page[i] = withUUIDs(page[i])
		}
		c.JSON(http.StatusOK, gin.H{"orders": page[:min(len(page), 20)], "next_cursor": nil})
	})
	return r
}

// withUUIDs writes the row's uuid columns as uuids: pgx hands them to a map as byte arrays.
func withUUIDs(row map[string]any) map[string]any {
	for k, v := range row {
		if b, ok := v.([16]byte); ok {
			row[k] = uuid.UUID(b)
		}
	}
	return row
}

// ReadRun is one load run on one endpoint: requests answered 200, others, and the
// throughput and latency of the 200s.
type ReadRun struct {
	Requests  int     `json:"requests"`
	Errors    int     `json:"errors"`
	PerSecond float64 `json:"per_second"`
	P50MS     float64 `json:"p50_ms"`
	P99MS     float64 `json:"p99_ms"`
}

// hammer sends GET url on connections keep-alive connections, each sending its next
// request as soon as the last is answered, until d has passed; requests under way then
// are waited for and counted, so that even a machine too busy to answer within d
// gives each connection one answer.
func hammer(ctx context.Context, url, token string, connections int, d time.Duration) (ReadRun, error) {
	transport := &http.Transport{MaxIdleConns: connections, MaxIdleConnsPerHost: connections, MaxConnsPerHost: connections,
		IdleConnTimeout: time.Minute, DisableCompression: true}
	defer transport.CloseIdleConnections()
	httpClient := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      int
		firstErr  error
		wg        sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	started := time.Now()
	for range connections {
		wg.Go(func() {
			var mine []time.Duration
			failed := 0
			var failure error
			for ctx.Err() == nil && time.Now().Before(deadline) {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if err != nil {
					failure = err
					break
				}
				req.Header.Set("Authorization", "Bearer "+token)
				t0 := time.Now()
				resp, err := httpClient.Do(req)
				if err != nil {
					failed++
					failure = err
					continue
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				took := time.Since(t0)
				switch {
				case err != nil:
					failed++
					failure = err
				case resp.StatusCode != http.StatusOK:
					failed++
					failure = fmt.Errorf("GET %s: %s", url, resp.Status)
				default:
					mine = append(mine, took)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			latencies = append(latencies, mine...)
			errs += failed
			if firstErr == nil {
				firstErr = failure
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(started)
	run := ReadRun{Requests: len(latencies), Errors: errs, PerSecond: float64(len(latencies)) / elapsed.Seconds()}
	if len(latencies) == 0 {
		return run, fmt.Errorf("GET %s: no request answered 200: %w", url, firstErr)
	}
	l := load.LatencyOf(latencies)
	run.P50MS, run.P99MS = l.P50, l.P99
	if errs > 0 {
		return run, fmt.Errorf("GET %s: %d requests failed, the first with: %w", url, errs, firstErr)
	}
	return run, nil
}
