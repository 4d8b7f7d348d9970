// Package pgtest gives each test its own PostgreSQL schema, migrated and dropped
// afterwards, so tests run in parallel against one real database without seeing each
// other's rows. A database that cannot be reached fails the test: it is never skipped.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/internal/migrations"
)

// DefaultURL is the database tests use when ORDERFLOW_TEST_DATABASE_URL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// URL is the test database's connection string.
func URL() string {
	if u := os.Getenv("ORDERFLOW_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// Schema is an isolated schema for one test.
type Schema struct {
	Name string
	Pool *pgxpool.Pool
}

// NewSchema creates a fresh schema, returns a pool whose connections use it, and drops
// it when the test ends. The sets are applied to it first, in order.
func NewSchema(tb testing.TB, sets ...migrations.Set) Schema {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	admin, err := pgx.Connect(ctx, URL())
	if err != nil {
		tb.Fatalf("pgtest: PostgreSQL is required and unreachable at %s: %v", URL(), err)
	}
	defer admin.Close(ctx)
	name := "test_" + randomSuffix()
	if _, err := admin.Exec(ctx, "create schema "+name); err != nil {
		tb.Fatalf("pgtest: create schema: %v", err)
	}
	tb.Cleanup(func() { dropSchema(tb, name) })

	cfg, err := pgxpool.ParseConfig(URL())
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = name
	cfg.MaxConns = 20
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(pool.Close)
	if err := migrations.Apply(ctx, pool, sets...); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	return Schema{Name: name, Pool: pool}
}

func dropSchema(tb testing.TB, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, URL())
	if err != nil {
		tb.Errorf("pgtest: drop schema %s: %v", name, err)
		return
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "drop schema "+name+" cascade"); err != nil {
		tb.Errorf("pgtest: drop schema %s: %v", name, err)
	}
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// URL is a connection string whose connections use the schema, for a process or a
// command under test that connects by itself.
func (s Schema) URL() string {
	u, err := url.Parse(URL())
	if err != nil {
		panic(fmt.Sprintf("pgtest: %s: %v", URL(), err))
	}
	q := u.Query()
	q.Set("search_path", s.Name)
	u.RawQuery = q.Encode()
	return u.String()
}

// AwaitWaiterOn waits (up to 15 s) until a session waits for a lock that tx holds: the
// moment a test has made another transaction queue behind tx. It fails the test
// with what, the waiter the test expected, when none comes.
func (s Schema) AwaitWaiterOn(tb testing.TB, tx pgx.Tx, what string) {
	tb.Helper()
	ctx := context.Background()
	var pid int
	if err := tx.QueryRow(ctx, `select pg_backend_pid()`).Scan(&pid); err != nil {
		tb.Fatalf("pgtest: the holder's backend: %v", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		var waiting int
		err := s.Pool.QueryRow(ctx, `select count(*) from pg_stat_activity where $1 = any(pg_blocking_pids(pid))`,
			pid).Scan(&waiting)
		if err == nil && waiting > 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("pgtest: %s is not waiting after 15 s (last error: %v)", what, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
