package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/domain/consumer"
)

func postWithKey(h *harness, path, token, key string, body any) *responseWithHeaders {
	h.t.Helper()
	rec := h.serve(request{Method: http.MethodPost, Path: path, Token: token, Body: body,
		Header: map[string]string{"Idempotency-Key": key}})
	return &responseWithHeaders{rec.Code, rec.Header().Get("Idempotent-Replayed"), rec.Body.String()}
}

func TestIdempotencyReplaysRefusalsToo(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	bad := validConsumer()
	bad["email"] = "nope"
	first := postWithKey(h, "/v1/consumers", h.admin(), "bad-1", bad)
	require.Equal(t, http.StatusUnprocessableEntity, first.status)
	again := postWithKey(h, "/v1/consumers", h.admin(), "bad-1", bad)
	require.Equal(t, http.StatusUnprocessableEntity, again.status)
	require.Equal(t, "true", again.replayed)
	require.JSONEq(t, first.body, again.body)
	require.Zero(t, h.eventCount())

	// The replay keeps the problem content type.
	rec := h.serve(request{Method: http.MethodPost, Path: "/v1/consumers", Token: h.admin(), Body: bad,
		Header: map[string]string{"Idempotency-Key": "bad-1"}})
	requireProblem(t, rec, http.StatusUnprocessableEntity, "validation-failed")
}

func TestIdempotencyKeyIsScopedToThePath(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	require.Equal(t, http.StatusCreated, postWithKey(h, "/v1/consumers", h.admin(), "k", validConsumer()).status)
	h.nothingWritten(func() {
		rec := h.serve(request{Method: http.MethodPost, Path: "/v1/restaurants", Token: h.admin(), Body: validConsumer(),
			Header: map[string]string{"Idempotency-Key": "k"}})
		requireProblem(t, rec, http.StatusUnprocessableEntity, "idempotency-key-reused")
	})
}

func TestIdempotencyKeyInFlight(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body, err := json.Marshal(validConsumer())
	require.NoError(t, err)
	hash := sha256.Sum256(append([]byte("POST /v1/consumers\n"), body...))
	// A first request with this key and body is still being handled: its row has no
	// response yet.
	_, err = h.schema.Pool.Exec(context.Background(), `insert into api_idempotency_keys (principal, key, request_hash)
		values ('admin:root', 'busy', $1)`, hash[:])
	require.NoError(t, err)
	h.nothingWritten(func() {
		rec := h.serve(request{Method: http.MethodPost, Path: "/v1/consumers", Token: h.admin(), Body: body,
			Header: map[string]string{"Idempotency-Key": "busy"}})
		requireProblem(t, rec, http.StatusConflict, "idempotency-key-in-flight")
	})
}

func TestIdempotencyKeyTooLong(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.nothingWritten(func() {
		rec := h.serve(request{Method: http.MethodPost, Path: "/v1/consumers", Token: h.admin(), Body: validConsumer(),
			Header: map[string]string{"Idempotency-Key": strings.Repeat("k", 201)}})
		p := requireProblem(t, rec, http.StatusUnprocessableEntity, "validation-failed")
		require.Equal(t, []string{"Idempotency-Key"}, fieldNames(p))
	})
}

// failingOnce fails the first registration as a database outage would.
type failingOnce struct {
	api.ConsumerCommands
	failed atomic.Bool
}

func (f *failingOnce) Register(ctx context.Context, actor string, cmd app.RegisterConsumer) (consumer.State, error) {
	if f.failed.CompareAndSwap(false, true) {
		return consumer.State{}, errors.New("connection reset by peer")
	}
	return f.ConsumerCommands.Register(ctx, actor, cmd)
}

func TestIdempotencyDoesNotKeepServerErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(d *api.Deps) { d.Consumers = &failingOnce{ConsumerCommands: d.Consumers} })

	first := postWithKey(h, "/v1/consumers", h.admin(), "retry-me", validConsumer())
	require.Equal(t, http.StatusInternalServerError, first.status)
	require.NotContains(t, first.body, "connection reset", "internals stay on the server")

	retry := postWithKey(h, "/v1/consumers", h.admin(), "retry-me", validConsumer())
	require.Equal(t, http.StatusCreated, retry.status, retry.body)
	require.Empty(t, retry.replayed, "a server error is not replayed")

	replay := postWithKey(h, "/v1/consumers", h.admin(), "retry-me", validConsumer())
	require.Equal(t, http.StatusCreated, replay.status)
	require.Equal(t, "true", replay.replayed)
	require.JSONEq(t, retry.body, replay.body)
}

// TestIdempotencyKeyNamesWhatItCreates: the id of a resource a POST creates derives
// from the principal and the key, so a retry whose kept response is gone (expired)
// finds the same consumer and writes nothing new.
func TestIdempotencyKeyNamesWhatItCreates(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	first := postWithKey(h, "/v1/consumers", h.admin(), "ann", validConsumer())
	require.Equal(t, http.StatusCreated, first.status, first.body)
	_, err := h.schema.Pool.Exec(context.Background(), `delete from api_idempotency_keys`)
	require.NoError(t, err)
	h.nothingAppended(func() {
		again := postWithKey(h, "/v1/consumers", h.admin(), "ann", validConsumer())
		require.Equal(t, http.StatusCreated, again.status, again.body)
		require.Empty(t, again.replayed)
		require.JSONEq(t, first.body, again.body)
	})
}
