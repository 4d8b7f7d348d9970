package cli

import (
	"fmt"

	"github.com/orderflow/orderflow/api"
)

// Production is the default: a process that signs or verifies bearer tokens refuses to
// start without a token secret of its own. Development mode (`orderflow dev`, which
// sets it; --dev-mode or ORDERFLOW_DEV_MODE=true for the parts run by hand) accepts the
// published development secret, and uses it when TOKEN_SECRET is not set.

// devTokenSecret signs tokens in development mode when TOKEN_SECRET is not set. It is
// in the repository: only a process in development mode accepts it.
const devTokenSecret = "orderflow-dev-secret-change-me-in-production" //nolint:gosec // the published development-only secret, refused outside development mode

// publishedTokenSecrets are the secrets anyone who reads the repository knows, and what
// each is.
var publishedTokenSecrets = map[string]string{
	devTokenSecret: "the development default",
	"orderflow-compose-secret-change-me-0123456789": "the default docker-compose.yml used to ship with",
}

// secretHint says how to give a process a secret of its own.
func (c *Config) secretHint() string {
	hint := "set TOKEN_SECRET to a random secret of at least 32 bytes, the same for the API and " +
		"whoever issues tokens (e.g. TOKEN_SECRET=$(openssl rand -base64 48))"
	if c.DevMode {
		return hint + ", or unset it to use the development secret"
	}
	return hint + "; on a development machine, run with --dev-mode (ORDERFLOW_DEV_MODE=true) to use the development secret"
}

// tokenSecretUse is what a process does with the token secret.
type tokenSecretUse int

const (
	// secretUnused: the worker and the projector neither sign nor verify tokens and
	// need no secret (one they do not hold cannot leak from them); one they are given
	// is checked all the same, since a published or short one means a deployment set
	// up for development.
	secretUnused tokenSecretUse = iota
	// secretNeeded: the API verifies tokens; `orderflow token`, `demo`, `load` and
	// `dev` sign them.
	secretNeeded
)

// checkTokenSecrets applies the rules above to TOKEN_SECRET and TOKEN_SECRET_PREVIOUS,
// and in development mode fills in the development secret where one is needed and not
// set. A short secret is refused even in development mode: nothing can sign with it.
func (c *Config) checkTokenSecrets(use tokenSecretUse) error {
	if use == secretNeeded && c.DevMode && c.TokenSecret == "" {
		c.TokenSecret = devTokenSecret
	}
	for _, s := range []struct{ name, value string }{
		{"TOKEN_SECRET", c.TokenSecret}, {"TOKEN_SECRET_PREVIOUS", c.TokenSecretPrevious},
	} {
		what, published := publishedTokenSecrets[s.value]
		switch {
		case s.value == "":
			if s.name == "TOKEN_SECRET" && use == secretNeeded {
				return fmt.Errorf("TOKEN_SECRET is not set, and this process signs or verifies bearer tokens with it: %s", c.secretHint())
			}
		case len(s.value) < api.MinSecretBytes:
			return fmt.Errorf("%s is %d bytes, too short to sign tokens with (at least %d): %s",
				s.name, len(s.value), api.MinSecretBytes, c.secretHint())
		case published && !c.DevMode:
			return fmt.Errorf("%s is %s, published in orderflow's repository: anyone could mint admin tokens "+
				"with it, so it is refused outside development mode; %s", s.name, what, c.secretHint())
		}
	}
	if c.TokenMaxLifetime <= 0 {
		return fmt.Errorf("TOKEN_MAX_LIFETIME is %s: a token's maximum lifetime must be positive", c.TokenMaxLifetime)
	}
	return nil
}

// previousTokenSecrets are the secrets that still verify tokens during a rotation.
func (c Config) previousTokenSecrets() [][]byte {
	if c.TokenSecretPrevious == "" || c.TokenSecretPrevious == c.TokenSecret {
		return nil
	}
	return [][]byte{[]byte(c.TokenSecretPrevious)}
}
