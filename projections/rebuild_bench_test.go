package projections_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/pgtest"
	"github.com/orderflow/orderflow/projections"
)

// BenchmarkRebuildUnderReads rebuilds the order view of a store of
// ORDERFLOW_BENCH_ORDERS orders (100,000 by default; each created and approved) while
// four readers read random orders, and prints the readers' latency during the rebuild
// next to the same readers' latency without one, measured before and after it in the
// same run. It fails if a reader ever misses an order or sees one go back in time.
//
//	go test -run '^$' -bench RebuildUnderReads -benchtime 1x -timeout 30m ./projections/
func BenchmarkRebuildUnderReads(b *testing.B) {
	orders := 100_000
	if s := os.Getenv("ORDERFLOW_BENCH_ORDERS"); s != "" {
		var err error
		orders, err = strconv.Atoi(s)
		require.NoError(b, err)
	}
	ctx := context.Background()
	schema := pgtest.NewSchema(b, eventstore.Migrations, projections.Migrations)
	store := eventstore.New(schema.Pool, eventstore.WithChannel(schema.Name))
	b.Cleanup(store.Close)
	ids := seedOrders(b, schema, orders)

	start := time.Now()
	live, stopLive := context.WithCancel(ctx)
	defer stopLive()
	go func() { _ = projections.Run(live, store, projections.OrderViewProjection) }()
	require.Eventually(b, func() bool {
		lag, err := projections.Lag(ctx, schema.Pool, projections.OrderViewProjection)
		return err == nil && lag == 0
	}, 20*time.Minute, 100*time.Millisecond)
	b.Logf("live projection of %d events: %.1f s", 2*orders, time.Since(start).Seconds())

	q := projections.Queries{Pool: schema.Pool}
	b.ResetTimer()
	for range b.N {
		before := readWhile(b, q, ids, func() { time.Sleep(5 * time.Second) })
		var took time.Duration
		during := readWhile(b, q, ids, func() {
			start := time.Now()
			require.NoError(b, projections.Rebuild(ctx, store, projections.OrderViewProjection))
			took = time.Since(start)
		})
		after := readWhile(b, q, ids, func() { time.Sleep(5 * time.Second) })
		baseline := append(before, after...)
		b.ReportMetric(took.Seconds(), "rebuild-s")
		b.ReportMetric(ms(percentile(during, 0.99)), "p99-ms-during")
		b.ReportMetric(ms(percentile(baseline, 0.99)), "p99-ms-baseline")
		fmt.Printf("rebuild of %d orders (%d events): %.1f s; reads during it: %d, p50 %.2f ms, p99 %.2f ms, max %.1f ms; "+
			"without a rebuild (before and after): %d, p50 %.2f ms, p99 %.2f ms, max %.1f ms\n",
			orders, 2*orders, took.Seconds(), len(during), ms(percentile(during, 0.5)), ms(percentile(during, 0.99)),
			ms(slices.Max(during)), len(baseline), ms(percentile(baseline, 0.5)), ms(percentile(baseline, 0.99)),
			ms(slices.Max(baseline)))
	}
}

// seedOrders stores n orders, each created and approved, with SQL rather than Append
// (hours less), using the domain's own encoding of the events as templates.
func seedOrders(b *testing.B, schema pgtest.Schema, n int) []uuid.UUID {
	ctx := context.Background()
	placeholder := uuid.MustParse("00000000-0000-4000-8000-000000000000")
	reg := registry.New()
	created, err := reg.Encode(orderCreated(placeholder, uuid.New(), uuid.New()))
	require.NoError(b, err)
	approved, err := reg.Encode(order.OrderApproved{OrderID: placeholder})
	require.NoError(b, err)
	_, err = schema.Pool.Exec(ctx, `create table bench_orders as select gen_random_uuid() as id from generate_series(1, $1)`, n)
	require.NoError(b, err)
	for pos, ev := range []struct {
		typ  string
		data []byte
	}{{order.TypeOrderCreated, created}, {order.TypeOrderApproved, approved}} {
		_, err := schema.Pool.Exec(ctx, `insert into events (event_id, stream_name, category, stream_position,
			event_type, schema_version, data, principal, correlation_id)
			select gen_random_uuid(), 'order-' || id, 'order', $1, $2, 1, replace($3, $4, id::text)::json,
				'bench', 'order-' || id from bench_orders`, pos+1, ev.typ, string(ev.data), placeholder.String())
		require.NoError(b, err)
	}
	rows, err := schema.Pool.Query(ctx, `select id from bench_orders`)
	require.NoError(b, err)
	var ids []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		require.NoError(b, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(b, rows.Err())
	return ids
}

// readWhile has four readers read random orders until work returns, and returns
// every read's latency. Every read must find its order at version 2: the store holds
// nothing else, so anything less is a view gone back in time.
func readWhile(b *testing.B, q projections.Queries, ids []uuid.UUID, work func()) []time.Duration {
	stop := make(chan struct{})
	var (
		mu        sync.Mutex
		latencies []time.Duration
		faults    []string
		wg        sync.WaitGroup
	)
	for r := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), uint64(time.Now().UnixNano())))
			var mine []time.Duration
			for {
				select {
				case <-stop:
					mu.Lock()
					latencies = append(latencies, mine...)
					mu.Unlock()
					return
				default:
				}
				id := ids[rng.IntN(len(ids))]
				start := time.Now()
				v, err := q.GetOrder(context.Background(), id)
				mine = append(mine, time.Since(start))
				if err != nil || v.Version != 2 {
					mu.Lock()
					faults = append(faults, fmt.Sprintf("order %s: version %d, %v", id, v.Version, err))
					mu.Unlock()
				}
			}
		})
	}
	work()
	close(stop)
	wg.Wait()
	require.Empty(b, faults[:min(len(faults), 5)], "and %d more", max(len(faults)-5, 0))
	return latencies
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
