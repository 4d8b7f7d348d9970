package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"
)

func runLoad(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cfg, err := loadConfig()
	require.NoError(t, err)
	cmd := loadCommand(&cfg)
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// Every flag is documented in --help.
func TestLoadHelpDocumentsEveryFlag(t *testing.T) {
	out, _, err := runLoad(t, "--help")
	require.NoError(t, err)
	cfg, _ := loadConfig()
	n := 0
	loadCommand(&cfg).Flags().VisitAll(func(f *pflag.Flag) {
		n++
		require.NotEmpty(t, f.Usage, "--%s has no help", f.Name)
		require.Contains(t, out, "--"+f.Name+" ", "--help does not list --%s", f.Name)
	})
	require.GreaterOrEqual(t, n, 12)
	for _, kind := range []string{"approved", "declined", "rejected", "canceled", "revised", "delivered"} {
		require.Regexp(t, `(?m)^  `+kind+` +\S`, out, "--help explains the %s kind", kind)
	}
	require.Contains(t, out, `(default "approved=70,declined=5,rejected=5,canceled=5,revised=5,delivered=10")`, "--mix shows its default")
}

// Bad flags are refused before anything is sent, each with what is wrong.
func TestLoadRefusesBadFlags(t *testing.T) {
	for want, args := range map[string][]string{
		`--mix: mix "approved=80,shipped=20": unknown kind "shipped"`:   {"--mix", "approved=80,shipped=20"},
		`--mix: mix "approved=80": the percents add up to 80, want 100`: {"--mix", "approved=80"},
		"--orders and --duration are both 0":                            {"--orders", "0"},
		"--concurrency 0 needs a --rate":                                {"--concurrency", "0"},
		"orders is -5, want 0 or more":                                  {"--orders", "-5"},
		"rate is -1, want 0 or more":                                    {"--rate", "-1"},
		"--token-secret: TOKEN_SECRET is 5 bytes, too short":            {"--token-secret", "short"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, _, err := runLoad(t, append(append([]string{"--token-secret", strongSecret}, args...), "--api-url", "http://127.0.0.1:1")...)
			require.ErrorContains(t, err, want)
			require.Empty(t, out, "no report for a run that did not start")
		})
	}
}

// An API that cannot be reached is a clear error (and --api is --api-url).
func TestLoadSaysWhenTheAPICannotBeReached(t *testing.T) {
	out, _, err := runLoad(t, "--api", "http://127.0.0.1:1", "--orders", "1", "--token-secret", strongSecret)
	require.ErrorContains(t, err, "set up the load's consumers and restaurants at http://127.0.0.1:1: register consumer load-")
	require.ErrorContains(t, err, "connection refused")
	require.Empty(t, out)
}
