// Package httpserve runs an HTTP server for as long as a context lives and then shuts
// it down gracefully: the API, its admin listener and the workers' and projector's
// /metrics use it. Every server it starts has bounded timeouts and header sizes
// (Limits), so a client that sends slowly, or connects and says nothing, cannot hold a
// connection and its goroutine for ever.
package httpserve

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Limits bound what one connection may take of the server.
type Limits struct {
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included, from its first byte:
	// a body sent a byte a second is cut off here.
	ReadTimeout time.Duration
	// WriteTimeout bounds the time from the end of the request's headers to the end of
	// its response; it must exceed the slowest handler (the API's longest wait is a
	// read-your-writes read, 5 s).
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that has sent no new request for this long.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's headers (request line included); larger ones
	// are answered 431 by net/http.
	MaxHeaderBytes int
}

// DefaultLimits are what Serve and ServeListener use unless told otherwise. A request
// body is at most 64 KiB (api.maxBodyBytes), which even a slow mobile link sends well
// within ReadTimeout; a bearer token and the usual proxy and tracing headers fit many
// times in MaxHeaderBytes.
var DefaultLimits = Limits{
	ReadHeaderTimeout: 5 * time.Second,
	ReadTimeout:       15 * time.Second,
	WriteTimeout:      30 * time.Second,
	IdleTimeout:       60 * time.Second,
	MaxHeaderBytes:    32 << 10,
}

// Option adjusts how a server is run.
type Option func(*Limits)

// WithLimits replaces DefaultLimits; zero fields keep their default.
func WithLimits(l Limits) Option {
	return func(d *Limits) {
		set := func(dst *time.Duration, v time.Duration) {
			if v > 0 {
				*dst = v
			}
		}
		set(&d.ReadHeaderTimeout, l.ReadHeaderTimeout)
		set(&d.ReadTimeout, l.ReadTimeout)
		set(&d.WriteTimeout, l.WriteTimeout)
		set(&d.IdleTimeout, l.IdleTimeout)
		if l.MaxHeaderBytes > 0 {
			d.MaxHeaderBytes = l.MaxHeaderBytes
		}
	}
}

// NewServer is the http.Server Serve runs: h behind the limits.
func NewServer(h http.Handler, opts ...Option) *http.Server {
	l := DefaultLimits
	for _, o := range opts {
		o(&l)
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}

// Serve serves h on addr until ctx ends, then stops taking connections and lets the
// requests in flight finish (up to 10 s).
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger, opts ...Option) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return ServeListener(ctx, l, h, log, opts...)
}

// ServeListener is Serve on a listener the caller has bound already: a caller that
// tells people where to connect binds first, so the address it prints answers.
func ServeListener(ctx context.Context, l net.Listener, h http.Handler, log *slog.Logger, opts ...Option) error {
	srv := NewServer(h, opts...)
	failed := make(chan error, 1)
	go func() { failed <- srv.Serve(l) }()
	log.Info("listening", "addr", l.Addr().String())
	select {
	case err := <-failed:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-failed; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
