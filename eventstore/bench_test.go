package eventstore_test

// Benchmarks print rates next to a baseline measured in the same run on the same
// database, since absolute figures on a shared machine mean little. `make bench` runs
// them; docs/benchmarks.md records the results and the exact command.

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/eventstore"
)

var benchData = json.RawMessage(`{"order_id":"4f1f7a35-3a0b-4c62-9a51-6c1b7d1e0a11","amount":{"cents":2350,"currency":"EUR"}}`)

func benchEvent() eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: "CreditCardAuthorized", SchemaVersion: 1, Data: benchData,
		Metadata: eventstore.Metadata{User: "bench", CorrelationID: "order-4f1f7a35", WorkflowID: "order-4f1f7a35"}}
}

// commitRate runs op on c goroutines for d and returns operations per second.
func commitRate(b *testing.B, c int, d time.Duration, op func(worker int) error) float64 {
	b.Helper()
	var wg sync.WaitGroup
	var total atomic.Int64
	errs := make(chan error, c)
	deadline := time.Now().Add(d)
	start := time.Now()
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if err := op(w); err != nil {
					errs <- err
					return
				}
				total.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return float64(total.Load()) / time.Since(start).Seconds()
}

// BenchmarkSingleEventCommits compares Append of one event per transaction with the
// baseline, a raw single-row INSERT of the same payload into a table with nothing but a
// primary key, at concurrency 1 and 8. Each iteration runs one second of each,
// alternating, so that both see the same machine; the figures are the rates over all
// iterations (run with -benchtime=Nx).
func BenchmarkSingleEventCommits(b *testing.B) {
	for _, c := range []int{1, 8} {
		b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
			store, schema := newStore(b)
			ctx := context.Background()
			_, err := schema.Pool.Exec(ctx, `create table raw_inserts (id bigint generated always as identity primary key,
				event_id uuid not null, event_type text not null, data json not null,
				principal text not null, correlation_id text not null, workflow_id text not null)`)
			require.NoError(b, err)
			md := benchEvent().Metadata
			insert := func(int) error {
				_, err := schema.Pool.Exec(ctx, `insert into raw_inserts (event_id, event_type, data, principal,
					correlation_id, workflow_id) values ($1, $2, $3, $4, $5, $6)`,
					[16]byte(uuid.New()), "CreditCardAuthorized", benchData, md.User, md.CorrelationID, md.WorkflowID)
				return err
			}
			// Each writer appends to a stream of its own, checking its version. Stream names
			// are category-uuid, as orderflow's are.
			versions := make([]int64, c)
			streams := make([]string, c)
			for w := range streams {
				streams[w] = "account-" + uuid.NewString()
			}
			appendOne := func(w int) error {
				res, err := store.Append(ctx, streams[w], eventstore.Exact(versions[w]), benchEvent())
				versions[w] = res.StreamVersion
				return err
			}
			var baseline, appends float64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				baseline += commitRate(b, c, time.Second, insert)
				appends += commitRate(b, c, time.Second, appendOne)
			}
			b.ReportMetric(baseline/float64(b.N), "baseline_insert_commits/s")
			b.ReportMetric(appends/float64(b.N), "append_commits/s")
			b.ReportMetric(100*appends/baseline, "append_%_of_baseline")
		})
	}
}

// BenchmarkAppendBatchOf100 appends batches of 100 events, one batch per transaction,
// from one writer and from four writers on streams of their own (each iteration runs
// for one second; run with -benchtime=Nx).
func BenchmarkAppendBatchOf100(b *testing.B) {
	for _, c := range []int{1, 4} {
		b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
			store, _ := newStore(b)
			ctx := context.Background()
			appendBatch := func(w int) error {
				batch := make([]eventstore.EventData, 100)
				for j := range batch {
					batch[j] = benchEvent()
				}
				_, err := store.Append(ctx, streamName("batch", w), eventstore.Any(), batch...)
				return err
			}
			var batches float64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				batches += commitRate(b, c, time.Second, appendBatch)
			}
			b.ReportMetric(100*batches/float64(b.N), "events/s")
		})
	}
}

func fillStream(b *testing.B, store *eventstore.Store, stream string, n int) {
	b.Helper()
	ctx := context.Background()
	for appended := 0; appended < n; appended += 500 {
		batch := make([]eventstore.EventData, min(500, n-appended))
		for j := range batch {
			batch[j] = benchEvent()
		}
		_, err := store.Append(ctx, stream, eventstore.Any(), batch...)
		require.NoError(b, err)
	}
}

// BenchmarkReplay10kEventStream folds a 10,000-event stream into an aggregate, decoding
// each event's data as a real aggregate would.
func BenchmarkReplay10kEventStream(b *testing.B) {
	store, _ := newStore(b)
	fillStream(b, store, "account-big", 10_000)
	type account struct{ Held int64 }
	apply := func(s *account, e eventstore.RecordedEvent) error {
		var d struct {
			Amount struct{ Cents int64 }
		}
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return err
		}
		s.Held += d.Amount.Cents
		return nil
	}
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		_, version, err := eventstore.FoldStream(ctx, store, "account-big", apply)
		if err != nil || version != 10_000 {
			b.Fatalf("version %d, err %v", version, err)
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(elapsed.Milliseconds())/float64(b.N), "ms/replay")
	b.ReportMetric(float64(10_000*b.N)/elapsed.Seconds(), "events/s")
}

// BenchmarkSubscriptionCatchUp100k measures a new subscription catching up on 100,000
// events spread over 1,000 streams: with an empty handler (the engine alone) and with
// the idempotent-consumer helper recording each event in processed_events.
func BenchmarkSubscriptionCatchUp100k(b *testing.B) {
	store, _ := newStore(b)
	for s := 0; s < 1000; s++ {
		fillStream(b, store, streamName("order", s), 100)
	}
	handlers := map[string]eventstore.Handler{
		"empty_handler": func(context.Context, pgx.Tx, eventstore.RecordedEvent) error { return nil },
		"idempotent_handler": eventstore.Idempotent("bench", func(context.Context, pgx.Tx, eventstore.RecordedEvent) error {
			return nil
		}),
	}
	for _, name := range []string{"empty_handler", "idempotent_handler"} {
		b.Run(name, func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				total += catchUp(b, store, fmt.Sprintf("%s-%d-%d", name, b.N, i), handlers[name], 100_000)
			}
			b.ReportMetric(float64(100_000*b.N)/total.Seconds(), "events/s")
		})
	}
}

func catchUp(b *testing.B, store *eventstore.Store, name string, h eventstore.Handler, want int) time.Duration {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	delivered := 0
	start := time.Now()
	var elapsed time.Duration
	go func() {
		_ = store.Subscribe(ctx, eventstore.Subscription{Name: name, Handler: h, BatchSize: 1000,
			OnBatch: func(n int, _ eventstore.Checkpoint) {
				delivered += n
				if delivered == want {
					elapsed = time.Since(start)
					close(done)
				}
			}})
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("caught up on %d of %d events", delivered, want)
	}
	cancel()
	return elapsed
}
