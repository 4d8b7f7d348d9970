package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"
)

// Role is what a principal may do.
type Role string

// The roles a token can carry; Principal says what each may do.
const (
	RoleAdmin      Role = "admin"
	RoleConsumer   Role = "consumer"
	RoleRestaurant Role = "restaurant"
	// RoleCourier reports deliveries. Couriers are not assigned to orders (dispatch is
	// not orderflow's), so a courier may report any order's delivery and reads none.
	RoleCourier Role = "courier"
)

// Principal is the authenticated caller. Consumers act on their own orders only,
// restaurants on their own tickets only, couriers only report deliveries; admins act
// on everything.
type Principal struct {
	Subject      string
	Role         Role
	ConsumerID   uuid.UUID // for RoleConsumer
	RestaurantID uuid.UUID // for RoleRestaurant
}

// String is how the principal is recorded in the metadata of the events it causes.
func (p Principal) String() string { return string(p.Role) + ":" + p.Subject }

// IsConsumer reports whether p is the consumer id (or an admin).
func (p Principal) IsConsumer(id uuid.UUID) bool {
	return p.Role == RoleAdmin || (p.Role == RoleConsumer && p.ConsumerID == id)
}

// IsRestaurant reports whether p is the restaurant id (or an admin).
func (p Principal) IsRestaurant(id uuid.UUID) bool {
	return p.Role == RoleAdmin || (p.Role == RoleRestaurant && p.RestaurantID == id)
}

// What a token must be.
const (
	// DefaultAudience is the aud every token names: tokens are for this API only.
	DefaultAudience = "orderflow-api"
	// DefaultMaxLifetime bounds exp - iat: a leaked token is useful for at most a day.
	DefaultMaxLifetime = 24 * time.Hour
	// MinSecretBytes is the shortest signing key accepted: HS256's output size (RFC 7518,
	// section 3.2).
	MinSecretBytes = 32
	// clockSkew is how far the clocks of the issuer and the API may disagree.
	clockSkew = 30 * time.Second
	// maxSubjectBytes bounds the subject recorded in every event a request causes.
	maxSubjectBytes = 256
)

// Tokens issues and verifies bearer tokens: JWTs signed with HMAC-SHA256 and a secret
// shared by the API and whoever issues tokens (`orderflow token`). A token names the
// issuer and the audience, and lives at most MaxLifetime.
type Tokens struct {
	// Secret signs new tokens and verifies them (at least MinSecretBytes).
	Secret []byte
	// Previous are older secrets that still verify tokens but sign none: during a
	// rotation, the tokens signed before it stay valid until they expire.
	Previous [][]byte
	Issuer   string
	// Audience is the aud tokens carry and must carry; DefaultAudience when empty.
	Audience string
	// MaxLifetime is the longest a token may live (exp - iat); DefaultMaxLifetime when 0.
	MaxLifetime time.Duration
}

// MaxTTL is the longest lifetime Issue accepts.
func (t Tokens) MaxTTL() time.Duration {
	if t.MaxLifetime > 0 {
		return t.MaxLifetime
	}
	return DefaultMaxLifetime
}

func (t Tokens) audience() string {
	if t.Audience != "" {
		return t.Audience
	}
	return DefaultAudience
}

// CheckKeys reports a key too short to sign or verify with.
func (t Tokens) CheckKeys() error {
	if len(t.Secret) < MinSecretBytes {
		return fmt.Errorf("the token secret is %d bytes: it must be at least %d", len(t.Secret), MinSecretBytes)
	}
	for _, p := range t.Previous {
		if len(p) < MinSecretBytes {
			return fmt.Errorf("a previous token secret is %d bytes: it must be at least %d", len(p), MinSecretBytes)
		}
	}
	return nil
}

// KeyID names a secret in the kid header of the tokens it signs, without revealing it
// (an HMAC of a fixed text under the secret).
func KeyID(secret []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("orderflow token key id"))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:9])
}

type claims struct {
	Role         Role   `json:"role"`
	ConsumerID   string `json:"consumer_id,omitempty"`
	RestaurantID string `json:"restaurant_id,omitempty"`
	jwt.RegisteredClaims

	maxLifetime time.Duration // not a claim: the bound Validate checks
}

// Validate is jwt's hook for checks beyond the registered claims (jwt.ClaimsValidator),
// run after the signature, exp, iat, iss and aud checks: the token's lifetime is
// bounded and its subject is printable.
func (c *claims) Validate() error {
	var lifetime error
	switch {
	case c.IssuedAt == nil:
		lifetime = fmt.Errorf("%w: iat (the lifetime is bounded from it)", jwt.ErrTokenRequiredClaimMissing)
	case c.ExpiresAt == nil: // refused already (WithExpirationRequired)
	case c.ExpiresAt.Sub(c.IssuedAt.Time) > c.maxLifetime:
		lifetime = fmt.Errorf("the token lives %s, longer than the maximum %s", c.ExpiresAt.Sub(c.IssuedAt.Time), c.maxLifetime)
	}
	return errors.Join(lifetime, validSubject(c.Subject))
}

// Issue returns a signed token for p, valid for ttl (at most MaxTTL).
func (t Tokens) Issue(p Principal, ttl time.Duration, now time.Time) (string, error) {
	if err := t.CheckKeys(); err != nil {
		return "", err
	}
	if ttl <= 0 || ttl > t.MaxTTL() {
		return "", fmt.Errorf("a token's lifetime must be more than 0 and at most %s (TOKEN_MAX_LIFETIME), not %s", t.MaxTTL(), ttl)
	}
	if err := p.valid(); err != nil {
		return "", err
	}
	c := claims{Role: p.Role, RegisteredClaims: jwt.RegisteredClaims{
		Subject: p.Subject, Issuer: t.Issuer, Audience: jwt.ClaimStrings{t.audience()},
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}}
	if p.ConsumerID != uuid.Nil {
		c.ConsumerID = p.ConsumerID.String()
	}
	if p.RestaurantID != uuid.Nil {
		c.RestaurantID = p.RestaurantID.String()
	}
	token := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	token.Header["kid"] = KeyID(t.Secret)
	return token.SignedString(t.Secret)
}

// Verify checks a token's signature (by the current secret or a previous one), issuer,
// audience, issue and expiry times, lifetime and claims, and returns its principal.
func (t Tokens) Verify(token string) (Principal, error) {
	p, _, err := t.verifyAt(token, time.Now())
	return p, err
}

// verifyAt is Verify at the time now; it also returns the token's expiry.
func (t Tokens) verifyAt(token string, now time.Time) (Principal, time.Time, error) {
	if err := t.CheckKeys(); err != nil {
		return Principal{}, time.Time{}, err
	}
	keys := append([][]byte{t.Secret}, t.Previous...)
	keyFunc := func(tok *jwt.Token) (any, error) {
		if kid, ok := tok.Header["kid"].(string); ok {
			for _, k := range keys {
				if KeyID(k) == kid {
					return k, nil
				}
			}
		}
		set := jwt.VerificationKeySet{} // no kid, or an unknown one: try every key
		for _, k := range keys {
			set.Keys = append(set.Keys, k)
		}
		return set, nil
	}
	c := claims{maxLifetime: t.MaxTTL()}
	_, err := jwt.ParseWithClaims(token, &c, keyFunc,
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer(t.Issuer),
		jwt.WithAudience(t.audience()), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithLeeway(clockSkew), jwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil {
		return Principal{}, time.Time{}, err
	}
	p := Principal{Subject: c.Subject, Role: c.Role}
	if c.ConsumerID != "" {
		if p.ConsumerID, err = uuid.Parse(c.ConsumerID); err != nil {
			return Principal{}, time.Time{}, fmt.Errorf("consumer_id: %w", err)
		}
	}
	if c.RestaurantID != "" {
		if p.RestaurantID, err = uuid.Parse(c.RestaurantID); err != nil {
			return Principal{}, time.Time{}, fmt.Errorf("restaurant_id: %w", err)
		}
	}
	if err := p.valid(); err != nil {
		return Principal{}, time.Time{}, err
	}
	return p, c.ExpiresAt.Time, nil
}

// verifiedTokensCached bounds how many verified tokens an API process remembers: a
// few MB at most, and more than the clients one process serves within a token's life.
const verifiedTokensCached = 16_384

// verifiedTokens verifies bearer tokens and remembers the principal of each valid one
// until it expires, so that a client's next requests skip the parsing and the HMAC:
// they were most of the cost of authenticating. A token is remembered by its SHA-256,
// not as it is, and only once it verified: an invalid one is verified afresh each time.
// Its expiry (with the same clock skew Verify allows) is checked again on every
// request, so a remembered token is refused from the moment Verify would refuse it.
// What makes a valid token invalid before it expires is a change of the secrets, which
// takes a restart and so starts with an empty cache.
type verifiedTokens struct {
	tokens Tokens
	now    func() time.Time
	cache  *lru.Cache[[sha256.Size]byte, verifiedToken]
}

type verifiedToken struct {
	principal Principal
	refuseAt  time.Time // the expiry plus the clock skew: Verify refuses it from then on
}

func newVerifiedTokens(tokens Tokens, size int, now func() time.Time) *verifiedTokens {
	cache, err := lru.New[[sha256.Size]byte, verifiedToken](size)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &verifiedTokens{tokens: tokens, now: now, cache: cache}
}

// verify is Tokens.Verify, from memory for a token that verified before.
func (v *verifiedTokens) verify(token string) (Principal, error) {
	now := v.now()
	key := sha256.Sum256([]byte(token))
	if known, ok := v.cache.Get(key); ok {
		if now.Before(known.refuseAt) {
			return known.principal, nil
		}
		v.cache.Remove(key)
	}
	p, expires, err := v.tokens.verifyAt(token, now)
	if err != nil {
		return Principal{}, err
	}
	v.cache.Add(key, verifiedToken{principal: p, refuseAt: expires.Add(clockSkew)})
	return p, nil
}

func (p Principal) valid() error {
	switch {
	case p.Subject == "":
		return errors.New("a principal needs a subject")
	case p.Role == RoleConsumer && p.ConsumerID == uuid.Nil:
		return errors.New("a consumer principal needs a consumer id")
	case p.Role == RoleRestaurant && p.RestaurantID == uuid.Nil:
		return errors.New("a restaurant principal needs a restaurant id")
	case p.Role != RoleAdmin && p.Role != RoleConsumer && p.Role != RoleRestaurant && p.Role != RoleCourier:
		return fmt.Errorf("unknown role %q", p.Role)
	}
	return validSubject(p.Subject)
}

// validSubject refuses a subject that cannot be recorded as it is in the metadata of
// events, or would mislead whoever reads it there: invalid UTF-8, control characters
// (a NUL byte is refused by PostgreSQL), format characters (bidi overrides, zero-width
// characters) and more than maxSubjectBytes.
func validSubject(s string) error {
	if len(s) > maxSubjectBytes {
		return fmt.Errorf("the subject is %d bytes, more than %d", len(s), maxSubjectBytes)
	}
	if !utf8.ValidString(s) {
		return errors.New("the subject is not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return fmt.Errorf("the subject contains the control or format character %U", r)
		}
	}
	return nil
}

const principalKey = "orderflow.principal"

// authenticate requires a valid bearer token and puts its principal in the context.
func authenticate(tokens *verifiedTokens) gin.HandlerFunc {
	return func(c *gin.Context) {
		header := c.GetHeader("Authorization")
		// The scheme is case-insensitive (RFC 9110, section 11.1).
		scheme, token, ok := strings.Cut(header, " ")
		ok = ok && strings.EqualFold(scheme, "Bearer")
		if !ok || token == "" {
			c.Header("WWW-Authenticate", `Bearer realm="orderflow"`)
			abort(c, errUnauthenticated("send a bearer token in the Authorization header"))
			return
		}
		p, err := tokens.verify(token)
		if err != nil {
			c.Header("WWW-Authenticate", `Bearer realm="orderflow", error="invalid_token"`)
			abort(c, errUnauthenticated("the bearer token is invalid or expired"))
			return
		}
		c.Set(principalKey, p)
		c.Next()
	}
}

func principal(c *gin.Context) Principal { return c.MustGet(principalKey).(Principal) }

// admin lets only admins act: it refuses anyone else (403) and says whether the
// request may go on. The operations only admins may do call it first.
func admin(c *gin.Context) bool {
	if principal(c).Role != RoleAdmin {
		abort(c, errForbidden("only an admin may do this"))
		return false
	}
	return true
}
