package telemetry

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/orderflow/orderflow/internal/httpserve"
)

// ServeMetrics serves the registry on addr/metrics until ctx ends. Workers and the
// projector use it; the API serves /metrics on its admin listener (api.NewAdminHandler).
func (t *Telemetry) ServeMetrics(ctx context.Context, addr string, log *slog.Logger) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(t.Registry, promhttp.HandlerOpts{}))
	return httpserve.Serve(ctx, addr, mux, log.With("server", "metrics"))
}
