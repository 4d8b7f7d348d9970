package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/readyz":
			w.WriteHeader(http.StatusOK)
		case "/slow":
			time.Sleep(300 * time.Millisecond)
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"checks":{"temporal":"unreachable"}}`))
		}
	}))
	defer srv.Close()
	ctx := context.Background()

	if err := check(ctx, srv.Client(), srv.URL+"/readyz"); err != nil {
		t.Errorf("2xx: want healthy, got %v", err)
	}
	err := check(ctx, srv.Client(), srv.URL+"/down")
	if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "temporal") {
		t.Errorf("503: want an error naming the status and the body, got %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := check(short, srv.Client(), srv.URL+"/slow"); err == nil {
		t.Error("a server slower than the timeout: want an error")
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	url := closed.URL
	closed.Close()
	if err := check(ctx, http.DefaultClient, url); err == nil {
		t.Error("nothing listening: want an error")
	}
}
