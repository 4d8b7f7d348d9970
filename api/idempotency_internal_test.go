package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// TestOnlyLastingOutcomesAreKept: what a request came to is kept; "try again" is not.
func TestOnlyLastingOutcomesAreKept(t *testing.T) {
	for _, status := range []int{200, 201, 202, 204, 400, 403, 404, 413, 415, 422} {
		require.False(t, transient(status), "%d", status)
	}
	for _, status := range []int{408, 409, 429, 500, 502, 503, 504} {
		require.True(t, transient(status), "%d", status)
	}
}

func TestIdempotencyScopeIsThePrincipalsIdentity(t *testing.T) {
	c, r := uuid.New(), uuid.New()
	require.Equal(t, "consumer:"+c.String(), idempotencyScope(Principal{Subject: "phone", Role: RoleConsumer, ConsumerID: c}))
	require.Equal(t, "restaurant:"+r.String(), idempotencyScope(Principal{Subject: "till", Role: RoleRestaurant, RestaurantID: r}))
	require.Equal(t, "admin:ops", idempotencyScope(Principal{Subject: "ops", Role: RoleAdmin}))
}

func TestRequestFingerprint(t *testing.T) {
	fp := func(method, target, contentType, body string) string {
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		return string(requestFingerprint(r, []byte(body)))
	}
	base := fp(http.MethodPost, "/v1/orders", "application/json", `{"a":1}`)
	require.Equal(t, base, fp(http.MethodPost, "/v1/orders", "Application/JSON", `{"a":1}`))
	for name, other := range map[string]string{
		"method":       fp(http.MethodPut, "/v1/orders", "application/json", `{"a":1}`),
		"path":         fp(http.MethodPost, "/v1/consumers", "application/json", `{"a":1}`),
		"query":        fp(http.MethodPost, "/v1/orders?x=1", "application/json", `{"a":1}`),
		"content type": fp(http.MethodPost, "/v1/orders", "text/plain", `{"a":1}`),
		"charset":      fp(http.MethodPost, "/v1/orders", "application/json; charset=latin1", `{"a":1}`),
		"no type":      fp(http.MethodPost, "/v1/orders", "", `{"a":1}`),
		"body":         fp(http.MethodPost, "/v1/orders", "application/json", `{"a":2}`),
	} {
		require.NotEqual(t, base, other, name)
	}
}
