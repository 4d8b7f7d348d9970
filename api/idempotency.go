package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations are the API's own tables (version table api_schema_version), for
// migrations.Apply.
var Migrations = migrations.Set{Name: "api", FS: migrationFiles, Dir: "migrations"}

const (
	idempotencyHeader = "Idempotency-Key"
	maxIdempotencyKey = 200
	// DefaultIdempotencyKeyTTL is how long a key is kept unless configured.
	DefaultIdempotencyKeyTTL = 24 * time.Hour
	// DefaultIdempotencyKeyLease is how long a request may hold its key unfinished
	// unless configured.
	DefaultIdempotencyKeyLease = time.Minute
	// expiredKeysPerClaim bounds how many expired keys each new key deletes: more than
	// one, so the deletes keep up with the keys that expire, and few, so a claim stays
	// a short statement.
	expiredKeysPerClaim = 16
	// inFlightRetryAfter is the Retry-After of a 409 for a key still in progress.
	inFlightRetryAfter = "1"
)

// IdempotencyOptions configure the Idempotency-Key middleware. Zero (or negative)
// values take the defaults.
type IdempotencyOptions struct {
	// TTL is how long a key is kept after its request started: a repeat within it is
	// answered from the key, a request after it runs afresh (DefaultIdempotencyKeyTTL).
	TTL time.Duration
	// Lease is how long a request may hold its key unfinished before a repeat of it may
	// take the key over and run: the bound on a key left in progress by a process that
	// died. Make it longer than a request may take (DefaultIdempotencyKeyLease); a
	// request that outlives it anyway cannot overwrite what its successor kept.
	Lease time.Duration
}

func (o IdempotencyOptions) withDefaults() IdempotencyOptions {
	if o.TTL <= 0 {
		o.TTL = DefaultIdempotencyKeyTTL
	}
	if o.Lease <= 0 {
		o.Lease = DefaultIdempotencyKeyLease
	}
	return o
}

// idempotency honours the Idempotency-Key header on a POST: the first request with a
// key claims it and runs, and its response is kept; a repeat with the same key and the
// same request gets that response again (Idempotent-Replayed: true) without running;
// the same key with another request is refused with 422; a repeat while the first is
// still running gets 409 with Retry-After.
//
// Every key resolves: a response that says "try again" (409, 408, 429, 5xx) is not
// kept but releases the key, and so does a handler that panics, so the retry runs; a
// key still in progress after its lease (its process died) is taken over by a repeat;
// a key is kept for a time to live, after which the request runs afresh, and expired
// keys are deleted as new ones are claimed. Keys belong to the principal's identity
// (idempotencyScope); a request is its method, path, content type and body
// (requestFingerprint).
func idempotency(pool *pgxpool.Pool, opts IdempotencyOptions) gin.HandlerFunc {
	opts = opts.withDefaults()
	return func(c *gin.Context) {
		key := c.GetHeader(idempotencyHeader)
		if key == "" || c.Request.Method != http.MethodPost {
			c.Next()
			return
		}
		if len(key) > maxIdempotencyKey {
			abort(c, fieldError(idempotencyHeader, "must be at most 200 characters"))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes))
		if err != nil {
			abort(c, decodeError(err))
			return
		}
		c.Request.Body = io.NopCloser(bytes.NewReader(body))
		k := idempotentRequest{scope: idempotencyScope(principal(c)), key: key,
			fingerprint: requestFingerprint(c.Request, body), owner: uuid.New()}
		ctx := c.Request.Context()
		for attempt := 0; ; attempt++ {
			// The claim runs to its outcome even when the client goes away: canceled in
			// flight, it could commit unseen and leave the key held until its lease.
			claimed, err := k.claim(context.WithoutCancel(ctx), pool, opts)
			if err != nil {
				abort(c, err)
				return
			}
			if claimed {
				break
			}
			if retry := replay(c, pool, k); !retry || attempt == 2 {
				if retry {
					abort(c, errConflict("idempotency-key-retry", "Retry the request",
						"the first request with this Idempotency-Key failed; send it again"))
				}
				return
			}
		}

		recorder := &responseRecorder{ResponseWriter: c.Writer}
		c.Writer = recorder
		done := false
		defer func() {
			if !done { // the handler panicked: recoverProblem, outside, makes it a 500
				k.release(context.WithoutCancel(ctx), c, pool)
			}
		}()
		c.Next()
		done = true
		if transient(c.Writer.Status()) {
			k.release(context.WithoutCancel(ctx), c, pool)
			return
		}
		k.keep(context.WithoutCancel(ctx), c, pool, recorder)
	}
}

// IdempotencyKey is the request's Idempotency-Key, for handlers that derive the ids of
// what they create from it (so a retry without the middleware's record, say after the
// record expired, still finds the same resource).
func IdempotencyKey(c *gin.Context) string { return c.GetHeader(idempotencyHeader) }

// idempotencyScope is whose keys a request's keys are: the principal's stable identity,
// not its token's subject. A consumer is its consumer id and a restaurant its restaurant
// id, whatever tokens they are issued (a consumer's phone and laptop share keys, two
// consumers never do); an admin or a courier is its subject.
func idempotencyScope(p Principal) string {
	switch p.Role {
	case RoleConsumer:
		return string(p.Role) + ":" + p.ConsumerID.String()
	case RoleRestaurant:
		return string(p.Role) + ":" + p.RestaurantID.String()
	}
	return string(p.Role) + ":" + p.Subject
}

// requestFingerprint tells requests sent with the same key apart: their method, path
// (and query), media type and body. The media type is compared in canonical form, so
// "Application/JSON" is "application/json"; its parameters count.
func requestFingerprint(r *http.Request, body []byte) []byte {
	h := sha256.New()
	for _, part := range []string{r.Method, r.URL.Path, r.URL.RawQuery, mediaType(r.Header.Get("Content-Type"))} {
		fmt.Fprintf(h, "%d:%s\n", len(part), part) // length-prefixed: no two lists of parts hash alike
	}
	h.Write(body)
	return h.Sum(nil)
}

func mediaType(contentType string) string {
	t, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return contentType
	}
	if canonical := mime.FormatMediaType(t, params); canonical != "" {
		return canonical
	}
	return contentType
}

// transient reports whether a response says "try again" rather than what the request
// came to: such a response is not kept, so a retry with the key runs.
func transient(status int) bool {
	return status >= 500 || status == http.StatusConflict || status == http.StatusTooManyRequests ||
		status == http.StatusRequestTimeout
}

// idempotentRequest is one request's claim on its key.
type idempotentRequest struct {
	scope, key  string
	fingerprint []byte
	owner       uuid.UUID // this attempt: only it may complete or release its claim
}

// claimSQL claims a key: a new key, an expired one, or one whose request is still in
// progress after its lease, if it is the same request. It also deletes a few expired
// keys of others, skipping any another claim is deleting. No row back: the key is
// someone else's.
const claimSQL = `
with expired as (
	delete from api_idempotency_keys
	 where ctid = any(array(
	       select ctid from api_idempotency_keys
	        where created_at < now() - $5::bigint * interval '1 millisecond'
	          and not (principal = $1 and key = $2)
	        order by created_at
	        limit $7
	          for update skip locked))
)
insert into api_idempotency_keys as k (principal, key, request_hash, owner)
values ($1, $2, $3, $4)
on conflict (principal, key) do update
   set request_hash = excluded.request_hash, owner = excluded.owner, created_at = now(),
       status = null, content_type = null, body = null
 where k.created_at < now() - $5::bigint * interval '1 millisecond'
    or (k.status is null and k.created_at < now() - $6::bigint * interval '1 millisecond'
        and k.request_hash = excluded.request_hash)
returning owner`

func (k idempotentRequest) claim(ctx context.Context, pool *pgxpool.Pool, opts IdempotencyOptions) (bool, error) {
	var owner uuid.UUID
	err := pool.QueryRow(ctx, claimSQL, k.scope, k.key, k.fingerprint, k.owner,
		opts.TTL.Milliseconds(), opts.Lease.Milliseconds(), expiredKeysPerClaim).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// replay answers a request whose key is someone else's: from the kept response, or
// with why not. retry is true when the key has just been released, to claim it again.
func replay(c *gin.Context, pool *pgxpool.Pool, k idempotentRequest) (retry bool) {
	var (
		storedHash, body []byte
		status           *int
		contentType      *string
	)
	err := pool.QueryRow(c.Request.Context(), `select request_hash, status, content_type, body
		from api_idempotency_keys where principal = $1 and key = $2`, k.scope, k.key).
		Scan(&storedHash, &status, &contentType, &body)
	switch {
	case errors.Is(err, pgx.ErrNoRows): // released meanwhile: the first request failed
		return true
	case err != nil:
		abort(c, err)
	case !bytes.Equal(storedHash, k.fingerprint):
		abort(c, errUnprocessable("idempotency-key-reused", "Idempotency key reused",
			"this Idempotency-Key was used for a different request"))
	case status == nil:
		c.Header("Retry-After", inFlightRetryAfter)
		abort(c, errConflict("idempotency-key-in-flight", "Request in progress",
			"a request with this Idempotency-Key is still being handled; retry it shortly"))
	default:
		c.Header("Idempotent-Replayed", "true")
		c.Data(*status, *contentType, body)
		c.Abort()
	}
	return false
}

// keep completes the claim with the response, to be replayed.
func (k idempotentRequest) keep(ctx context.Context, c *gin.Context, pool *pgxpool.Pool, r *responseRecorder) {
	tag, err := pool.Exec(ctx, `update api_idempotency_keys set status = $4, content_type = $5, body = $6
		where principal = $1 and key = $2 and owner = $3`,
		k.scope, k.key, k.owner, c.Writer.Status(), c.Writer.Header().Get("Content-Type"), r.body.Bytes())
	switch {
	case err != nil:
		logger(c).Error("keeping the response to an idempotent request; the key is free again after its lease", "err", err)
	case tag.RowsAffected() == 0:
		logger(c).Warn("an idempotent request outlived its lease: its key was taken over, its response is not kept")
	}
}

// release gives the key up, for the next request with it to run.
func (k idempotentRequest) release(ctx context.Context, c *gin.Context, pool *pgxpool.Pool) {
	_, err := pool.Exec(ctx, `delete from api_idempotency_keys where principal = $1 and key = $2 and owner = $3`,
		k.scope, k.key, k.owner)
	if err != nil {
		logger(c).Error("releasing an idempotency key; it is free again after its lease", "err", err)
	}
}

// responseRecorder copies what a handler writes so that it can be replayed.
type responseRecorder struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (r *responseRecorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *responseRecorder) WriteString(s string) (int, error) {
	r.body.WriteString(s)
	return r.ResponseWriter.WriteString(s)
}
