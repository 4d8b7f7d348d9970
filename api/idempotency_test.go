package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/domain/consumer"
	"github.com/orderflow/orderflow/eventstore"
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

// blockingRegister holds registrations until release is closed, telling started when
// one is running: a first request still in flight.
type blockingRegister struct {
	api.ConsumerCommands
	started chan struct{}
	release chan struct{}
}

func newBlockingRegister(d *api.Deps) *blockingRegister {
	b := &blockingRegister{ConsumerCommands: d.Consumers, started: make(chan struct{}, 10), release: make(chan struct{})}
	d.Consumers = b
	return b
}

func (b *blockingRegister) Register(ctx context.Context, actor string, cmd app.RegisterConsumer) (consumer.State, error) {
	b.started <- struct{}{}
	<-b.release
	return b.ConsumerCommands.Register(ctx, actor, cmd)
}

// TestIdempotencyKeyInFlight: a repeat while the first request with the key is still
// running is told to retry (409 with Retry-After), and runs nothing; once the first is
// done, the repeat gets its response.
func TestIdempotencyKeyInFlight(t *testing.T) {
	t.Parallel()
	var blocking *blockingRegister
	h := newHarness(t, func(d *api.Deps) { blocking = newBlockingRegister(d) })
	firstDone := make(chan *responseWithHeaders)
	go func() { firstDone <- postWithKey(h, "/v1/consumers", h.admin(), "busy", validConsumer()) }()
	<-blocking.started

	h.nothingWritten(func() {
		rec := h.serve(request{Method: http.MethodPost, Path: "/v1/consumers", Token: h.admin(), Body: validConsumer(),
			Header: map[string]string{"Idempotency-Key": "busy"}})
		requireProblem(t, rec, http.StatusConflict, "idempotency-key-in-flight")
		require.Equal(t, "1", rec.Header().Get("Retry-After"))
	})
	close(blocking.release)
	first := <-firstDone
	require.Equal(t, http.StatusCreated, first.status, first.body)

	again := postWithKey(h, "/v1/consumers", h.admin(), "busy", validConsumer())
	require.Equal(t, http.StatusCreated, again.status)
	require.Equal(t, "true", again.replayed)
	require.JSONEq(t, first.body, again.body)
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

// An Idempotency-Key sent twice names no one request: it is refused as a field of the
// request, and nothing runs.
func TestIdempotencyKeySentTwice(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body, err := json.Marshal(validConsumer())
	require.NoError(t, err)
	h.nothingWritten(func() {
		req := httptest.NewRequest(http.MethodPost, "/v1/consumers", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+h.admin())
		req.Header.Add("Idempotency-Key", "first")
		req.Header.Add("Idempotency-Key", "second")
		rec := httptest.NewRecorder()
		h.handler.ServeHTTP(rec, req)
		h.contract.checkExchange(t, req, body, rec)
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

// ageKeys moves every kept key's start back by d, as if it had been used d ago.
func ageKeys(h *harness, d time.Duration) {
	h.t.Helper()
	_, err := h.schema.Pool.Exec(context.Background(),
		`update api_idempotency_keys set created_at = created_at - $1::bigint * interval '1 millisecond'`, d.Milliseconds())
	require.NoError(h.t, err)
}

func keptKeys(h *harness) []string {
	h.t.Helper()
	rows, err := h.schema.Pool.Query(context.Background(), `select key from api_idempotency_keys order by key`)
	require.NoError(h.t, err)
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(h.t, err)
	return keys
}

// TestIdempotencyKeysExpire: a key is remembered for its time to live (24 h unless
// configured), then forgotten: the request runs again instead of being replayed.
func TestIdempotencyKeysExpire(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	first := postWithKey(h, "/v1/consumers", h.admin(), "old", validConsumer())
	require.Equal(t, http.StatusCreated, first.status, first.body)

	ageKeys(h, 23*time.Hour)
	require.Equal(t, "true", postWithKey(h, "/v1/consumers", h.admin(), "old", validConsumer()).replayed)

	ageKeys(h, 2*time.Hour)
	h.nothingAppended(func() {
		again := postWithKey(h, "/v1/consumers", h.admin(), "old", validConsumer())
		require.Equal(t, http.StatusCreated, again.status, again.body)
		require.Empty(t, again.replayed, "an expired key is not replayed")
		require.JSONEq(t, first.body, again.body, "the key still names the same consumer")
	})

	// The time to live is configurable.
	short := newHarness(t, func(d *api.Deps) { d.Idempotency = api.IdempotencyOptions{TTL: time.Hour} })
	require.Equal(t, http.StatusCreated, postWithKey(short, "/v1/consumers", short.admin(), "k", validConsumer()).status)
	ageKeys(short, 61*time.Minute)
	require.Empty(t, postWithKey(short, "/v1/consumers", short.admin(), "k", validConsumer()).replayed)
}

// TestExpiredIdempotencyKeysAreDeleted: keys past their time to live are deleted as
// new keys come in, so the table does not grow forever.
func TestExpiredIdempotencyKeysAreDeleted(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, key := range []string{"a", "b", "c"} {
		require.Equal(t, http.StatusCreated, postWithKey(h, "/v1/consumers", h.admin(), key, validConsumer()).status)
	}
	ageKeys(h, 25*time.Hour)
	require.Equal(t, http.StatusCreated, postWithKey(h, "/v1/consumers", h.admin(), "d", validConsumer()).status)
	require.Equal(t, []string{"d"}, keptKeys(h))
}

// panicsOnce panics in the first registration, as a bug would.
type panicsOnce struct {
	api.ConsumerCommands
	panicked atomic.Bool
}

func (p *panicsOnce) Register(ctx context.Context, actor string, cmd app.RegisterConsumer) (consumer.State, error) {
	if p.panicked.CompareAndSwap(false, true) {
		panic("a bug")
	}
	return p.ConsumerCommands.Register(ctx, actor, cmd)
}

// TestAPanicReleasesTheIdempotencyKey: a request that panicked is a 500 and leaves
// its key free, so the retry runs (it used to answer 409 "in progress" forever).
func TestAPanicReleasesTheIdempotencyKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(d *api.Deps) { d.Consumers = &panicsOnce{ConsumerCommands: d.Consumers} })
	first := postWithKey(h, "/v1/consumers", h.admin(), "boom", validConsumer())
	require.Equal(t, http.StatusInternalServerError, first.status, first.body)
	require.Empty(t, keptKeys(h))

	retry := postWithKey(h, "/v1/consumers", h.admin(), "boom", validConsumer())
	require.Equal(t, http.StatusCreated, retry.status, retry.body)
	require.Empty(t, retry.replayed)
}

// conflictsOnce loses the first registration to a concurrent writer.
type conflictsOnce struct {
	api.ConsumerCommands
	conflicted atomic.Bool
}

func (f *conflictsOnce) Register(ctx context.Context, actor string, cmd app.RegisterConsumer) (consumer.State, error) {
	if f.conflicted.CompareAndSwap(false, true) {
		return consumer.State{}, &eventstore.WrongExpectedVersionError{Stream: consumer.StreamName(cmd.ID),
			Expected: eventstore.NoStream(), Actual: 1}
	}
	return f.ConsumerCommands.Register(ctx, actor, cmd)
}

// TestIdempotencyDoesNotKeepTransientOutcomes: a 409 conflict says "try again", so it
// is not kept and replayed: the retry with the same key runs and can succeed.
func TestIdempotencyDoesNotKeepTransientOutcomes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(d *api.Deps) { d.Consumers = &conflictsOnce{ConsumerCommands: d.Consumers} })
	first := postWithKey(h, "/v1/consumers", h.admin(), "race", validConsumer())
	require.Equal(t, http.StatusConflict, first.status, first.body)

	retry := postWithKey(h, "/v1/consumers", h.admin(), "race", validConsumer())
	require.Equal(t, http.StatusCreated, retry.status, retry.body)
	require.Empty(t, retry.replayed, "a conflict is not replayed")
}

// TestIdempotencyFingerprintCoversTheContentType: the same bytes sent as another media
// type are another request, refused under a key already used.
func TestIdempotencyFingerprintCoversTheContentType(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body, err := json.Marshal(validConsumer())
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, postWithKey(h, "/v1/consumers", h.admin(), "ct", body).status)
	h.nothingWritten(func() {
		rec := h.serve(request{Method: http.MethodPost, Path: "/v1/consumers", Token: h.admin(), Body: body,
			Header: map[string]string{"Idempotency-Key": "ct", "Content-Type": "text/plain"}})
		requireProblem(t, rec, http.StatusUnprocessableEntity, "idempotency-key-reused")
	})
	// Spelling the same media type differently is the same request.
	rec := h.serve(request{Method: http.MethodPost, Path: "/v1/consumers", Token: h.admin(), Body: body,
		Header: map[string]string{"Idempotency-Key": "ct", "Content-Type": "Application/JSON"}})
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	require.Equal(t, "true", rec.Header().Get("Idempotent-Replayed"))
}

// TestIdempotencyKeysBelongToTheConsumerNotTheToken: a consumer's keys are the
// consumer's, whatever the subject of the token it sends them with; two consumers whose
// tokens share a subject have keys of their own.
func TestIdempotencyKeysBelongToTheConsumerNotTheToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ann, bob, restaurantID := h.newConsumer(), h.newConsumer(), h.newRestaurant()
	as := func(subject string, id uuid.UUID) string {
		return h.token(api.Principal{Subject: subject, Role: api.RoleConsumer, ConsumerID: id})
	}
	place := func(token string, body map[string]any) (int, string, placedBody) {
		rec := h.serve(request{Method: http.MethodPost, Path: "/v1/orders", Token: token, Body: body,
			Header: map[string]string{"Idempotency-Key": "dinner"}})
		var got placedBody
		if rec.Code == http.StatusAccepted {
			got = decodeBody[placedBody](t, rec)
		}
		return rec.Code, rec.Header().Get("Idempotent-Replayed"), got
	}

	status, _, first := place(as("phone", ann), orderBody(ann, restaurantID))
	require.Equal(t, http.StatusAccepted, status)
	// The same consumer from another device: the same order, not a second one.
	status, replayed, again := place(as("laptop", ann), orderBody(ann, restaurantID))
	require.Equal(t, http.StatusAccepted, status)
	require.Equal(t, "true", replayed)
	require.Equal(t, first.ID, again.ID)
	require.Len(t, h.wf.startCalls(), 1)

	// Another consumer whose token has the same subject: its own key, its own order.
	status, replayed, bobs := place(as("phone", bob), orderBody(bob, restaurantID))
	require.Equal(t, http.StatusAccepted, status)
	require.Empty(t, replayed)
	require.NotEqual(t, first.ID, bobs.ID)
	require.Len(t, h.wf.startCalls(), 2)
}

// TestAnAbandonedIdempotencyKeyIsTakenOver: a key whose first request never finished
// (its process died) answers 409 only for its lease; after that the next request with
// the key takes it over and runs. Should the first request come back after all, it
// neither overwrites nor releases what its successor kept.
func TestAnAbandonedIdempotencyKeyIsTakenOver(t *testing.T) {
	t.Parallel()
	var blocking *blockingRegister
	h := newHarness(t, func(d *api.Deps) { blocking = newBlockingRegister(d) })
	firstDone := make(chan *responseWithHeaders)
	go func() { firstDone <- postWithKey(h, "/v1/consumers", h.admin(), "lost", validConsumer()) }()
	<-blocking.started

	ageKeys(h, 5*time.Minute) // the first request has held the key past its lease
	retried := make(chan *responseWithHeaders, 1)
	go func() { retried <- postWithKey(h, "/v1/consumers", h.admin(), "lost", validConsumer()) }()
	select {
	case <-blocking.started:
	case r := <-retried:
		close(blocking.release)
		<-firstDone
		t.Fatalf("the retry did not take over the abandoned key: %d %s", r.status, r.body)
	}
	blocking.release <- struct{}{} // one of the two finishes: either may
	blocking.release <- struct{}{}
	first, second := <-firstDone, <-retried
	require.Equal(t, http.StatusCreated, first.status, first.body)
	require.Equal(t, http.StatusCreated, second.status, second.body)
	require.Empty(t, second.replayed, "the abandoned key was taken over, not replayed")

	replay := postWithKey(h, "/v1/consumers", h.admin(), "lost", validConsumer())
	require.Equal(t, "true", replay.replayed)
	require.JSONEq(t, second.body, replay.body)
}
