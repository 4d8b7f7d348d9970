package deploy_test

import (
	"testing"

	envtags "github.com/caarlos0/env/v11"

	"github.com/orderflow/orderflow/internal/cli"
)

// configEnvVars returns the environment variables the orderflow command's Config
// reads, nested prefixes included, as the env library that parses it lists them.
func configEnvVars(t *testing.T) map[string]bool {
	t.Helper()
	params, err := envtags.GetFieldParams(&cli.Config{})
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]bool{}
	for _, p := range params {
		if p.Key != "" {
			vars[p.Key] = true
		}
	}
	if len(vars) == 0 {
		t.Fatal("cli.Config reads no environment variable")
	}
	return vars
}

// subcommands returns the names of the orderflow command's subcommands.
func subcommands(t *testing.T) map[string]bool {
	t.Helper()
	cmds := map[string]bool{}
	for _, c := range cli.Root().Commands() {
		cmds[c.Name()] = true
	}
	if len(cmds) == 0 {
		t.Fatal("the orderflow command has no subcommands")
	}
	return cmds
}
