package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/caarlos0/env/v11"
)

// Config is everything the processes read from the environment. Defaults suit a
// local machine; docker-compose.yml and `make dev` set the rest.
type Config struct {
	DatabaseURL       string   `env:"DATABASE_URL" envDefault:"postgres://postgres@127.0.0.1:5432/orderflow?sslmode=disable"`
	TemporalAddress   string   `env:"TEMPORAL_ADDRESS" envDefault:"127.0.0.1:7233"`
	TemporalNamespace string   `env:"TEMPORAL_NAMESPACE" envDefault:"default"`
	WorkerQueues      []string `env:"WORKER_QUEUES" envSeparator:","`
	// APIAddr is where `orderflow api` listens.
	APIAddr string `env:"API_ADDR" envDefault:"127.0.0.1:8080"`
	// MetricsAddr is where workers and the projector serve /metrics (the API serves
	// its own on APIAddr); empty turns it off.
	MetricsAddr string `env:"METRICS_ADDR"`
	// OTLPEndpoint, when set, exports traces there (OTEL_EXPORTER_OTLP_ENDPOINT).
	OTLPEndpoint string `env:"OTEL_EXPORTER_OTLP_ENDPOINT"`
	// TokenSecret signs and verifies bearer tokens (HMAC-SHA256, at least 32 bytes).
	TokenSecret string `env:"TOKEN_SECRET" envDefault:"orderflow-dev-secret-change-me-in-production"`
	TokenIssuer string `env:"TOKEN_ISSUER" envDefault:"orderflow"`
	LogLevel    string `env:"LOG_LEVEL" envDefault:"info"`
	LogFormat   string `env:"LOG_FORMAT" envDefault:"text"`
}

// devTokenSecret is TOKEN_SECRET's default: good for a dev stack only, since anyone who
// reads this file can mint tokens with it.
const devTokenSecret = "orderflow-dev-secret-change-me-in-production"

func loadConfig() (Config, error) {
	cfg, err := env.ParseAs[Config]()
	if err != nil {
		return cfg, fmt.Errorf("configuration: %w", err)
	}
	return cfg, nil
}

// logger is the process's structured logger, also handed to Temporal's SDK.
func (c Config) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", c.LogLevel, err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.LogFormat) {
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	case "text", "":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", c.LogFormat)
}
