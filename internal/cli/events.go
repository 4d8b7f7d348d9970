package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/httpserve"
	"github.com/orderflow/orderflow/internal/migrations"
	"github.com/orderflow/orderflow/internal/telemetry"
	"github.com/orderflow/orderflow/notifier"
	"github.com/orderflow/orderflow/relay"
)

func relayCommand(cfg *Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "relay",
		Short: "Publish the public order and ticket events from the event store to NATS JetStream",
		Long: "Follows the event store from its checkpoint (subscription " + relay.DefaultSubscription + ") and publishes " +
			"each public event to the JetStream stream " + relay.DefaultStream + " (made or updated at start) on " +
			"orderflow.events.<context>.<type>, committing the checkpoint only once JetStream acknowledged the batch " +
			"(docs/events.md). Several relays may run for availability: one publishes, the others stand by.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.checkTokenSecrets(secretUnused); err != nil {
				return err
			}
			ctx := cmd.Context()
			p, err := connect(ctx, cfg, "orderflow-relay", false)
			if err != nil {
				return err
			}
			defer p.Close()
			nc, err := connectNATS(cfg, "orderflow-relay", p.Logger)
			if err != nil {
				return err
			}
			defer nc.Close()
			p.serveAdmin(ctx, cfg, map[string]func(context.Context) error{"postgres": p.Pool.Ping, "nats": natsReady(nc)})
			p.Logger.Info("relay started", "nats", nc.ConnectedUrlRedacted(), "stream", relay.DefaultStream)
			return ended(ctx, runRelay(ctx, p.Store.Events, p.Pool, nc, telemetry.NewRelayMetrics(p.Telemetry.Registry), p.Logger))
		},
	}
	cmd.Flags().StringVar(&cfg.MetricsAddr, "metrics-addr", cfg.MetricsAddr,
		"serve /metrics, /readyz and /healthz here; off when empty (METRICS_ADDR)")
	natsFlag(cmd, cfg)
	return cmd
}

func notifierCommand(cfg *Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "notifier",
		Short: "An example subscriber: record the notifications consumers would receive from the public events",
		Long: "Consumes the public events from the JetStream stream " + relay.DefaultStream + " with the durable consumer " +
			notifier.DefaultDurable + " and records, in its own tables (notifications, processed_messages), the " +
			"notification each order event means for its consumer: each message once, however often it is delivered " +
			"(docs/events.md). It reads nothing of orderflow's but the events, and migrates only its own tables.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.checkTokenSecrets(secretUnused); err != nil {
				return err
			}
			ctx := cmd.Context()
			log, err := cfg.logger()
			if err != nil {
				return err
			}
			tel, err := telemetry.Setup(ctx, "orderflow-notifier", cfg.OTLPEndpoint)
			if err != nil {
				return err
			}
			defer func() { _ = tel.Shutdown(context.WithoutCancel(ctx)) }()
			pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
			if err != nil {
				return fmt.Errorf("database: %w", err)
			}
			defer pool.Close()
			if err := migrations.Apply(ctx, pool, notifier.Migrations); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
			nc, err := connectNATS(cfg, "orderflow-notifier", log)
			if err != nil {
				return err
			}
			defer nc.Close()
			p := &process{Telemetry: tel}
			p.serveAdminWith(ctx, cfg, log, map[string]func(context.Context) error{"postgres": pool.Ping, "nats": natsReady(nc)})
			log.Info("notifier started", "nats", nc.ConnectedUrlRedacted(), "stream", relay.DefaultStream, "consumer", notifier.DefaultDurable)
			return ended(ctx, runNotifier(ctx, pool, nc, telemetry.NewNotifierMetrics(tel.Registry), log))
		},
	}
	cmd.Flags().StringVar(&cfg.MetricsAddr, "metrics-addr", cfg.MetricsAddr,
		"serve /metrics, /readyz and /healthz here; off when empty (METRICS_ADDR)")
	natsFlag(cmd, cfg)
	return cmd
}

func natsFlag(cmd *cobra.Command, cfg *Config) {
	cmd.Flags().StringVar(&cfg.NATSURL, "nats-url", cfg.NATSURL, "NATS server with JetStream (NATS_URL)")
}

// runRelay publishes until ctx ends, measuring its lag every 5 s.
func runRelay(ctx context.Context, store *eventstore.Store, pool *pgxpool.Pool, nc *nats.Conn, m *telemetry.RelayMetrics, log *slog.Logger) error {
	go m.SampleLag(ctx, 5*time.Second, log, func(ctx context.Context) (int64, time.Duration, error) {
		return relay.Behind(ctx, pool, relay.DefaultSubscription)
	})
	r := &relay.Relay{Store: store, Conn: nc, Metrics: m, Logger: log}
	return r.Run(ctx)
}

// runNotifier consumes until ctx ends, measuring its pending messages every 5 s.
func runNotifier(ctx context.Context, pool *pgxpool.Pool, nc *nats.Conn, m *telemetry.NotifierMetrics, log *slog.Logger) error {
	n := &notifier.Notifier{Pool: pool, Conn: nc, Metrics: m, Logger: log}
	go m.SamplePending(ctx, 5*time.Second, n.Pending)
	return n.Run(ctx)
}

// ended is nil when err is only ctx ending: a process stopped on purpose.
func ended(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// connectNATS connects to NATS_URL for good: it keeps reconnecting (and, when the
// server is not up yet, keeps trying to connect) for as long as the process runs, and
// logs each disconnection and reconnection. It is fit for the relay
// (relay.ConnectOptions); the notifier's acks need nothing more.
func connectNATS(cfg *Config, name string, log *slog.Logger) (*nats.Conn, error) {
	nc, err := nats.Connect(cfg.NATSURL, append(relay.ConnectOptions(), nats.Name(name),
		nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("disconnected from NATS; reconnecting", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("reconnected to NATS", "url", nc.ConnectedUrlRedacted()) }),
	)...)
	if err != nil {
		return nil, fmt.Errorf("NATS at %s: %w", cfg.NATSURL, err)
	}
	return nc, nil
}

// natsReady is a readiness check: the connection to NATS is up.
func natsReady(nc *nats.Conn) func(context.Context) error {
	return func(context.Context) error {
		if s := nc.Status(); s != nats.CONNECTED {
			return fmt.Errorf("NATS connection is %s", s)
		}
		return nil
	}
}

// serveAdmin serves /metrics, /readyz (ready) and /healthz on METRICS_ADDR, when it is set.
func (p *process) serveAdmin(ctx context.Context, cfg *Config, ready map[string]func(context.Context) error) {
	p.serveAdminWith(ctx, cfg, p.Logger, ready)
}

func (p *process) serveAdminWith(ctx context.Context, cfg *Config, log *slog.Logger, ready map[string]func(context.Context) error) {
	if cfg.MetricsAddr == "" {
		return
	}
	handler := api.NewAdminHandler(api.Deps{Registry: p.Telemetry.Registry, Logger: log, Ready: ready})
	go func() {
		if err := httpserve.Serve(ctx, cfg.MetricsAddr, handler, log.With("server", "admin")); err != nil {
			log.Error("admin server stopped", "err", err)
		}
	}()
}
