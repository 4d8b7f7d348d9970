package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/orderflow/orderflow/internal/telemetry"
)

// Config is everything the processes read from the environment. Defaults suit a
// local machine; docker-compose.yml and `make dev` set the rest.
type Config struct {
	DatabaseURL       string `env:"DATABASE_URL" envDefault:"postgres://postgres@127.0.0.1:5432/orderflow?sslmode=disable"`
	TemporalAddress   string `env:"TEMPORAL_ADDRESS" envDefault:"127.0.0.1:7233"`
	TemporalNamespace string `env:"TEMPORAL_NAMESPACE" envDefault:"default"`
	// TemporalTLS secures the connection to a production Temporal cluster or Temporal
	// Cloud: mutual TLS with a client certificate, and/or an API key.
	TemporalTLS  TemporalTLS `envPrefix:"TEMPORAL_"`
	WorkerQueues []string    `env:"WORKER_QUEUES" envSeparator:","`
	// APIAddr is where `orderflow api` listens.
	APIAddr string `env:"API_ADDR" envDefault:"127.0.0.1:8080"`
	// AdminAddr is where `orderflow api` serves /metrics, /readyz and /healthz, apart
	// from the API and unauthenticated: loopback by default, so only this host (in a
	// container, only the container) reaches it. Empty turns it off.
	AdminAddr string `env:"ADMIN_ADDR" envDefault:"127.0.0.1:9090"`
	// AdminPprof serves Go's profiles at /debug/pprof/ on AdminAddr (never on APIAddr);
	// off by default.
	AdminPprof bool `env:"ADMIN_PPROF"`
	// MetricsAddr is where workers and the projector serve /metrics, and the relay and
	// the notifier /metrics, /readyz and /healthz (the API serves its own on
	// AdminAddr); empty turns it off.
	MetricsAddr string `env:"METRICS_ADDR"`
	// NATSURL is the NATS server, with JetStream, that the relay publishes the public
	// events to and the notifier consumes them from (docs/events.md); credentials go in
	// it (nats://user:password@host:4222) when the server wants them.
	NATSURL string `env:"NATS_URL" envDefault:"nats://127.0.0.1:4222"`
	// RateLimit is how many requests a second one principal may make of one API
	// process on average (0 turns the limit off), and RateBurst how many at once.
	RateLimit float64 `env:"RATE_LIMIT" envDefault:"20"`
	RateBurst int     `env:"RATE_BURST" envDefault:"40"`
	// IdempotencyKeyTTL is how long the API keeps an Idempotency-Key and its response;
	// IdempotencyKeyLease how long a request may hold its key unfinished before a repeat
	// may take it over (longer than any request takes).
	IdempotencyKeyTTL   time.Duration `env:"IDEMPOTENCY_KEY_TTL" envDefault:"24h"`
	IdempotencyKeyLease time.Duration `env:"IDEMPOTENCY_KEY_LEASE" envDefault:"1m"`
	// OTLPEndpoint, when set, exports traces there (OTEL_EXPORTER_OTLP_ENDPOINT).
	OTLPEndpoint string `env:"OTEL_EXPORTER_OTLP_ENDPOINT"`
	// TokenSecret signs and verifies bearer tokens (HMAC-SHA256, at least 32 bytes). It
	// has no default: outside development mode a missing, short or published one stops
	// the process (secrets.go).
	TokenSecret string `env:"TOKEN_SECRET"`
	// TokenSecretPrevious still verifies tokens, signs none: the secret being rotated out.
	TokenSecretPrevious string        `env:"TOKEN_SECRET_PREVIOUS"`
	TokenIssuer         string        `env:"TOKEN_ISSUER" envDefault:"orderflow"`
	TokenAudience       string        `env:"TOKEN_AUDIENCE" envDefault:"orderflow-api"`
	TokenMaxLifetime    time.Duration `env:"TOKEN_MAX_LIFETIME" envDefault:"24h"`
	// DevMode accepts the development token secret (`orderflow dev` sets it).
	DevMode   bool   `env:"ORDERFLOW_DEV_MODE"`
	LogLevel  string `env:"LOG_LEVEL" envDefault:"info"`
	LogFormat string `env:"LOG_FORMAT" envDefault:"text"`
}

func loadConfig() (Config, error) {
	cfg, err := env.ParseAs[Config]()
	if err != nil {
		return cfg, fmt.Errorf("configuration: %w", err)
	}
	return cfg, nil
}

// logger is the process's structured logger, also handed to Temporal's SDK, writing
// each line to stderr as it comes.
func (c Config) logger() (*slog.Logger, error) {
	h, err := c.logHandler(os.Stderr)
	if err != nil {
		return nil, err
	}
	return slog.New(h), nil
}

// bufferedLogger is logger with its writes gathered (telemetry.LogBuffer): for the
// long-running processes, the API above all, which logs a line per request. Warnings
// and errors are written at once; Close the buffer before the process exits.
func (c Config) bufferedLogger() (*slog.Logger, *telemetry.LogBuffer, error) {
	buf := telemetry.NewLogBuffer(os.Stderr, telemetry.LogFlushInterval)
	h, err := c.logHandler(buf)
	if err != nil {
		_ = buf.Close()
		return nil, nil, err
	}
	return slog.New(telemetry.FlushingHandler(h, buf, slog.LevelWarn)), buf, nil
}

func (c Config) logHandler(w io.Writer) (slog.Handler, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", c.LogLevel, err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.LogFormat) {
	case "json":
		return slog.NewJSONHandler(w, opts), nil
	case "text", "":
		return slog.NewTextHandler(w, opts), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", c.LogFormat)
}

// TemporalTLS is how a process authenticates to Temporal. With none of it set the
// connection is plaintext, as a dev server on loopback takes.
type TemporalTLS struct {
	// CertFile and KeyFile are the client certificate and key for mutual TLS.
	CertFile string `env:"TLS_CERT"`
	KeyFile  string `env:"TLS_KEY"`
	// CAFile verifies the server's certificate; the system's roots when empty.
	CAFile string `env:"TLS_CA"`
	// ServerName overrides the name the server's certificate is checked against; it
	// implies TLS.
	ServerName string `env:"TLS_SERVER_NAME"`
	// TLS turns TLS on without a client certificate (an API key over TLS, say).
	TLS bool `env:"TLS"`
	// APIKey authenticates to Temporal Cloud or a cluster that takes API keys; it
	// implies TLS.
	APIKey string `env:"API_KEY"`
}
