package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/eventstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates the API's own tables.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return eventstore.RunMigrations(ctx, pool, migrations, "migrations", "api_schema_version")
}

const (
	idempotencyHeader = "Idempotency-Key"
	maxIdempotencyKey = 200
)

// idempotency honours the Idempotency-Key header on a POST: the first request with a
// key runs and its response is kept; a repeat with the same key and the same request
// gets that response again (Idempotent-Replayed: true) without running; the same key
// with another request is refused with 422; a repeat while the first is still running
// gets 409. Keys are scoped to the principal. 5xx responses are not kept, so a request
// that failed on the server can be retried with its key.
func idempotency(pool *pgxpool.Pool) gin.HandlerFunc {
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
		hash := requestHash(c, body)
		who := principal(c).String()
		ctx := c.Request.Context()

		tag, err := pool.Exec(ctx, `insert into api_idempotency_keys (principal, key, request_hash)
			values ($1, $2, $3) on conflict do nothing`, who, key, hash)
		if err != nil {
			abort(c, err)
			return
		}
		if tag.RowsAffected() == 0 {
			replay(c, pool, who, key, hash)
			return
		}
		recorder := &responseRecorder{ResponseWriter: c.Writer}
		c.Writer = recorder
		c.Next()
		keep(context.WithoutCancel(ctx), c, pool, who, key, recorder)
	}
}

// IdempotencyKey is the request's Idempotency-Key, for handlers that derive the ids of
// what they create from it (so a retry without the middleware's record, say after the
// record expired, still finds the same resource).
func IdempotencyKey(c *gin.Context) string { return c.GetHeader(idempotencyHeader) }

func requestHash(c *gin.Context, body []byte) []byte {
	h := sha256.New()
	io.WriteString(h, c.Request.Method+" "+c.Request.URL.Path+"\n")
	h.Write(body)
	return h.Sum(nil)
}

func replay(c *gin.Context, pool *pgxpool.Pool, who, key string, hash []byte) {
	var (
		storedHash, body []byte
		status           *int
		contentType      *string
	)
	err := pool.QueryRow(c.Request.Context(), `select request_hash, status, content_type, body
		from api_idempotency_keys where principal = $1 and key = $2`, who, key).
		Scan(&storedHash, &status, &contentType, &body)
	switch {
	case errors.Is(err, pgx.ErrNoRows): // the first request failed on the server meanwhile
		abort(c, errConflict("idempotency-key-retry", "Retry the request", "the first request with this key failed; send it again"))
	case err != nil:
		abort(c, err)
	case !bytes.Equal(storedHash, hash):
		abort(c, errUnprocessable("idempotency-key-reused", "Idempotency key reused",
			"this Idempotency-Key was used for a different request"))
	case status == nil:
		abort(c, errConflict("idempotency-key-in-flight", "Request in progress",
			"a request with this Idempotency-Key is still being handled"))
	default:
		c.Header("Idempotent-Replayed", "true")
		c.Data(*status, *contentType, body)
		c.Abort()
	}
}

func keep(ctx context.Context, c *gin.Context, pool *pgxpool.Pool, who, key string, r *responseRecorder) {
	var err error
	if status := c.Writer.Status(); status >= 500 {
		_, err = pool.Exec(ctx, `delete from api_idempotency_keys where principal = $1 and key = $2`, who, key)
	} else {
		_, err = pool.Exec(ctx, `update api_idempotency_keys set status = $3, content_type = $4, body = $5
			where principal = $1 and key = $2`, who, key, status, c.Writer.Header().Get("Content-Type"), r.body.Bytes())
	}
	if err != nil {
		logger(c).Error("keeping the response to an idempotent request", "err", err)
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
