package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/stack"
	"github.com/orderflow/orderflow/internal/telemetry"
)

// connectDatabase opens the pool and brings every schema up to date.
func connectDatabase(ctx context.Context, cfg *Config) (*pgxpool.Pool, error) {
	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if err := stack.Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return pool, nil
}

// connectTemporal dials Temporal with the process's logger bridged to the SDK's, its
// metrics reported to the process's registry and, when tracing is on, trace context
// carried into workflows and activities.
func connectTemporal(ctx context.Context, cfg *Config, log *slog.Logger, tel *telemetry.Telemetry) (client.Client, error) {
	opts := client.Options{
		HostPort:       cfg.TemporalAddress,
		Namespace:      cfg.TemporalNamespace,
		Logger:         tlog.NewStructuredLogger(log),
		MetricsHandler: tel.TemporalMetrics,
		Interceptors:   tel.TemporalInterceptors,
	}
	if err := cfg.TemporalTLS.apply(&opts); err != nil {
		return nil, err
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("temporal at %s: %w", cfg.TemporalAddress, err)
	}
	return c, nil
}

// apply sets up opts' TLS and credentials as configured.
func (t TemporalTLS) apply(opts *client.Options) error {
	if (t.CertFile == "") != (t.KeyFile == "") {
		return errors.New("temporal TLS: set both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY, or neither")
	}
	if !t.TLS && t.CertFile == "" && t.CAFile == "" && t.APIKey == "" && t.ServerName == "" {
		return nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return fmt.Errorf("temporal TLS client certificate: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return fmt.Errorf("temporal TLS CA: %w", err)
		}
		conf.RootCAs = x509.NewCertPool()
		if !conf.RootCAs.AppendCertsFromPEM(pem) {
			return fmt.Errorf("temporal TLS CA: no certificate in %s", t.CAFile)
		}
	}
	opts.ConnectionOptions.TLS = conf
	if t.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(t.APIKey)
	}
	return nil
}

// process is what one orderflow process runs on.
type process struct {
	*stack.Services
	Telemetry *telemetry.Telemetry
	release   []func()
}

// Close releases everything the process connected, last first.
func (p *process) Close() {
	for i := len(p.release) - 1; i >= 0; i-- {
		p.release[i]()
	}
}

// connect sets up the process named name: telemetry, the database (migrated) and, when
// withTemporal, the Temporal client.
func connect(ctx context.Context, cfg *Config, name string, withTemporal bool) (*process, error) {
	log, logs, err := cfg.bufferedLogger()
	if err != nil {
		return nil, err
	}
	// The log buffer is released last, so that what the other releases log is written.
	p := &process{release: []func(){func() { _ = logs.Close() }}}
	ok := false
	defer func() {
		if !ok {
			p.Close()
		}
	}()
	if p.Telemetry, err = telemetry.Setup(ctx, name, cfg.OTLPEndpoint); err != nil {
		return nil, err
	}
	p.release = append(p.release, func() { _ = p.Telemetry.Shutdown(context.WithoutCancel(ctx)) })
	pool, err := connectDatabase(ctx, cfg)
	if err != nil {
		return nil, err
	}
	p.release = append(p.release, pool.Close)
	var c client.Client
	if withTemporal {
		if c, err = connectTemporal(ctx, cfg, log, p.Telemetry); err != nil {
			return nil, err
		}
		p.release = append(p.release, c.Close)
	}
	p.Services = stack.New(pool, c, cfg.tokens(), log, eventstore.DefaultChannel)
	p.release = append(p.release, p.Services.Close)
	ok = true
	return p, nil
}

// serveMetrics serves the process's metrics on METRICS_ADDR, when it is set.
func (p *process) serveMetrics(ctx context.Context, cfg *Config) {
	if cfg.MetricsAddr == "" {
		return
	}
	go func() {
		if err := p.Telemetry.ServeMetrics(ctx, cfg.MetricsAddr, p.Logger); err != nil {
			p.Logger.Error("metrics server stopped", "err", err)
		}
	}()
}

func (c Config) tokens() api.Tokens {
	return api.Tokens{Secret: []byte(c.TokenSecret), Previous: c.previousTokenSecrets(), Issuer: c.TokenIssuer,
		Audience: c.TokenAudience, MaxLifetime: c.TokenMaxLifetime}
}
