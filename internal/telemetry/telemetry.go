// Package telemetry sets up a process's metrics and traces: a Prometheus registry that
// the process serves on /metrics (Temporal's SDK metrics reach it through an
// OpenTelemetry meter and the OTel Prometheus exporter), and OpenTelemetry tracing
// across API -> workflow -> activities through Temporal's tracing interceptor, exported
// over OTLP when an endpoint is configured and off otherwise.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	otelprometheus "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
)

// Telemetry is one process's metrics registry and, when tracing is on, its tracer.
type Telemetry struct {
	Registry *prometheus.Registry
	// TemporalMetrics reports the Temporal SDK's metrics (workflow and activity task
	// latencies, failures, ...) into Registry.
	TemporalMetrics client.MetricsHandler
	// TemporalInterceptors carry trace context from the caller into workflows and on to
	// activities; empty when tracing is off.
	TemporalInterceptors []interceptor.ClientInterceptor
	resource             *resource.Resource          // names the process in metrics and traces
	flush                func(context.Context) error // nil while tracing is off
	shutdown             []func(context.Context) error
}

// Setup builds the telemetry of the process named service. otlpEndpoint (host:port of
// an OTLP gRPC collector) turns tracing on; empty leaves it off.
func Setup(ctx context.Context, service, otlpEndpoint string) (*Telemetry, error) {
	t := &Telemetry{Registry: prometheus.NewRegistry(), resource: resource.NewSchemaless(semconv.ServiceName(service))}
	t.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	exporter, err := otelprometheus.New(otelprometheus.WithRegisterer(t.Registry))
	if err != nil {
		return nil, fmt.Errorf("metrics exporter: %w", err)
	}
	meters := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter), sdkmetric.WithResource(t.resource))
	t.shutdown = append(t.shutdown, meters.Shutdown)
	t.TemporalMetrics = temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{Meter: meters.Meter("temporal-sdk-go")})

	if otlpEndpoint == "" {
		return t, nil
	}
	spans, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(otlpEndpoint), otlptracegrpc.WithInsecure())
	if err != nil {
		return nil, fmt.Errorf("trace exporter: %w", err)
	}
	if err := t.TraceTo(spans); err != nil {
		return nil, err
	}
	return t, nil
}

// TraceTo turns tracing on, exporting spans to exporter in batches (opts tune them):
// Setup does it for an OTLP endpoint, tests with an in-memory exporter. Workflows
// started, and activities run, through a client made with TemporalInterceptors join the
// caller's trace.
func (t *Telemetry) TraceTo(exporter sdktrace.SpanExporter, opts ...sdktrace.BatchSpanProcessorOption) error {
	tracer := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter, opts...), sdktrace.WithResource(t.resource))
	t.shutdown = append(t.shutdown, tracer.Shutdown)
	t.flush = tracer.ForceFlush
	otel.SetTracerProvider(tracer)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	tracing, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{Tracer: tracer.Tracer("orderflow")})
	if err != nil {
		return fmt.Errorf("temporal tracing: %w", err)
	}
	t.TemporalInterceptors = []interceptor.ClientInterceptor{tracing}
	return nil
}

// HTTP wraps an HTTP handler in a server span per request when tracing is on, so that
// the workflows a request starts are children of it.
func (t *Telemetry) HTTP(h http.Handler, operation string) http.Handler {
	if t.flush == nil {
		return h
	}
	return otelhttp.NewHandler(h, operation)
}

// Flush exports the spans ended so far.
func (t *Telemetry) Flush(ctx context.Context) error {
	if t.flush == nil {
		return nil
	}
	return t.flush(ctx)
}

// Shutdown flushes and stops the exporters.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	var errs []error
	for _, f := range t.shutdown {
		errs = append(errs, f(ctx))
	}
	return errors.Join(errs...)
}
