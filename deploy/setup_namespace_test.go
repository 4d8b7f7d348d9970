package deploy_test

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/operatorservice/v1"

	"github.com/orderflow/orderflow/internal/temporaltest"
	"github.com/orderflow/orderflow/workflows"
)

// TestSetupNamespaceScript runs the temporal-setup service's script, as its entrypoint
// does, against a Temporal dev server started without orderflow's search attributes
// (the CLI `make temporal` builds, the same `temporal` CLI the admin-tools image
// carries): a new namespace gets exactly the search attributes of
// workflows.SearchAttributes, with their types, and a second run changes nothing. The
// script's list is the one copy Go cannot feed (the admin-tools container runs no Go);
// this test keeps it equal to the workflows package's.
func TestSetupNamespaceScript(t *testing.T) {
	p := loadCompose(t)
	setup := svc(t, p, svcTemporalSetup)
	args := slices.Concat(setup.Entrypoint, setup.Command)
	if len(args) < 2 || path.Base(args[0]) != "sh" || hostPath(setup, args[1]) == "" {
		t.Fatalf("service %s: entrypoint+command %q, want [/bin/sh, <a script mounted from deploy/>]", svcTemporalSetup, args)
	}
	script := hostPath(setup, args[1])

	server, stop, err := temporaltest.StartWithoutSearchAttributes()
	if err != nil {
		t.Fatalf("the setup script is tested against a Temporal dev server: %v", err)
	}
	t.Cleanup(stop)

	const namespace = "orderflow-compose-test" // new: the script must create it
	environ := os.Environ()
	for k, v := range env(setup) {
		environ = append(environ, k+"="+v)
	}
	environ = append(environ,
		"PATH="+filepath.Dir(server.CLI)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"TEMPORAL_ADDRESS="+server.Address,
		"NAMESPACE="+namespace,
		"SEARCH_ATTRIBUTE_SETTLE_SECONDS=0",
	)
	run := func() string {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "sh", append([]string{script}, args[2:]...)...)
		cmd.Env = environ
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s failed: %v\n%s", script, err, out)
		}
		return string(out)
	}
	run()
	second := run()

	// What the script registered: the namespace's custom search attributes less those
	// every namespace of the dev server has (the server's own test attributes).
	c := server.Client(t)
	custom := func(ns string) map[string]string {
		t.Helper()
		resp, err := c.OperatorService().ListSearchAttributes(t.Context(), &operatorservice.ListSearchAttributesRequest{Namespace: ns})
		if err != nil {
			t.Fatalf("list the search attributes of %s: %v", ns, err)
		}
		out := map[string]string{}
		for name, typ := range resp.GetCustomAttributes() {
			out[name] = typ.String()
		}
		return out
	}
	registered := custom(namespace)
	for name, typ := range custom("default") {
		if registered[name] == typ {
			delete(registered, name)
		}
	}
	want := map[string]string{}
	for _, key := range workflows.SearchAttributes() {
		want[key.GetName()] = key.GetValueType().String()
	}
	if !maps.Equal(registered, want) {
		t.Errorf("%s registers the search attributes %v; workflows.SearchAttributes() has %v: they must be the same",
			script, registered, want)
	}
	for name := range want {
		if !strings.Contains(second, "search attribute "+name+" exists") {
			t.Errorf("the second run did not find %s already registered:\n%s", name, second)
		}
	}
	if !strings.Contains(second, "namespace "+namespace+" exists") {
		t.Errorf("the second run did not find the namespace:\n%s", second)
	}
}
