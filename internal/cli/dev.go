package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/internal/devstack"
	"github.com/orderflow/orderflow/internal/httpserve"
	"github.com/orderflow/orderflow/internal/migrations"
	"github.com/orderflow/orderflow/internal/telemetry"
	"github.com/orderflow/orderflow/notifier"
)

// devOptions are the dev stack's ports and where it keeps its files.
type devOptions struct {
	apiPort, adminPort, temporalPort, uiPort, postgresPort, natsPort int
	dir                                                              string
}

func devCommand(cfg *Config) *cobra.Command {
	o := devOptions{apiPort: 8080, adminPort: 9090, temporalPort: 7233, uiPort: 8233, postgresPort: 15432, natsPort: 14222, dir: ".dev"}
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the whole stack on this machine: Temporal dev server and UI, PostgreSQL, NATS, workers, projector, relay, notifier, API",
		Long: "Starts a Temporal dev server with its UI (bin/temporal, built by `make temporal`) with orderflow's " +
			"search attributes; uses DATABASE_URL when it is set, or else makes a throwaway PostgreSQL cluster " +
			"under --dir with the installed initdb and pg_ctl; uses NATS_URL when it is set, or else runs an " +
			"embedded NATS server with JetStream (its streams under --dir); migrates; runs the workers, the projector, " +
			"the relay (public events to NATS), the example notifier and the API in this process; prints the addresses " +
			"of the API, of its admin listener (/metrics, /readyz), of Temporal UI and of NATS, and an admin token; and stops " +
			"everything on Ctrl-C or SIGTERM. It runs in development mode: tokens are signed with TOKEN_SECRET " +
			"when it is set, and with the published development secret otherwise (mint more with " +
			"`orderflow token --dev-mode`).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, databaseSet := os.LookupEnv("DATABASE_URL")
			_, natsSet := os.LookupEnv("NATS_URL")
			return runDev(cmd, cfg, o, databaseSet || cmd.Flags().Changed("database-url"), natsSet || cmd.Flags().Changed("nats-url"))
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.apiPort, "api-port", envInt("DEV_API_PORT", o.apiPort), "API port (DEV_API_PORT)")
	f.IntVar(&o.adminPort, "admin-port", envInt("DEV_ADMIN_PORT", o.adminPort),
		"port of the admin listener: /metrics, /readyz, /healthz (DEV_ADMIN_PORT)")
	f.IntVar(&o.temporalPort, "temporal-port", envInt("DEV_TEMPORAL_PORT", o.temporalPort), "Temporal frontend port (DEV_TEMPORAL_PORT)")
	f.IntVar(&o.uiPort, "ui-port", envInt("DEV_UI_PORT", o.uiPort), "Temporal UI port (DEV_UI_PORT)")
	f.IntVar(&o.postgresPort, "postgres-port", envInt("DEV_POSTGRES_PORT", o.postgresPort),
		"port of the throwaway PostgreSQL cluster, when DATABASE_URL is not set (DEV_POSTGRES_PORT)")
	f.IntVar(&o.natsPort, "nats-port", envInt("DEV_NATS_PORT", o.natsPort),
		"port of the embedded NATS server, when NATS_URL is not set (DEV_NATS_PORT)")
	f.StringVar(&o.dir, "dir", o.dir, "where the dev stack keeps its cluster, NATS streams and logs")
	natsFlag(cmd, cfg)
	return cmd
}

func runDev(cmd *cobra.Command, cfg *Config, o devOptions, databaseSet, natsSet bool) error {
	ctx := cmd.Context()
	log, err := cfg.logger()
	if err != nil {
		return err
	}
	// The dev stack is development mode: it signs with TOKEN_SECRET when set, and with
	// the published development secret otherwise.
	cfg.DevMode = true
	if err := cfg.checkTokenSecrets(secretNeeded); err != nil {
		return err
	}
	addr := func(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }
	for _, p := range []struct {
		what string
		port int
		flag string
	}{{"API", o.apiPort, "--api-port"}, {"Admin", o.adminPort, "--admin-port"}, {"Temporal", o.temporalPort, "--temporal-port"},
		{"Temporal UI", o.uiPort, "--ui-port"}} {
		if err := devstack.CheckFree(p.what, addr(p.port), "choose another with "+p.flag); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil { //nolint:gosec // run as root, the cluster's postgres user must reach the postgres directory inside
		return err
	}
	temporalLog, err := os.Create(filepath.Join(o.dir, "temporal.log"))
	if err != nil {
		return err
	}
	defer func() { _ = temporalLog.Close() }() // the Temporal server writes it; a failed close loses at most a log line

	log.Info("starting the Temporal dev server", "log", temporalLog.Name())
	temporal, err := devstack.StartTemporal(ctx, devstack.TemporalOptions{Port: o.temporalPort, UIPort: o.uiPort, Output: temporalLog})
	if err != nil {
		return err
	}
	defer func() { _ = temporal.Stop(15 * time.Second) }()
	cfg.TemporalAddress = temporal.Address

	if !databaseSet {
		if err := devstack.CheckFree("PostgreSQL", addr(o.postgresPort), "choose another with --postgres-port"); err != nil {
			return err
		}
		dir, err := filepath.Abs(filepath.Join(o.dir, "postgres"))
		if err != nil {
			return err
		}
		log.Info("starting a throwaway PostgreSQL cluster", "dir", dir)
		pg, err := devstack.StartPostgres(ctx, dir, o.postgresPort, nil)
		if err != nil {
			return err
		}
		defer func() { _ = pg.Stop() }()
		cfg.DatabaseURL = pg.URL
	}

	if !natsSet {
		if err := devstack.CheckFree("NATS", addr(o.natsPort), "choose another with --nats-port, or set NATS_URL"); err != nil {
			return err
		}
		dir, err := filepath.Abs(filepath.Join(o.dir, "nats"))
		if err != nil {
			return err
		}
		log.Info("starting an embedded NATS server with JetStream", "dir", dir)
		broker, err := devstack.StartNATS(dir, o.natsPort)
		if err != nil {
			return err
		}
		defer broker.Stop()
		cfg.NATSURL = broker.URL
	}

	limits, err := cfg.apiLimits()
	if err != nil {
		return err
	}
	idempotency, err := cfg.idempotency()
	if err != nil {
		return err
	}
	s, err := connect(ctx, cfg, "orderflow-dev", true)
	if err != nil {
		return err
	}
	defer s.Close()
	s.Limits = limits
	s.Idempotency = idempotency
	token, err := s.Tokens.Issue(api.Principal{Role: api.RoleAdmin, Subject: "admin"}, s.Tokens.MaxTTL(), time.Now())
	if err != nil {
		return err
	}
	// The notifier's own tables, in the dev stack's database.
	if err := migrations.Apply(ctx, s.Pool, notifier.Migrations); err != nil {
		return fmt.Errorf("migrate the notifier: %w", err)
	}
	nc, err := connectNATS(cfg, "orderflow-dev", s.Logger)
	if err != nil {
		return err
	}
	defer nc.Close()

	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	var wg sync.WaitGroup
	run := func(name string, f func(context.Context) error) {
		wg.Go(func() {
			if err := f(ctx); err != nil && ctx.Err() == nil {
				stop(fmt.Errorf("%s: %w", name, err))
			}
		})
	}
	run("workers", func(ctx context.Context) error { return s.RunWorkers(ctx) })
	run("projector", func(ctx context.Context) error {
		return s.RunProjector(ctx, telemetry.NewProjectorMetrics(s.Telemetry.Registry))
	})
	run("relay", func(ctx context.Context) error {
		return runRelay(ctx, s.Store.Events, s.Pool, nc, telemetry.NewRelayMetrics(s.Telemetry.Registry), s.Logger)
	})
	run("notifier", func(ctx context.Context) error {
		return runNotifier(ctx, s.Pool, nc, telemetry.NewNotifierMetrics(s.Telemetry.Registry), s.Logger)
	})
	for _, l := range []struct {
		name    string
		port    int
		handler http.Handler
	}{
		{"api", o.apiPort, s.Telemetry.HTTP(s.APIHandler(s.Telemetry.Registry), "orderflow-api")},
		// One process: the admin listener's /metrics shows the workers', the projector's,
		// the relay's and the notifier's too.
		{"admin", o.adminPort, s.AdminHandler(s.Telemetry.Registry)},
	} {
		listener, err := net.Listen("tcp", addr(l.port))
		if err != nil {
			stop(err)
			break
		}
		run(l.name, func(ctx context.Context) error {
			return httpserve.ServeListener(ctx, listener, l.handler, s.Logger.With("server", l.name))
		})
	}
	go func() {
		select {
		case <-temporal.Exited():
			stop(errors.New("the Temporal dev server exited; see " + temporalLog.Name()))
		case <-ctx.Done():
		}
	}()

	if ctx.Err() == nil {
		out := cmd.OutOrStdout()
		fmt.Fprintf(out, "API: http://%s\n", addr(o.apiPort))
		fmt.Fprintf(out, "Admin: http://%s\n", addr(o.adminPort))
		fmt.Fprintf(out, "Temporal UI: %s\n", temporal.UI)
		fmt.Fprintf(out, "NATS: %s\n", redactedURL(cfg.NATSURL))
		fmt.Fprintf(out, "Token: %s\n", token)
		fmt.Fprintln(out, "Ctrl-C stops everything.")
	}

	<-ctx.Done()
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	log.Info("dev stack stopped")
	return nil
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// redactedURL is u with any password masked, for printing.
func redactedURL(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u
	}
	return parsed.Redacted()
}
