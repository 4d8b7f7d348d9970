package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
)

// everyRoute is every authenticated route of the API, with a body that would be
// accepted, so that a refusal can only come from authentication.
func everyRoute() []request {
	id := uuid.NewString()
	return []request{
		{Method: http.MethodPost, Path: "/v1/consumers", Body: validConsumer()},
		{Method: http.MethodPost, Path: "/v1/consumers/" + id + "/suspend"},
		{Method: http.MethodPost, Path: "/v1/consumers/" + id + "/reactivate"},
		{Method: http.MethodGet, Path: "/v1/consumers/" + id + "/orders"},
		{Method: http.MethodPost, Path: "/v1/restaurants", Body: validRestaurant()},
		{Method: http.MethodPost, Path: "/v1/restaurants/" + id + "/open"},
		{Method: http.MethodPost, Path: "/v1/restaurants/" + id + "/close"},
		{Method: http.MethodGet, Path: "/v1/restaurants/" + id + "/tickets"},
		{Method: http.MethodPost, Path: "/v1/orders", Body: orderBody(uuid.New(), uuid.New())},
		{Method: http.MethodGet, Path: "/v1/orders/" + id},
		{Method: http.MethodGet, Path: "/v1/orders/" + id + "/events"},
		{Method: http.MethodPost, Path: "/v1/orders/" + id + "/cancel"},
		{Method: http.MethodPost, Path: "/v1/orders/" + id + "/revise", Body: map[string]any{"items": []any{}}},
		{Method: http.MethodPost, Path: "/v1/tickets/" + id + "/accept"},
		{Method: http.MethodPost, Path: "/v1/tickets/" + id + "/reject"},
		{Method: http.MethodPost, Path: "/v1/tickets/" + id + "/preparing"},
		{Method: http.MethodPost, Path: "/v1/tickets/" + id + "/ready"},
		{Method: http.MethodPost, Path: "/v1/tickets/" + id + "/picked-up"},
	}
}

func TestEveryRouteNeedsABearerToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, r := range everyRoute() {
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			h.nothingWritten(func() {
				rec := h.serve(r)
				p := requireProblem(t, rec, http.StatusUnauthorized, "unauthenticated")
				require.NotEmpty(t, p.Detail)
				require.Equal(t, `Bearer realm="orderflow"`, rec.Header().Get("WWW-Authenticate"))
			})
		})
	}
}

func TestBadTokensAreRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	now := time.Now()
	admin := adminPrincipal()
	issue := func(tokens api.Tokens, p api.Principal, ttl time.Duration, at time.Time) string {
		tok, err := tokens.Issue(p, ttl, at)
		require.NoError(t, err)
		return tok
	}
	sign := func(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		tok, err := jwt.NewWithClaims(method, claims).SignedString(key)
		require.NoError(t, err)
		return tok
	}
	valid := jwt.MapClaims{"role": "admin", "sub": "root", "iss": h.tokens.Issuer, "exp": now.Add(time.Hour).Unix()}
	with := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{}
		for k, v := range valid {
			c[k] = v
		}
		edit(c)
		return c
	}

	tests := []struct {
		name   string
		header string
		// challenge is the WWW-Authenticate header: a missing token gets the plain
		// challenge, a bad one says invalid_token.
		challenge string
	}{
		{"Basic scheme", "Basic cm9vdDpyb290", `Bearer realm="orderflow"`},
		{"empty bearer", "Bearer ", `Bearer realm="orderflow"`},
		{"bare token", issue(h.tokens, admin, time.Hour, now), `Bearer realm="orderflow"`},
		{"garbage", "Bearer not.a.jwt", `Bearer realm="orderflow", error="invalid_token"`},
		{"another secret", "Bearer " + issue(api.Tokens{Secret: []byte("another-secret-another-secret-another"), Issuer: h.tokens.Issuer}, admin, time.Hour, now),
			`Bearer realm="orderflow", error="invalid_token"`},
		{"another issuer", "Bearer " + issue(api.Tokens{Secret: h.tokens.Secret, Issuer: "someone-else"}, admin, time.Hour, now),
			`Bearer realm="orderflow", error="invalid_token"`},
		{"expired", "Bearer " + issue(h.tokens, admin, time.Hour, now.Add(-2*time.Hour)), `Bearer realm="orderflow", error="invalid_token"`},
		{"no expiry", "Bearer " + sign(jwt.SigningMethodHS256, h.tokens.Secret, with(func(c jwt.MapClaims) { delete(c, "exp") })),
			`Bearer realm="orderflow", error="invalid_token"`},
		{"HS512", "Bearer " + sign(jwt.SigningMethodHS512, h.tokens.Secret, valid), `Bearer realm="orderflow", error="invalid_token"`},
		{"alg none", "Bearer " + sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid), `Bearer realm="orderflow", error="invalid_token"`},
		{"unknown role", "Bearer " + sign(jwt.SigningMethodHS256, h.tokens.Secret, with(func(c jwt.MapClaims) { c["role"] = "root" })),
			`Bearer realm="orderflow", error="invalid_token"`},
		{"consumer without a consumer id", "Bearer " + sign(jwt.SigningMethodHS256, h.tokens.Secret, with(func(c jwt.MapClaims) { c["role"] = "consumer" })),
			`Bearer realm="orderflow", error="invalid_token"`},
		{"consumer id not a uuid", "Bearer " + sign(jwt.SigningMethodHS256, h.tokens.Secret, with(func(c jwt.MapClaims) {
			c["role"], c["consumer_id"] = "consumer", "ann"
		})), `Bearer realm="orderflow", error="invalid_token"`},
		{"no subject", "Bearer " + sign(jwt.SigningMethodHS256, h.tokens.Secret, with(func(c jwt.MapClaims) { delete(c, "sub") })),
			`Bearer realm="orderflow", error="invalid_token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.nothingWritten(func() {
				rec := h.serve(request{Method: http.MethodPost, Path: "/v1/consumers", Body: validConsumer(),
					Header: map[string]string{"Authorization": tt.header}})
				requireProblem(t, rec, http.StatusUnauthorized, "unauthenticated")
				require.Equal(t, tt.challenge, rec.Header().Get("WWW-Authenticate"))
			})
		})
	}

	// The same request with a good token goes through.
	rec := h.post("/v1/consumers", issue(h.tokens, admin, time.Minute, now), validConsumer())
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	require.Empty(t, rec.Header().Get("WWW-Authenticate"))
}

func TestTokensRoundTrip(t *testing.T) {
	t.Parallel()
	tokens := api.Tokens{Secret: []byte("0123456789abcdef0123456789abcdef"), Issuer: "orderflow-test"}
	for _, p := range []api.Principal{adminPrincipal(), consumerPrincipal(uuid.New()), restaurantPrincipal(uuid.New())} {
		tok, err := tokens.Issue(p, time.Minute, time.Now())
		require.NoError(t, err)
		got, err := tokens.Verify(tok)
		require.NoError(t, err)
		require.Equal(t, p, got)
	}
	_, err := api.Tokens{Secret: []byte("short"), Issuer: "x"}.Issue(adminPrincipal(), time.Minute, time.Now())
	require.Error(t, err, "a short secret is refused")
	_, err = tokens.Issue(api.Principal{Subject: "c", Role: api.RoleConsumer}, time.Minute, time.Now())
	require.Error(t, err, "a consumer token needs a consumer id")
}

// The authentication scheme is case-insensitive (RFC 9110).
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		rec := h.serve(request{Method: http.MethodGet, Path: "/v1/consumers/" + uuid.NewString() + "/orders",
			Header: map[string]string{"Authorization": scheme + " " + h.admin()}})
		require.Equal(t, http.StatusOK, rec.Code, scheme)
	}
	rec := h.serve(request{Method: http.MethodGet, Path: "/v1/consumers/" + uuid.NewString() + "/orders",
		Header: map[string]string{"Authorization": "Basic " + h.admin()}})
	requireProblem(t, rec, http.StatusUnauthorized, "unauthenticated")
}
