package httpserve_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/internal/httpserve"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// serve runs h with opts on a free local port until the test ends and returns its address.
func serve(t *testing.T, h http.Handler, opts ...httpserve.Option) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- httpserve.ServeListener(ctx, l, h, quiet, opts...) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return l.Addr().String()
}

// Every bound is set by default: none of them is net/http's "no limit".
func TestDefaultLimitsAreBounded(t *testing.T) {
	srv := httpserve.NewServer(http.NotFoundHandler())
	require.Positive(t, srv.ReadHeaderTimeout)
	require.Positive(t, srv.ReadTimeout, "a body sent a byte a second would hold its handler")
	require.Positive(t, srv.IdleTimeout, "an idle keep-alive connection would be kept for ever")
	require.Greater(t, srv.WriteTimeout, 10*time.Second, "the API's longest handler (a 5 s read-your-writes wait) must fit")
	require.Positive(t, srv.MaxHeaderBytes)
	require.LessOrEqual(t, srv.MaxHeaderBytes, 64<<10, "net/http's default is 1 MiB of headers per request")
}

// A request whose headers are larger than the limit is refused with 431 and never
// reaches the handler.
func TestOversizedHeadersAreRefused(t *testing.T) {
	reached := false
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		reached = true
		w.WriteHeader(http.StatusNoContent)
	}))
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
	require.NoError(t, err)
	req.Header.Set("X-Padding", strings.Repeat("a", 100<<10))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
	require.False(t, reached)

	// Ordinary headers (a bearer token and proxy headers) are fine.
	req.Header.Set("X-Padding", strings.Repeat("a", 4<<10))
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
}

// A body sent a byte at a time is cut off at ReadTimeout: the handler's read fails
// and the connection is closed, instead of the handler waiting for as long as the
// client likes.
func TestSlowBodyIsCutOff(t *testing.T) {
	readErr := make(chan error, 1)
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		readErr <- err
	}), httpserve.WithLimits(httpserve.Limits{ReadTimeout: 300 * time.Millisecond}))

	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
	require.NoError(t, err)
	start := time.Now()
	go func() {
		for range 100 {
			if _, err := conn.Write([]byte("{")); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	select {
	case err := <-readErr:
		require.Error(t, err, "the handler read a body that never finished")
		require.Less(t, time.Since(start), 3*time.Second)
	case <-time.After(5 * time.Second):
		t.Fatal("the handler is still reading a body sent a byte every 100ms")
	}
}

// A keep-alive connection that sends no further request is closed at IdleTimeout.
func TestIdleConnectionIsClosed(t *testing.T) {
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}), httpserve.WithLimits(httpserve.Limits{IdleTimeout: 200 * time.Millisecond}))

	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)

	// Now say nothing: the server hangs up.
	start := time.Now()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = br.ReadByte()
	require.True(t, errors.Is(err, io.EOF) || isReset(err), "the idle connection was not closed: %v", err)
	require.Less(t, time.Since(start), 3*time.Second)
}

func isReset(err error) bool {
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// WithLimits keeps the defaults of the fields it leaves zero.
func TestWithLimitsKeepsDefaults(t *testing.T) {
	srv := httpserve.NewServer(http.NotFoundHandler(), httpserve.WithLimits(httpserve.Limits{IdleTimeout: time.Second}))
	require.Equal(t, time.Second, srv.IdleTimeout)
	require.Equal(t, httpserve.DefaultLimits.ReadTimeout, srv.ReadTimeout)
	require.Equal(t, httpserve.DefaultLimits.MaxHeaderBytes, srv.MaxHeaderBytes)
}

// Asked to stop while a request is in flight, the server refuses new connections at
// once, lets the request finish with its full response, and only then returns.
func TestShutdownLetsTheRequestInFlightFinishAndRefusesNewConnections(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, "finished")
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	served := make(chan error, 1)
	go func() { served <- httpserve.ServeListener(ctx, l, h, quiet) }()

	type answer struct {
		status int
		body   string
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		answered <- answer{resp.StatusCode, string(body), err}
	}()
	<-entered

	stop()
	require.Eventually(t, func() bool {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
		}
		return err != nil
	}, 10*time.Second, 5*time.Millisecond, "new connections are still taken after the stop")
	select {
	case err := <-served:
		t.Fatalf("the server returned (%v) with a request in flight", err)
	case a := <-answered:
		t.Fatalf("the request in flight was answered before it finished: %+v", a)
	default:
	}

	close(release)
	select {
	case a := <-answered:
		require.NoError(t, a.err)
		require.Equal(t, http.StatusOK, a.status)
		require.Equal(t, "finished", a.body)
	case <-time.After(10 * time.Second):
		t.Fatal("the request in flight was never answered")
	}
	select {
	case err := <-served:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not return once its last request finished")
	}
}
