package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
)

// The secrets anyone who reads the repository knows: the development default and the
// one docker-compose.yml used to ship with.
var publishedSecrets = map[string]string{
	"the development default":     "orderflow-dev-secret-change-me-in-production",
	"docker-compose.yml's former": "orderflow-compose-secret-change-me-0123456789",
}

const strongSecret = "9f8e7d6c5b4a39281706f5e4d3c2b1a0-rotation-test"

// execute runs `orderflow args...` with env as its whole orderflow environment (on top
// of unreachable PostgreSQL and Temporal, so that a process that gets past its checks
// fails at once on connecting) and returns stdout and the error.
func execute(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	for _, k := range []string{"TOKEN_SECRET", "TOKEN_SECRET_PREVIOUS", "TOKEN_AUDIENCE", "TOKEN_MAX_LIFETIME", "ORDERFLOW_DEV_MODE"} {
		t.Setenv(k, "") // restored when the test ends
		require.NoError(t, os.Unsetenv(k))
	}
	t.Setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:1/orderflow?sslmode=disable&connect_timeout=2")
	t.Setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")
	t.Setenv("LOG_LEVEL", "error")
	for k, v := range env {
		t.Setenv(k, v)
	}
	root := Root()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	return out.String(), err
}

// Production is the default: the API refuses to start with a secret anyone knows, an
// empty one or a short one, and says how to set one. Before, it only warned.
func TestAPIRefusesAWeakTokenSecret(t *testing.T) {
	cases := map[string]map[string]string{
		"unset":        {},
		"empty":        {"TOKEN_SECRET": ""},
		"one byte":     {"TOKEN_SECRET": "x"},
		"31 bytes":     {"TOKEN_SECRET": strings.Repeat("s", 31)},
		"short prev":   {"TOKEN_SECRET": strongSecret, "TOKEN_SECRET_PREVIOUS": "old"},
		"known prev":   {"TOKEN_SECRET": strongSecret, "TOKEN_SECRET_PREVIOUS": publishedSecrets["the development default"]},
		"dev mode, 1B": {"TOKEN_SECRET": "x", "ORDERFLOW_DEV_MODE": "true"}, // too short to sign with, even in development
	}
	for what, secret := range publishedSecrets {
		cases[what] = map[string]string{"TOKEN_SECRET": secret}
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := execute(t, env, "api")
			require.Error(t, err)
			require.Contains(t, err.Error(), "TOKEN_SECRET", "the error names the variable")
			require.Contains(t, err.Error(), "openssl rand", "the error says how to make a secret")
			require.NotContains(t, err.Error(), "database", "refused before connecting to anything")
		})
	}
}

// The worker and the projector neither mint nor verify tokens, so they need no
// secret; but one that is known or short, when given, is refused as by the API: it is
// the sign of a deployment configured for development.
func TestWorkerAndProjectorRefuseAWeakTokenSecret(t *testing.T) {
	for _, cmd := range []string{"worker", "projector"} {
		for name, env := range map[string]map[string]string{
			"the development default": {"TOKEN_SECRET": publishedSecrets["the development default"]},
			"compose's former":        {"TOKEN_SECRET": publishedSecrets["docker-compose.yml's former"]},
			"one byte":                {"TOKEN_SECRET": "x"},
		} {
			t.Run(cmd+" "+name, func(t *testing.T) {
				_, err := execute(t, env, cmd)
				require.Error(t, err)
				require.Contains(t, err.Error(), "TOKEN_SECRET")
				require.Contains(t, err.Error(), "openssl rand")
			})
		}
		t.Run(cmd+" without a secret", func(t *testing.T) {
			_, err := execute(t, nil, cmd)
			require.Error(t, err) // nothing to connect to
			require.NotContains(t, err.Error(), "TOKEN_SECRET")
		})
	}
}

// In development mode (`orderflow dev`, --dev-mode or ORDERFLOW_DEV_MODE=true) the
// known secrets are accepted and an unset one is the development default: the
// processes get past the check and on to connecting.
func TestDevelopmentModeAcceptsTheDevelopmentSecret(t *testing.T) {
	for _, cmd := range []string{"api", "worker", "projector"} {
		for name, tc := range map[string]struct {
			env  map[string]string
			args []string
		}{
			"env, unset":       {env: map[string]string{"ORDERFLOW_DEV_MODE": "true"}},
			"env, dev default": {env: map[string]string{"ORDERFLOW_DEV_MODE": "true", "TOKEN_SECRET": publishedSecrets["the development default"]}},
			"flag, unset":      {args: []string{"--dev-mode"}},
		} {
			t.Run(cmd+" "+name, func(t *testing.T) {
				_, err := execute(t, tc.env, append([]string{cmd}, tc.args...)...)
				require.Error(t, err) // nothing to connect to
				require.NotContains(t, err.Error(), "TOKEN_SECRET")
				require.Contains(t, err.Error(), "database")
			})
		}
	}
	for name, env := range map[string]map[string]string{"strong": {"TOKEN_SECRET": strongSecret}} {
		t.Run("api "+name+", production", func(t *testing.T) {
			_, err := execute(t, env, "api")
			require.ErrorContains(t, err, "database")
		})
	}
}

// `orderflow token` mints with the same rules: it refuses a weak secret outside
// development mode, and in development mode signs with the development default.
func TestTokenCommandRefusesAWeakSecret(t *testing.T) {
	_, err := execute(t, nil, "token", "--role", "admin")
	require.ErrorContains(t, err, "TOKEN_SECRET")
	_, err = execute(t, map[string]string{"TOKEN_SECRET": publishedSecrets["the development default"]}, "token")
	require.ErrorContains(t, err, "TOKEN_SECRET")
	_, err = execute(t, nil, "token", "--token-secret", "short")
	require.ErrorContains(t, err, "TOKEN_SECRET")

	out, err := execute(t, nil, "token", "--dev-mode")
	require.NoError(t, err)
	p, err := api.Tokens{Secret: []byte(publishedSecrets["the development default"]), Issuer: "orderflow"}.
		Verify(strings.TrimSpace(out))
	require.NoError(t, err)
	require.Equal(t, api.RoleAdmin, p.Role)
}
