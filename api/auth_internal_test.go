package api

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

var cacheTestTokens = Tokens{Secret: []byte("cache-test-secret-cache-test-secret!"), Issuer: "orderflow-test"}

// clock is a time a test sets.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func issueAt(t *testing.T, tokens Tokens, at time.Time, ttl time.Duration) string {
	t.Helper()
	tok, err := tokens.Issue(Principal{Subject: "ann", Role: RoleConsumer, ConsumerID: uuid.New()}, ttl, at)
	require.NoError(t, err)
	return tok
}

// A remembered token is refused from the moment Verify refuses it: its expiry is
// checked on every request, not only when it was first verified.
func TestARememberedTokenIsRefusedOnceExpired(t *testing.T) {
	issued := time.Now().Truncate(time.Second)
	token := issueAt(t, cacheTestTokens, issued, time.Hour)
	refuseAt := issued.Add(time.Hour + clockSkew)
	for _, at := range []time.Time{refuseAt.Add(-time.Second), refuseAt, refuseAt.Add(time.Second), refuseAt.Add(24 * time.Hour)} {
		c := &clock{issued}
		v := newVerifiedTokens(cacheTestTokens, 16, c.now)
		want, err := v.verify(token)
		require.NoError(t, err)
		require.Equal(t, 1, v.cache.Len(), "a valid token is remembered")

		c.t = at
		_, _, fresh := cacheTestTokens.verifyAt(token, at)
		got, err := v.verify(token)
		if fresh != nil {
			require.Error(t, err, "at %s after issue Verify refuses the token (%v), the cache accepted it", at.Sub(issued), fresh)
			require.Zero(t, v.cache.Len(), "an expired token is forgotten")
			continue
		}
		require.NoError(t, err, "at %s after issue", at.Sub(issued))
		require.Equal(t, want, got)
	}
}

// Only tokens that verify are remembered: an invalid one is refused every time, and
// a token refused by the secrets a process runs with (one signed by a secret rotated
// out) is refused even by a process that accepted it before.
func TestOnlyValidTokensAreRemembered(t *testing.T) {
	now := time.Now()
	c := &clock{now}
	v := newVerifiedTokens(cacheTestTokens, 16, c.now)
	other := Tokens{Secret: []byte("another-secret-another-secret-another"), Issuer: cacheTestTokens.Issuer}
	forged := issueAt(t, other, now, time.Hour)
	for range 3 {
		_, err := v.verify(forged)
		require.Error(t, err)
	}
	require.Zero(t, v.cache.Len())

	expired := issueAt(t, cacheTestTokens, now.Add(-2*time.Hour), time.Hour)
	_, err := v.verify(expired)
	require.Error(t, err)
	require.Zero(t, v.cache.Len())

	valid := issueAt(t, cacheTestTokens, now, time.Hour)
	_, err = v.verify(valid)
	require.NoError(t, err)
	rotated := newVerifiedTokens(Tokens{Secret: other.Secret, Issuer: cacheTestTokens.Issuer}, 16, c.now)
	_, err = rotated.verify(valid)
	require.Error(t, err, "a token signed by a secret the process no longer has must be refused")
}

// The cache holds at most its size; a token it forgot is verified again.
func TestVerifiedTokensAreBounded(t *testing.T) {
	now := time.Now()
	c := &clock{now}
	v := newVerifiedTokens(cacheTestTokens, 2, c.now)
	var tokens []string
	for range 5 {
		tok := issueAt(t, cacheTestTokens, now, time.Hour)
		tokens = append(tokens, tok)
		_, err := v.verify(tok)
		require.NoError(t, err)
		require.LessOrEqual(t, v.cache.Len(), 2)
	}
	for _, tok := range tokens {
		_, err := v.verify(tok)
		require.NoError(t, err)
	}
}
