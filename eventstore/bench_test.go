package eventstore_test

// Benchmarks print each figure next to a baseline measured in the same run on the same
// database, since absolute figures on a shared machine mean little, and each iteration
// swaps which of the two goes first, so that a machine that speeds up or slows down
// during the run weighs on both alike. `make bench` runs them; docs/benchmarks.md
// records the results, the exact command, and what each baseline is.

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
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/storetest"
)

var benchData = json.RawMessage(`{"order_id":"4f1f7a35-3a0b-4c62-9a51-6c1b7d1e0a11","amount":{"cents":2350,"currency":"EUR"}}`)

func benchEvent() eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: "CreditCardAuthorized", SchemaVersion: 1, Data: benchData,
		Metadata: eventstore.Metadata{User: "bench", CorrelationID: "order-4f1f7a35", WorkflowID: "order-4f1f7a35"}}
}

// alternating runs baseline and measured once per iteration, baseline first in even
// iterations and measured first in odd ones, and returns the sum of each over the
// iterations.
func alternating(b *testing.B, baseline, measured func() float64) (baselineSum, measuredSum float64) {
	b.Helper()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			baselineSum += baseline()
			measuredSum += measured()
		} else {
			measuredSum += measured()
			baselineSum += baseline()
		}
	}
	return baselineSum, measuredSum
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

// createRawInserts makes the baseline's table: the event's payload and metadata with
// nothing but an identity primary key.
func createRawInserts(b *testing.B, pool *pgxpool.Pool) {
	_, err := pool.Exec(context.Background(), `create table raw_inserts (id bigint generated always as identity primary key,
		event_id uuid not null, event_type text not null, data json not null,
		principal text not null, correlation_id text not null, workflow_id text not null)`)
	require.NoError(b, err)
}

// BenchmarkSingleEventCommits compares Append of one event per transaction with the
// baseline, a raw single-row INSERT of the same payload into a table with nothing but a
// primary key, at concurrency 1 and 8. Each iteration runs one second of each, in
// alternating order; the figures are the rates over all iterations (run with
// -benchtime=Nx).
func BenchmarkSingleEventCommits(b *testing.B) {
	for _, c := range []int{1, 8} {
		b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
			store, schema := storetest.New(b)
			ctx := context.Background()
			createRawInserts(b, schema.Pool)
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
			b.ResetTimer()
			baseline, appends := alternating(b,
				func() float64 { return commitRate(b, c, time.Second, insert) },
				func() float64 { return commitRate(b, c, time.Second, appendOne) })
			b.ReportMetric(baseline/float64(b.N), "baseline_insert_commits/s")
			b.ReportMetric(appends/float64(b.N), "append_commits/s")
			b.ReportMetric(100*appends/baseline, "append_%_of_baseline")
		})
	}
}

// BenchmarkAppendBatchOf100 appends batches of 100 events, one batch per transaction,
// from one writer and from four writers on streams of their own, next to the baseline:
// one INSERT of the same 100 payloads (unnest of arrays) into the bare table. Each
// iteration runs one second of each, in alternating order (run with -benchtime=Nx).
func BenchmarkAppendBatchOf100(b *testing.B) {
	for _, c := range []int{1, 4} {
		b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
			store, schema := storetest.New(b)
			ctx := context.Background()
			createRawInserts(b, schema.Pool)
			md := benchEvent().Metadata
			insertBatch := func(int) error {
				ids := make([][16]byte, 100)
				types, data := make([]string, 100), make([]json.RawMessage, 100)
				principals, correlations, workflows := make([]string, 100), make([]string, 100), make([]string, 100)
				for j := range ids {
					ids[j], types[j], data[j] = uuid.New(), "CreditCardAuthorized", benchData
					principals[j], correlations[j], workflows[j] = md.User, md.CorrelationID, md.WorkflowID
				}
				_, err := schema.Pool.Exec(ctx, `insert into raw_inserts (event_id, event_type, data, principal,
					correlation_id, workflow_id)
					select * from unnest($1::uuid[], $2::text[], $3::json[], $4::text[], $5::text[], $6::text[])`,
					ids, types, data, principals, correlations, workflows)
				return err
			}
			appendBatch := func(w int) error {
				batch := make([]eventstore.EventData, 100)
				for j := range batch {
					batch[j] = benchEvent()
				}
				_, err := store.Append(ctx, streamName("batch", w), eventstore.Any(), batch...)
				return err
			}
			b.ResetTimer()
			baseline, batches := alternating(b,
				func() float64 { return commitRate(b, c, time.Second, insertBatch) },
				func() float64 { return commitRate(b, c, time.Second, appendBatch) })
			b.ReportMetric(100*baseline/float64(b.N), "baseline_events/s")
			b.ReportMetric(100*batches/float64(b.N), "events/s")
			b.ReportMetric(100*batches/baseline, "append_%_of_baseline")
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

// replayAmount is what the replay benchmark decodes from each event, as a real
// aggregate would.
type replayAmount struct {
	Amount struct{ Cents int64 }
}

// BenchmarkReplay10kEventStream folds a 10,000-event stream into an aggregate with
// eventstore.FoldStream, decoding each event's data, next to the baseline: one query of the
// stream's data in stream order, each row decoded the same way, with no event
// envelope. Times are per replay in microseconds, alternating order per iteration.
func BenchmarkReplay10kEventStream(b *testing.B) {
	store, schema := storetest.New(b)
	fillStream(b, store, "account-big", 10_000)
	type account struct{ Held int64 }
	apply := func(s *account, e eventstore.RecordedEvent) error {
		var d replayAmount
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return err
		}
		s.Held += d.Amount.Cents
		return nil
	}
	ctx := context.Background()
	timed := func(f func() error) float64 {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		return float64(time.Since(start).Nanoseconds()) / 1e3
	}
	replay := func() error {
		_, version, err := eventstore.FoldStream(ctx, store, "account-big", apply)
		if err == nil && version != 10_000 {
			err = fmt.Errorf("version %d, want 10000", version)
		}
		return err
	}
	raw := func() error {
		rows, _ := schema.Pool.Query(ctx, `select data from events where stream_name = $1 order by stream_position`, "account-big")
		var held int64
		n := 0
		var data json.RawMessage
		_, err := pgx.ForEachRow(rows, []any{&data}, func() error {
			var d replayAmount
			if err := json.Unmarshal(data, &d); err != nil {
				return err
			}
			held += d.Amount.Cents
			n++
			return nil
		})
		if err == nil && n != 10_000 {
			err = fmt.Errorf("read %d events, want 10000", n)
		}
		return err
	}
	b.ResetTimer()
	baseline, replays := alternating(b, func() float64 { return timed(raw) }, func() float64 { return timed(replay) })
	b.ReportMetric(baseline/float64(b.N), "baseline_µs/replay")
	b.ReportMetric(replays/float64(b.N), "µs/replay")
	b.ReportMetric(float64(10_000*b.N)/(replays/1e6), "events/s")
	b.ReportMetric(100*replays/baseline, "replay_time_%_of_baseline")
}

// BenchmarkSubscriptionCatchUp100k measures a new subscription catching up on 100,000
// events spread over 1,000 streams, pages of 1,000:
//
//   - empty_handler: the engine alone, next to the baseline of reading the same pages
//     with the same query and committing a checkpoint row per page, with no engine;
//   - idempotent_handler: the Idempotent helper recording each event in
//     processed_events for the first time (a fresh consumer name per iteration, so no
//     insert finds its row there already), next to the baseline of the raw page loop
//     inserting one row per event into a bare copy of processed_events.
//
// Each iteration runs the baseline and the measured side in alternating order.
func BenchmarkSubscriptionCatchUp100k(b *testing.B) {
	store, schema := storetest.New(b)
	for s := 0; s < 1000; s++ {
		fillStream(b, store, streamName("order", s), 100)
	}
	_, err := schema.Pool.Exec(context.Background(), `
		create table raw_checkpoints (name text primary key, transaction_id xid8 not null, global_position bigint not null);
		create table raw_processed (consumer text not null, event_id uuid not null,
			processed_at timestamptz not null default now(), primary key (consumer, event_id))`)
	require.NoError(b, err)
	const total = 100_000
	for _, bench := range []struct {
		name     string
		handler  func(consumer string) eventstore.Handler
		perEvent bool
	}{
		{"empty_handler", func(string) eventstore.Handler {
			return func(context.Context, pgx.Tx, eventstore.RecordedEvent) error { return nil }
		}, false},
		{"idempotent_handler", func(consumer string) eventstore.Handler {
			return eventstore.Idempotent(consumer, func(context.Context, pgx.Tx, eventstore.RecordedEvent) error { return nil })
		}, true},
	} {
		b.Run(bench.name, func(b *testing.B) {
			n := 0
			fresh := func() string { n++; return fmt.Sprintf("%s-%d-%d", bench.name, b.N, n) }
			baseline, measured := alternating(b,
				func() float64 { return rawCatchUp(b, schema.Pool, fresh(), bench.perEvent, total).Seconds() },
				func() float64 {
					name := fresh()
					return catchUp(b, store, name, bench.handler(name), total).Seconds()
				})
			b.ReportMetric(float64(total*b.N)/baseline, "baseline_events/s")
			b.ReportMetric(float64(total*b.N)/measured, "events/s")
			b.ReportMetric(100*baseline/measured, "%_of_baseline_rate")
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

// rawCatchUp reads every event in commit order in pages of 1,000 with the query the
// store's subscriptions use, and commits each page's checkpoint in a transaction of its
// own, with (perEvent) one insert per event into raw_processed in that transaction.
func rawCatchUp(b *testing.B, pool *pgxpool.Pool, consumer string, perEvent bool, want int) time.Duration {
	ctx := context.Background()
	start := time.Now()
	var txID uint64
	var position int64
	read := 0
	for read < want {
		tx, err := pool.Begin(ctx)
		require.NoError(b, err)
		rows, _ := tx.Query(ctx, `select event_id, stream_name, category, stream_position, global_position,
			transaction_id, event_type, schema_version, data, recorded_at, principal, correlation_id, causation_id,
			workflow_id, run_id from events
			where (transaction_id, global_position) > ($1::xid8, $2::bigint)
			and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
			order by transaction_id, global_position limit 1000`, txID, position)
		var (
			id                                                     uuid.UUID
			stream, category, typ, principal, corr, cause, wf, run string
			streamPos                                              int64
			version                                                int32
			data                                                   json.RawMessage
			recorded                                               time.Time
		)
		var ids []uuid.UUID
		_, err = pgx.ForEachRow(rows, []any{&id, &stream, &category, &streamPos, &position, &txID, &typ, &version, &data,
			&recorded, &principal, &corr, &cause, &wf, &run}, func() error {
			ids = append(ids, id)
			return nil
		})
		require.NoError(b, err)
		require.NotEmpty(b, ids, "read %d of %d events", read, want)
		if perEvent {
			for _, id := range ids {
				_, err := tx.Exec(ctx, `insert into raw_processed (consumer, event_id) values ($1, $2)`, consumer, id)
				require.NoError(b, err)
			}
		}
		_, err = tx.Exec(ctx, `insert into raw_checkpoints (name, transaction_id, global_position) values ($1, $2::xid8, $3)
			on conflict (name) do update set transaction_id = excluded.transaction_id, global_position = excluded.global_position`,
			consumer, txID, position)
		require.NoError(b, err)
		require.NoError(b, tx.Commit(ctx))
		read += len(ids)
	}
	return time.Since(start)
}
