package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a throwaway PostgreSQL cluster of the dev stack.
type Postgres struct {
	URL     string // the orderflow database
	dataDir string
	bin     string
	runAs   []string
	out     io.Writer
	options string // the server's command-line options: port, socket directory, address
	logFile string
}

// ErrNoPostgres says neither a database nor PostgreSQL's server binaries were found.
var ErrNoPostgres = errors.New("PostgreSQL is needed: set DATABASE_URL to a database orderflow may use, " +
	"or install PostgreSQL's server binaries (initdb, pg_ctl; on Debian: apt-get install postgresql) " +
	"so that the dev stack can make a throwaway cluster")

// StartPostgres makes (once) and starts a cluster in dir listening on 127.0.0.1:port,
// with trust authentication and a database named orderflow. PostgreSQL refuses to run
// as root, so as root it runs as the postgres user that PostgreSQL's packages create.
func StartPostgres(ctx context.Context, dir string, port int, out io.Writer) (*Postgres, error) {
	bin, err := postgresBin()
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = io.Discard
	}
	p := &Postgres{dataDir: filepath.Join(dir, "data"), bin: bin, out: out,
		URL: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/orderflow?sslmode=disable", port)}
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // run as root, the postgres user must traverse the directories created here
		return nil, err
	}
	if os.Geteuid() == 0 {
		if err := p.runAsPostgresUser(dir); err != nil {
			return nil, err
		}
	}
	if !fileExists(filepath.Join(p.dataDir, "PG_VERSION")) {
		if err := p.run("initdb", "-D", p.dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-instructions"); err != nil {
			return nil, fmt.Errorf("initdb: %w", err)
		}
	}
	if p.run("pg_ctl", "-D", p.dataDir, "status") == nil {
		// A dev stack that was killed left it running: start afresh.
		_ = p.run("pg_ctl", "-D", p.dataDir, "-m", "fast", "-w", "stop")
	}
	p.options = fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", port, dir)
	p.logFile = filepath.Join(dir, "postgres.log")
	if err := p.run("pg_ctl", "-D", p.dataDir, "-l", p.logFile, "-o", p.options, "-w", "start"); err != nil {
		return nil, fmt.Errorf("pg_ctl start (see %s): %w", p.logFile, err)
	}
	if err := p.createDatabase(ctx, port); err != nil {
		_ = p.Stop()
		return nil, err
	}
	return p, nil
}

// Stop shuts the cluster down; its data stays for the next start.
func (p *Postgres) Stop() error {
	return p.run("pg_ctl", "-D", p.dataDir, "-m", "fast", "-w", "stop")
}

// Restart stops the cluster (fast: open connections are cut, running transactions
// rolled back) and starts it again, as a database failover or a reboot does.
func (p *Postgres) Restart() error {
	if err := p.run("pg_ctl", "-D", p.dataDir, "-l", p.logFile, "-o", p.options, "-m", "fast", "-w", "restart"); err != nil {
		return fmt.Errorf("pg_ctl restart (see %s): %w", p.logFile, err)
	}
	return nil
}

func (p *Postgres) runAsPostgresUser(dir string) error {
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root, the throwaway cluster needs the postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	// Walked and changed through a root on dir, so that no path can lead out of it.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer func() { _ = root.Close() }() // opened to walk only: a failed close loses nothing
	if err := fs.WalkDir(root.FS(), ".", func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return root.Lchown(path, uid, gid)
	}); err != nil {
		return err
	}
	p.runAs = []string{"runuser", "-u", "postgres", "--"}
	return nil
}

func (p *Postgres) run(tool string, args ...string) error {
	argv := append(slices.Clone(p.runAs), append([]string{filepath.Join(p.bin, tool)}, args...)...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = p.out, p.out
	return cmd.Run()
}

func (p *Postgres) createDatabase(ctx context.Context, port int) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port))
	if err != nil {
		return fmt.Errorf("connect to the throwaway cluster: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "select exists (select 1 from pg_database where datname = 'orderflow')").Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := conn.Exec(ctx, "create database orderflow"); err != nil {
			return err
		}
	}
	return nil
}

// postgresBin finds the directory of initdb and pg_ctl: on PATH, or Debian's
// /usr/lib/postgresql/<version>/bin (newest first).
func postgresBin() (string, error) {
	if path, err := exec.LookPath("initdb"); err == nil {
		if dir := filepath.Dir(path); fileExists(filepath.Join(dir, "pg_ctl")) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return versionOf(b) - versionOf(a) })
	for _, dir := range dirs {
		if fileExists(filepath.Join(dir, "initdb")) && fileExists(filepath.Join(dir, "pg_ctl")) {
			return dir, nil
		}
	}
	return "", ErrNoPostgres
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}
