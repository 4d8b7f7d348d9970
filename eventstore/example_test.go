package eventstore_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/migrations"
	"github.com/orderflow/orderflow/internal/pgtest"
)

// deposited is the data of the examples' one event type.
type deposited struct {
	Cents int64 `json:"cents"`
}

func deposit(cents int64) eventstore.EventData {
	data, _ := json.Marshal(deposited{Cents: cents})
	return eventstore.EventData{ID: uuid.New(), Type: "Deposited", SchemaVersion: 1, Data: data}
}

// Appending to a stream says which version of it the writer decided on: NoStream for
// a new one, Exact(n) after reading n events. A writer that read a version another
// has moved on from is refused, and reads again.
func ExampleStore_Append() {
	ctx := context.Background()
	store, done := exampleStore(ctx)
	defer done()

	res, err := store.Append(ctx, "account-1", eventstore.NoStream(), deposit(500), deposit(250))
	if err != nil {
		panic(err)
	}
	fmt.Println("version", res.StreamVersion)

	_, err = store.Append(ctx, "account-1", eventstore.Exact(1), deposit(100))
	fmt.Println("stale writer refused:", errors.Is(err, eventstore.ErrWrongExpectedVersion))

	res, err = store.Append(ctx, "account-1", eventstore.Exact(res.StreamVersion), deposit(100))
	if err != nil {
		panic(err)
	}
	fmt.Println("version", res.StreamVersion)
	// Output:
	// version 2
	// stale writer refused: true
	// version 3
}

// A stream reads forward from its first event, or backward from its last.
func ExampleStore_ReadStream() {
	ctx := context.Background()
	store, done := exampleStore(ctx)
	defer done()
	if _, err := store.Append(ctx, "account-1", eventstore.NoStream(), deposit(500), deposit(250), deposit(100)); err != nil {
		panic(err)
	}

	all, err := store.ReadStream(ctx, "account-1", eventstore.ReadOptions{})
	if err != nil {
		panic(err)
	}
	for _, e := range all {
		fmt.Println(e.StreamPosition, e.Type, string(e.Data))
	}
	last, err := store.ReadStream(ctx, "account-1", eventstore.ReadOptions{Direction: eventstore.Backward, Limit: 1})
	if err != nil {
		panic(err)
	}
	fmt.Println("last:", last[0].StreamPosition)
	// Output:
	// 1 Deposited {"cents":500}
	// 2 Deposited {"cents":250}
	// 3 Deposited {"cents":100}
	// last: 3
}

// FoldStream rebuilds state from a stream and gives the version to append at.
func ExampleFoldStream() {
	ctx := context.Background()
	store, done := exampleStore(ctx)
	defer done()
	if _, err := store.Append(ctx, "account-1", eventstore.NoStream(), deposit(500), deposit(250)); err != nil {
		panic(err)
	}

	balance, version, err := eventstore.FoldStream(ctx, store, "account-1", func(balance *int64, e eventstore.RecordedEvent) error {
		var d deposited
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return err
		}
		*balance += d.Cents
		return nil
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("balance", balance, "at version", version)
	// Output: balance 750 at version 2
}

// A subscription hands every event of its filter to its handler once, in commit
// order, and records how far it got in the handler's transaction: a process that
// restarts carries on after the last event it handled. Subscribe returns when its
// context ends.
func ExampleStore_Subscribe() {
	ctx := context.Background()
	store, done := exampleStore(ctx)
	defer done()
	if _, err := store.Append(ctx, "account-1", eventstore.NoStream(), deposit(500)); err != nil {
		panic(err)
	}
	if _, err := store.Append(ctx, "order-7", eventstore.NoStream(), eventstore.EventData{
		ID: uuid.New(), Type: "OrderPlaced", SchemaVersion: 1, Data: json.RawMessage(`{}`)}); err != nil {
		panic(err)
	}
	if _, err := store.Append(ctx, "account-2", eventstore.NoStream(), deposit(250)); err != nil {
		panic(err)
	}

	ctx, stop := context.WithCancel(ctx)
	handled := 0
	err := store.Subscribe(ctx, eventstore.Subscription{
		Name:   "balances",
		Filter: eventstore.Filter{Category: "account"},
		Handler: func(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
			// Write the effect with tx: it commits with the checkpoint, or not at all.
			fmt.Println(e.StreamName, e.Type, string(e.Data))
			if handled++; handled == 2 {
				stop()
			}
			return nil
		},
	})
	fmt.Println("stopped:", errors.Is(err, context.Canceled))
	// Output:
	// account-1 Deposited {"cents":500}
	// account-2 Deposited {"cents":250}
	// stopped: true
}

// exampleStore is a store on a schema of its own in the test database
// (ORDERFLOW_TEST_DATABASE_URL), which done drops. An application instead connects to
// its database and applies eventstore.Migrations once at start-up.
func exampleStore(ctx context.Context) (store *eventstore.Store, done func()) {
	schema := "example_" + strings.ToLower(rand.Text()[:12])
	admin, err := pgx.Connect(ctx, pgtest.URL())
	if err != nil {
		panic(err)
	}
	if _, err := admin.Exec(ctx, "create schema "+pgx.Identifier{schema}.Sanitize()); err != nil {
		panic(err)
	}
	cfg, err := pgxpool.ParseConfig(pgtest.URL())
	if err != nil {
		panic(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		panic(err)
	}
	if err := migrations.Apply(ctx, pool, eventstore.Migrations); err != nil {
		panic(err)
	}
	store = eventstore.New(pool, eventstore.WithChannel(schema))
	return store, func() {
		store.Close()
		pool.Close()
		_, _ = admin.Exec(ctx, "drop schema "+pgx.Identifier{schema}.Sanitize()+" cascade")
		_ = admin.Close(ctx)
	}
}
