package api_test

import (
	"net/http"
	"strings"
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
		{Method: http.MethodPost, Path: "/v1/orders/" + id + "/delivered"},
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
	valid := jwt.MapClaims{"role": "admin", "sub": "root", "iss": h.tokens.Issuer, "aud": api.DefaultAudience,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
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
		// Tokens are for this API: an audience is required, and it must be ours.
		{"no audience", "Bearer " + sign(jwt.SigningMethodHS256, h.tokens.Secret, with(func(c jwt.MapClaims) { delete(c, "aud") })),
			`Bearer realm="orderflow", error="invalid_token"`},
		{"another audience", "Bearer " + sign(jwt.SigningMethodHS256, h.tokens.Secret, with(func(c jwt.MapClaims) { c["aud"] = "billing-api" })),
			`Bearer realm="orderflow", error="invalid_token"`},
		{"audiences without ours", "Bearer " + sign(jwt.SigningMethodHS256, h.tokens.Secret, with(func(c jwt.MapClaims) {
			c["aud"] = []string{"billing-api", "orderflow"}
		})), `Bearer realm="orderflow", error="invalid_token"`},
		// A token lives at most the maximum lifetime (24 h by default), counted from iat.
		{"no issued-at", "Bearer " + sign(jwt.SigningMethodHS256, h.tokens.Secret, with(func(c jwt.MapClaims) { delete(c, "iat") })),
			`Bearer realm="orderflow", error="invalid_token"`},
		{"lifetime past the maximum", "Bearer " + sign(jwt.SigningMethodHS256, h.tokens.Secret, with(func(c jwt.MapClaims) {
			c["exp"] = now.Add(24*time.Hour + time.Minute).Unix()
		})), `Bearer realm="orderflow", error="invalid_token"`},
		{"ten years", "Bearer " + sign(jwt.SigningMethodHS256, h.tokens.Secret, with(func(c jwt.MapClaims) {
			c["iat"], c["exp"] = now.Add(-time.Hour).Unix(), now.Add(10*365*24*time.Hour).Unix()
		})), `Bearer realm="orderflow", error="invalid_token"`},
		{"issued in the future", "Bearer " + sign(jwt.SigningMethodHS256, h.tokens.Secret, with(func(c jwt.MapClaims) {
			c["iat"], c["exp"] = now.Add(time.Hour).Unix(), now.Add(2*time.Hour).Unix()
		})), `Bearer realm="orderflow", error="invalid_token"`},
		// A subject is recorded in every event the request causes: no control characters.
		{"NUL in the subject", "Bearer " + sign(jwt.SigningMethodHS256, h.tokens.Secret, with(func(c jwt.MapClaims) { c["sub"] = "root\x00" })),
			`Bearer realm="orderflow", error="invalid_token"`},
		{"escape in the subject", "Bearer " + sign(jwt.SigningMethodHS256, h.tokens.Secret, with(func(c jwt.MapClaims) { c["sub"] = "root\x1b[31m" })),
			`Bearer realm="orderflow", error="invalid_token"`},
		{"bidi override in the subject", "Bearer " + sign(jwt.SigningMethodHS256, h.tokens.Secret, with(func(c jwt.MapClaims) { c["sub"] = "root\u202e" })),
			`Bearer realm="orderflow", error="invalid_token"`},
		{"subject of 1000 bytes", "Bearer " + sign(jwt.SigningMethodHS256, h.tokens.Secret, with(func(c jwt.MapClaims) { c["sub"] = strings.Repeat("r", 1000) })),
			`Bearer realm="orderflow", error="invalid_token"`},
		{"signed with an empty key", "Bearer " + sign(jwt.SigningMethodHS256, []byte{}, valid),
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

// A subject with a NUL byte (or another control character) used to pass authentication
// and make every write answer 500 when its metadata reached PostgreSQL. It is refused at
// authentication: 401 problem+json on every route, and nothing written.
func TestSubjectWithControlCharactersIsUnauthenticated(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	now := time.Now()
	for _, sub := range []string{"root\x00", "\x00", "ro\not", "root\x7f"} {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"role": "admin", "sub": sub,
			"iss": h.tokens.Issuer, "aud": api.DefaultAudience, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}).
			SignedString(h.tokens.Secret)
		require.NoError(t, err)
		for _, r := range everyRoute() {
			t.Run(strings.ReplaceAll(sub, "\x00", "NUL")+" "+r.Method+" "+r.Path, func(t *testing.T) {
				r.Header = map[string]string{"Authorization": "Bearer " + tok}
				h.nothingWritten(func() {
					rec := h.serve(r)
					requireProblem(t, rec, http.StatusUnauthorized, "unauthenticated")
					require.Equal(t, `Bearer realm="orderflow", error="invalid_token"`, rec.Header().Get("WWW-Authenticate"))
				})
			})
		}
	}
}

func TestTokensRoundTrip(t *testing.T) {
	t.Parallel()
	tokens := api.Tokens{Secret: []byte("0123456789abcdef0123456789abcdef"), Issuer: "orderflow-test"}
	for _, p := range []api.Principal{adminPrincipal(), consumerPrincipal(uuid.New()), restaurantPrincipal(uuid.New()), courierPrincipal()} {
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
	_, err = tokens.Issue(api.Principal{Subject: "root\x00", Role: api.RoleAdmin}, time.Minute, time.Now())
	require.Error(t, err, "a subject with a NUL byte is refused")

	// A token names the audience and the key that signed it, and lives at most the
	// maximum lifetime, which Issue refuses to exceed.
	tok, err := tokens.Issue(adminPrincipal(), 24*time.Hour, time.Now())
	require.NoError(t, err)
	var c jwt.RegisteredClaims
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, &c)
	require.NoError(t, err)
	require.Equal(t, jwt.ClaimStrings{api.DefaultAudience}, c.Audience)
	require.Equal(t, api.KeyID(tokens.Secret), parsed.Header["kid"])
	require.Equal(t, 24*time.Hour, c.ExpiresAt.Sub(c.IssuedAt.Time))
	_, err = tokens.Issue(adminPrincipal(), 24*time.Hour+time.Second, time.Now())
	require.ErrorContains(t, err, "at most 24h0m0s")
	short := tokens
	short.MaxLifetime = time.Hour
	_, err = short.Issue(adminPrincipal(), 2*time.Hour, time.Now())
	require.Error(t, err)
	_, err = short.Verify(tok)
	require.Error(t, err, "a 24 h token is refused where the maximum is 1 h")

	// Another audience is another API: its tokens are refused here.
	other := tokens
	other.Audience = "orderflow-staging"
	tok, err = other.Issue(adminPrincipal(), time.Minute, time.Now())
	require.NoError(t, err)
	_, err = tokens.Verify(tok)
	require.Error(t, err)
	_, err = other.Verify(tok)
	require.NoError(t, err)
}

// An API configured without a usable secret verifies nothing, not even a token signed
// with the same empty key (which HMAC would accept).
func TestTokensWithoutASecretVerifyNothing(t *testing.T) {
	t.Parallel()
	now := time.Now()
	claims := jwt.MapClaims{"role": "admin", "sub": "root", "iss": "orderflow", "aud": api.DefaultAudience,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	for _, secret := range [][]byte{nil, {}, []byte("x"), []byte("0123456789abcdef0123456789abcde")} {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
		require.NoError(t, err)
		_, err = api.Tokens{Secret: secret, Issuer: "orderflow"}.Verify(tok)
		require.Error(t, err, "secret of %d bytes", len(secret))
	}
}

// Rotation: the API verifies with the current secret and the previous one, and signs
// with the current one only. Tokens signed before the rotation keep working until they
// expire; once the previous secret is dropped they are refused.
func TestTokenSecretRotation(t *testing.T) {
	t.Parallel()
	oldSecret := []byte("the-secret-being-rotated-out-0123456789")
	newSecret := []byte("the-secret-rotated-in-9876543210-abcdefgh")
	before := api.Tokens{Secret: oldSecret, Issuer: "orderflow"}
	during := api.Tokens{Secret: newSecret, Previous: [][]byte{oldSecret}, Issuer: "orderflow"}
	after := api.Tokens{Secret: newSecret, Issuer: "orderflow"}

	oldToken, err := before.Issue(adminPrincipal(), time.Hour, time.Now())
	require.NoError(t, err)
	newToken, err := during.Issue(adminPrincipal(), time.Hour, time.Now())
	require.NoError(t, err)

	_, err = during.Verify(oldToken)
	require.NoError(t, err, "a token signed with the previous secret is accepted during the rotation")
	_, err = during.Verify(newToken)
	require.NoError(t, err)
	_, err = before.Verify(newToken)
	require.Error(t, err, "new tokens are signed with the new secret")
	_, err = after.Verify(newToken)
	require.NoError(t, err)
	_, err = after.Verify(oldToken)
	require.Error(t, err, "once the previous secret is dropped, its tokens are refused")

	// A token without a kid (issued before kids) is tried against every key.
	noKid, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"role": "admin", "sub": "root",
		"iss": "orderflow", "aud": api.DefaultAudience, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}).
		SignedString(oldSecret)
	require.NoError(t, err)
	_, err = during.Verify(noKid)
	require.NoError(t, err)
	_, err = after.Verify(noKid)
	require.Error(t, err)

	// A previous secret must be as long as the current one.
	_, err = api.Tokens{Secret: newSecret, Previous: [][]byte{[]byte("short")}, Issuer: "orderflow"}.Verify(newToken)
	require.Error(t, err)

	// Through the API.
	h := newHarness(t, func(d *api.Deps) {
		d.Tokens = api.Tokens{Secret: newSecret, Previous: [][]byte{oldSecret}, Issuer: "orderflow"}
	})
	for _, tok := range []string{oldToken, newToken} {
		rec := h.post("/v1/consumers", tok, validConsumer())
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	}
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

// A courier reports deliveries and does nothing else: every other route refuses its
// token, on the real consumer, restaurant, order and ticket (403 for what the role may
// never do, 404 for what it may not see, as for anyone else's), and nothing is
// written nor sent to Temporal.
func TestACourierOnlyReportsDeliveries(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	orderID := h.approvedOrder(consumerID, restaurantID)
	ids := map[string]string{"consumers": consumerID.String(), "restaurants": restaurantID.String(),
		"orders": orderID.String(), "tickets": orderID.String()}
	for _, r := range everyRoute() {
		if strings.HasSuffix(r.Path, "/delivered") {
			continue
		}
		// /v1/<collection>/<id>/...: the fixture's own id in place of the random one.
		parts := strings.Split(r.Path, "/")
		if len(parts) > 3 {
			parts[3] = ids[parts[2]]
		}
		r.Path, r.Token = strings.Join(parts, "/"), h.asCourier()
		if r.Path == "/v1/orders" {
			r.Body = orderBody(consumerID, restaurantID)
		}
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			h.nothingWritten(func() {
				rec := h.serve(r)
				require.Contains(t, []int{http.StatusForbidden, http.StatusNotFound}, rec.Code, "body: %s", rec.Body.String())
				require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			})
		})
	}
}
