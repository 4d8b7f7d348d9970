package devstack_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/internal/devstack"
)

// `orderflow dev` without DATABASE_URL: a throwaway cluster is made, started with an
// orderflow database, stopped, and started again on its data.
func TestThrowawayPostgresCluster(t *testing.T) {
	base := t.TempDir()
	// As root the cluster runs as the postgres user, who must be able to reach it.
	require.NoError(t, os.Chmod(filepath.Dir(base), 0o755))
	require.NoError(t, os.Chmod(base, 0o755))
	dir := filepath.Join(base, "postgres")
	port, err := devstack.FreePort()
	require.NoError(t, err)
	ctx := context.Background()

	for range 2 {
		pg, err := devstack.StartPostgres(ctx, dir, port, nil)
		require.NoError(t, err)
		conn, err := pgx.Connect(ctx, pg.URL)
		require.NoError(t, err)
		var db string
		require.NoError(t, conn.QueryRow(ctx, "select current_database()").Scan(&db))
		require.Equal(t, "orderflow", db)
		require.NoError(t, conn.Close(ctx))
		require.NoError(t, pg.Stop())
	}
	require.NoError(t, devstack.CheckFree("PostgreSQL", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), "it should have stopped"))
}

func TestBusyPortIsAClearError(t *testing.T) {
	port, err := devstack.FreePort()
	require.NoError(t, err)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	l, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	defer l.Close()
	err = devstack.CheckFree("API", addr, "choose another with --api-port")
	require.ErrorContains(t, err, "API: "+addr+" is busy")
	require.ErrorContains(t, err, "--api-port")
}
