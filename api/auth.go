package api

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Role is what a principal may do.
type Role string

const (
	RoleAdmin      Role = "admin"
	RoleConsumer   Role = "consumer"
	RoleRestaurant Role = "restaurant"
)

// Principal is the authenticated caller. Consumers act on their own orders only,
// restaurants on their own tickets only; admins on everything.
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

// Tokens issues and verifies bearer tokens: JWTs signed with HMAC-SHA256 and a secret
// shared by the API and whoever issues tokens (`orderflow token`).
type Tokens struct {
	Secret []byte
	Issuer string
}

type claims struct {
	Role         Role   `json:"role"`
	ConsumerID   string `json:"consumer_id,omitempty"`
	RestaurantID string `json:"restaurant_id,omitempty"`
	jwt.RegisteredClaims
}

// Issue returns a signed token for p, valid for ttl.
func (t Tokens) Issue(p Principal, ttl time.Duration, now time.Time) (string, error) {
	if len(t.Secret) < 32 {
		return "", errors.New("the token secret must be at least 32 bytes")
	}
	c := claims{Role: p.Role, RegisteredClaims: jwt.RegisteredClaims{
		Subject: p.Subject, Issuer: t.Issuer,
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}}
	if p.ConsumerID != uuid.Nil {
		c.ConsumerID = p.ConsumerID.String()
	}
	if p.RestaurantID != uuid.Nil {
		c.RestaurantID = p.RestaurantID.String()
	}
	if err := p.valid(); err != nil {
		return "", err
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.Secret)
}

// Verify checks a token's signature, issuer and expiry and returns its principal.
func (t Tokens) Verify(token string) (Principal, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.Secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer(t.Issuer),
		jwt.WithExpirationRequired())
	if err != nil {
		return Principal{}, err
	}
	p := Principal{Subject: c.Subject, Role: c.Role}
	if c.ConsumerID != "" {
		if p.ConsumerID, err = uuid.Parse(c.ConsumerID); err != nil {
			return Principal{}, fmt.Errorf("consumer_id: %w", err)
		}
	}
	if c.RestaurantID != "" {
		if p.RestaurantID, err = uuid.Parse(c.RestaurantID); err != nil {
			return Principal{}, fmt.Errorf("restaurant_id: %w", err)
		}
	}
	return p, p.valid()
}

func (p Principal) valid() error {
	switch {
	case p.Subject == "":
		return errors.New("a principal needs a subject")
	case p.Role == RoleConsumer && p.ConsumerID == uuid.Nil:
		return errors.New("a consumer principal needs a consumer id")
	case p.Role == RoleRestaurant && p.RestaurantID == uuid.Nil:
		return errors.New("a restaurant principal needs a restaurant id")
	case p.Role != RoleAdmin && p.Role != RoleConsumer && p.Role != RoleRestaurant:
		return fmt.Errorf("unknown role %q", p.Role)
	}
	return nil
}

const principalKey = "orderflow.principal"

// authenticate requires a valid bearer token and puts its principal in the context.
func authenticate(tokens Tokens) gin.HandlerFunc {
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
		p, err := tokens.Verify(token)
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

// requireAdmin lets only admins through.
func requireAdmin(c *gin.Context) {
	if principal(c).Role != RoleAdmin {
		abort(c, errForbidden("only an admin may do this"))
		return
	}
	c.Next()
}
