package migrations_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/internal/migrations"
	"github.com/orderflow/orderflow/internal/pgtest"
	"github.com/orderflow/orderflow/internal/stack"
	"github.com/orderflow/orderflow/notifier"
)

// set is one component's migrations as the releases before package migrations laid
// them out: numbered files in <dir>/migrations, progress in <name>_schema_version.
type set struct{ name, dir string }

var sets = []set{{"eventstore", "eventstore"}, {"projections", "projections"}, {"api", "api"}, {"notifier", "notifier"}}

// files are a set's migration files in the order they apply.
func (s set) files(t *testing.T) []string {
	t.Helper()
	files, err := fs.Glob(os.DirFS("../.."), path.Join(s.dir, "migrations", "*.sql"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	slices.Sort(files)
	return files
}

// oldLayout builds, by hand, what the migrations of earlier releases (tern, one
// version table a component) left in a database: the set's first n files applied,
// and a table <name>_schema_version of one int4 column, version, holding n.
func oldLayout(t *testing.T, pool *pgxpool.Pool, s set, n int) {
	t.Helper()
	ctx := context.Background()
	_, err := pool.Exec(ctx, "create table "+s.name+"_schema_version(version int4 not null)")
	require.NoError(t, err)
	_, err = pool.Exec(ctx, "insert into "+s.name+"_schema_version(version) values ($1)", n)
	require.NoError(t, err)
	for _, f := range s.files(t)[:n] {
		sql, err := os.ReadFile(path.Join("../..", f))
		require.NoError(t, err)
		_, err = pool.Exec(ctx, string(sql))
		require.NoError(t, err, f)
	}
}

// migratedTheOldWay is a schema every set of which the old code migrated to its last
// file.
func migratedTheOldWay(t *testing.T) pgtest.Schema {
	t.Helper()
	schema := pgtest.NewSchema(t)
	for _, s := range sets {
		oldLayout(t, schema.Pool, s, len(s.files(t)))
	}
	return schema
}

// versions reads every version table of the schema: table name, column layout and
// rows, so two databases can be compared whole.
func versions(t *testing.T, pool *pgxpool.Pool) map[string][]string {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `select table_name, column_name || ' ' || data_type || ' ' || is_nullable
		from information_schema.columns
		where table_schema = current_schema() and table_name like '%_schema_version' order by table_name, ordinal_position`)
	require.NoError(t, err)
	got := map[string][]string{}
	for rows.Next() {
		var table, column string
		require.NoError(t, rows.Scan(&table, &column))
		got[table] = append(got[table], column)
	}
	require.NoError(t, rows.Err())
	for table := range got {
		var rowsOf []int32
		r, err := pool.Query(ctx, "select version from "+table)
		require.NoError(t, err)
		for r.Next() {
			var v int32
			require.NoError(t, r.Scan(&v))
			rowsOf = append(rowsOf, v)
		}
		require.NoError(t, r.Err())
		for _, v := range rowsOf {
			got[table] = append(got[table], fmt.Sprint("version ", v))
		}
	}
	return got
}

// all are every set orderflow and its example notifier own, in the order they apply.
var all = append(stack.Migrations(), notifier.Migrations)

func migrateAll(ctx context.Context, pool *pgxpool.Pool) error {
	return migrations.Apply(ctx, pool, all...)
}

// The hand-built old layout is what the migrations leave in a fresh database.
func TestTheOldLayoutIsWhatMigratingAFreshDatabaseLeaves(t *testing.T) {
	t.Parallel()
	old := migratedTheOldWay(t)
	fresh := pgtest.NewSchema(t, all...)
	require.Equal(t, versions(t, old.Pool), versions(t, fresh.Pool))
}

// A database every set of which the old code migrated is recognised: nothing runs
// again (the first files create tables, so running one again would fail) and the
// versions stay as they were.
func TestADatabaseMigratedByTheOldCodeIsNotMigratedAgain(t *testing.T) {
	t.Parallel()
	schema := migratedTheOldWay(t)
	before := versions(t, schema.Pool)
	require.NoError(t, migrateAll(context.Background(), schema.Pool))
	require.Equal(t, before, versions(t, schema.Pool))
}

// A database an older release migrated (the event store at its first migration, the
// others not at all) gets only what it lacks.
func TestADatabaseOfAnOlderReleaseGetsOnlyTheMigrationsItLacks(t *testing.T) {
	t.Parallel()
	schema := pgtest.NewSchema(t)
	eventstoreSet := sets[0]
	require.Greater(t, len(eventstoreSet.files(t)), 1, "the test needs a second event store migration")
	oldLayout(t, schema.Pool, eventstoreSet, 1)
	require.NoError(t, migrateAll(context.Background(), schema.Pool))

	want := pgtest.NewSchema(t, all...)
	require.Equal(t, versions(t, want.Pool), versions(t, schema.Pool))
}

// Processes that start together migrate one at a time: each set applies once, and a
// run after them finds nothing to do.
func TestApplyIsIdempotentAndSafeWhenProcessesStartTogether(t *testing.T) {
	t.Parallel()
	schema := pgtest.NewSchema(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = migrateAll(ctx, schema.Pool) })
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, fmt.Sprint("migrator ", i))
	}
	require.NoError(t, migrateAll(ctx, schema.Pool))
	for _, s := range sets {
		var version int
		require.NoError(t, schema.Pool.QueryRow(ctx, "select version from "+s.name+"_schema_version").Scan(&version))
		require.Equal(t, len(s.files(t)), version, "every migration of %s applied, once", s.name)
	}
}

// The sets orderflow declares are the ones this test builds the old layout of, under
// the same version tables.
func TestTheSetsKeepTheirVersionTables(t *testing.T) {
	var got []string
	for _, s := range all {
		got = append(got, s.VersionTable())
	}
	var want []string
	for _, s := range sets {
		want = append(want, s.name+"_schema_version")
	}
	require.Equal(t, want, got)
}
