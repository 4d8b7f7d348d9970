package deploy_test

// These tests keep docker-compose.yml, the Dockerfile and .dockerignore correct on a
// machine with no Docker engine. They read the files with the libraries Docker itself
// uses (compose-go loads and validates the compose file, buildkit's parser reads the
// Dockerfile, patternmatcher applies .dockerignore) and check them against the code
// they run: the environment variables against the orderflow command's Config (internal/cli), the subcommands
// against its cobra commands, the task queues and search attributes against the
// workflows package. TestSetupNamespaceScript runs the Temporal setup script for real.

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"

	"github.com/orderflow/orderflow/workflows"
)

// root is the repository root: go test runs in deploy/.
const root = ".."

// The stack's services. The names are part of the contract (README, DESIGN.md).
const (
	svcPostgres         = "postgres"          // orderflow's database
	svcTemporalPostgres = "temporal-postgres" // Temporal's own database
	svcTemporalSchema   = "temporal-schema"   // one-shot: Temporal's schema
	svcTemporal         = "temporal"          // the Temporal server
	svcTemporalSetup    = "temporal-setup"    // one-shot: namespace and search attributes
	svcTemporalUI       = "temporal-ui"
	svcNATS             = "nats" // NATS with JetStream: the public events
)

// orderflowServices are the services that run the orderflow image, each with the
// subcommand it runs.
var orderflowServices = map[string]string{
	"migrate":   "migrate",
	"worker":    "worker",
	"projector": "projector",
	"api":       "api",
	"relay":     "relay",
	"notifier":  "notifier",
}

// needsTemporal are the subcommands that dial Temporal at start-up (the projector,
// the relay, the notifier and migrate do not).
var needsTemporal = map[string]bool{"worker": true, "api": true}

// needsNATS are the subcommands that publish or consume the public events.
var needsNATS = map[string]bool{"relay": true, "notifier": true}

// ownSchema are the subcommands that migrate tables of their own and none of
// orderflow's: they need not wait for the migrate job (the example notifier, a
// downstream service that only shares the database).
var ownSchema = map[string]bool{"notifier": true}

// readinessProbed are the services whose healthcheck probes /readyz on their admin or
// metrics listener, with the variable that sets it and its default.
var readinessProbed = map[string][2]string{
	"api":      {"ADMIN_ADDR", "127.0.0.1:9090"},
	"relay":    {"METRICS_ADDR", ""},
	"notifier": {"METRICS_ADDR", ""},
}

// ---------------------------------------------------------------------------------
// Loading the compose file with compose-go, as `docker compose` does.

// composeFile is the compose file's path from the repository root.
const composeFile = "docker-compose.yml"

// requiredValue stands for the value the operator must give a required variable,
// ${NAME:?message} (Compose refuses to start without it: the secrets).
func requiredValue(name string) string { return "<" + name + " from the environment>" }

// errNoDefault: a variable with neither a default nor a requirement is empty in a
// fresh checkout with no .env file.
var errNoDefault = errors.New("has no default (${NAME:-default}): it is empty without an .env file")

// load loads a compose file with compose-go, in the given environment only (not the
// process's, and no .env file): validated against the Compose schema (a misspelt key
// fails, as in `docker compose`), depends_on checked for cycles and missing services,
// paths resolved against the repository root.
func load(ctx context.Context, file string, environment map[string]string, opts ...func(*loader.Options)) (*types.Project, error) {
	details, err := configDetails(ctx, file, environment)
	if err != nil {
		return nil, err
	}
	return loader.LoadWithContext(ctx, details, opts...)
}

func configDetails(ctx context.Context, file string, environment map[string]string) (types.ConfigDetails, error) {
	dir, err := filepath.Abs(root)
	if err != nil {
		return types.ConfigDetails{}, err
	}
	details, err := loader.LoadConfigFiles(ctx, []string{filepath.Join(dir, file)}, dir)
	if err != nil {
		return types.ConfigDetails{}, err
	}
	details.Environment = environment
	return *details, nil
}

// loadCompose loads docker-compose.yml as a fresh checkout with a clean shell and no
// .env file gets it: each variable takes its default, a required one takes
// requiredValue, and a variable with neither fails the test.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	details, err := configDetails(t.Context(), composeFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	model, err := loader.LoadModelWithContext(t.Context(), details, func(o *loader.Options) { o.SkipInterpolation = true })
	if err != nil {
		t.Fatalf("%s does not load: %v", composeFile, err)
	}
	environment := map[string]string{}
	for name, v := range template.ExtractVariables(model, nil) {
		if v.Required {
			environment[name] = requiredValue(name)
		}
	}
	var noDefault []string
	p, err := load(t.Context(), composeFile, environment, func(o *loader.Options) {
		o.Interpolate.Substitute = func(s string, m template.Mapping) (string, error) {
			return template.SubstituteWithOptions(s, m, template.WithoutLogging,
				template.WithReplacementFunction(func(sub string, m template.Mapping, cfg *template.Config) (string, error) {
					v, applied, err := template.DefaultReplacementAppliedFunc(sub, m, cfg)
					if err == nil && !applied && !slices.Contains(noDefault, sub) {
						noDefault = append(noDefault, sub)
					}
					return v, err
				}))
		}
	})
	if err != nil {
		t.Fatalf("%s does not load: %v", composeFile, err)
	}
	for _, sub := range noDefault {
		t.Errorf("%s: %s %v", composeFile, sub, errNoDefault)
	}
	if len(p.Services) == 0 {
		t.Fatalf("%s declares no services", composeFile)
	}
	return p
}

// loadComposeRaw loads docker-compose.yml without interpolation: the values as
// written, ${...} and all.
func loadComposeRaw(t *testing.T) *types.Project {
	t.Helper()
	p, err := load(t.Context(), composeFile, nil, func(o *loader.Options) { o.SkipInterpolation = true })
	if err != nil {
		t.Fatalf("%s does not load: %v", composeFile, err)
	}
	return p
}

// svc returns the named service, failing the test when it is missing.
func svc(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, ok := p.Services[name]
	if !ok {
		t.Fatalf("%s has no service %q", composeFile, name)
	}
	return s
}

// env returns the service's environment; a variable listed without a value (taken
// from the host) maps to "".
func env(s types.ServiceConfig) map[string]string {
	out := map[string]string{}
	for k, v := range s.Environment {
		if v != nil {
			out[k] = *v
		} else {
			out[k] = ""
		}
	}
	return out
}

// hostPath maps a path inside the service's container to the repository file a bind
// mount puts there ("" when no bind mount covers it).
func hostPath(s types.ServiceConfig, containerPath string) string {
	for _, m := range s.Volumes {
		if m.Type != types.VolumeTypeBind {
			continue
		}
		if containerPath == m.Target {
			return m.Source
		}
		if rel, ok := strings.CutPrefix(containerPath, strings.TrimSuffix(m.Target, "/")+"/"); ok {
			return filepath.Join(m.Source, rel)
		}
	}
	return ""
}

// scripts returns the repository files the service runs: its entrypoint and command
// arguments that a bind mount provides.
func scripts(s types.ServiceConfig) []string {
	var files []string
	for _, arg := range slices.Concat(s.Entrypoint, s.Command) {
		if p := hostPath(s, arg); p != "" {
			files = append(files, p)
		}
	}
	return files
}

// healthchecked tells whether the service's healthcheck probes anything.
func healthchecked(s types.ServiceConfig) bool {
	h := s.HealthCheck
	return h != nil && !h.Disable && len(h.Test) > 0 && h.Test[0] != "NONE"
}

// published is a port mapping as host port and container port.
func published(p types.ServicePortConfig) (host, container string) {
	return p.Published, strconv.FormatUint(uint64(p.Target), 10)
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func readFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	})
}

// ---------------------------------------------------------------------------------
// The compose file.

// The loader is what catches a misspelt key and a depends_on cycle: check that it
// does, on files that have them, and that the real file loads.
func TestComposeLoadsAndIsValid(t *testing.T) {
	p := loadCompose(t)
	for name, s := range p.Services {
		if s.ContainerName != "" {
			t.Errorf("service %s: container_name stops `docker compose up --scale` and clashes between checkouts; let Compose name it", name)
		}
	}

	bad := map[string]string{
		"a misspelt service key":            "services:\n  a:\n    image: x:1\n    depend_on: [b]\n  b:\n    image: x:1\n",
		"a misspelt top-level key":          "servces:\n  a:\n    image: x:1\n",
		"a depends_on cycle":                "services:\n  a:\n    image: x:1\n    depends_on: [b]\n  b:\n    image: x:1\n    depends_on: [a]\n",
		"a dependency on a missing service": "services:\n  a:\n    image: x:1\n    depends_on: [c]\n",
	}
	for what, content := range bad {
		dir := t.TempDir()
		file := filepath.Join(dir, "compose.yml")
		if err := os.WriteFile(file, []byte("name: check\n"+content), 0o644); err != nil {
			t.Fatal(err)
		}
		details, err := loader.LoadConfigFiles(t.Context(), []string{file}, dir)
		if err != nil {
			t.Fatal(err)
		}
		details.Environment = map[string]string{}
		if _, err := loader.LoadWithContext(t.Context(), *details); err == nil {
			t.Errorf("compose-go loads a file with %s: the check above would miss it", what)
		}
	}
}

func TestComposeServices(t *testing.T) {
	p := loadCompose(t)
	want := []string{svcPostgres, svcTemporalPostgres, svcTemporalSchema, svcTemporal, svcTemporalSetup, svcTemporalUI, svcNATS}
	for name := range orderflowServices {
		want = append(want, name)
	}
	for _, name := range want {
		if _, ok := p.Services[name]; !ok {
			t.Errorf("%s has no service %q", composeFile, name)
		}
	}
	for name, s := range p.Services {
		if s.Build == nil && s.Image == "" {
			t.Errorf("service %s has neither image nor build", name)
		}
		if s.Build != nil {
			continue
		}
		// Third-party images are pinned: an unpinned tag changes under the stack.
		_, tag, ok := strings.Cut(s.Image[strings.LastIndex(s.Image, "/")+1:], ":")
		if !ok || tag == "" || tag == "latest" {
			t.Errorf("service %s: image %q is not pinned to a version tag", name, s.Image)
		}
	}
	// Temporal's server and admin tools (schema tool, CLI) go together, one version.
	versions := map[string]string{}
	for name, s := range p.Services {
		if repo, tag, ok := strings.Cut(s.Image, ":"); ok && (repo == "temporalio/server" || repo == "temporalio/admin-tools" || repo == "temporalio/auto-setup") {
			versions[name+" ("+repo+")"] = tag
		}
	}
	tags := map[string]bool{}
	for _, tag := range versions {
		tags[tag] = true
	}
	if len(tags) > 1 {
		t.Errorf("Temporal server and admin-tools images are on different versions: %v", versions)
	}
	for _, v := range []string{"orderflow-postgres", "temporal-postgres", "nats-data"} {
		if _, ok := p.Volumes[v]; !ok {
			t.Errorf("named volume %q is not declared (the databases would not survive `docker compose down`)", v)
		}
	}
	for _, name := range []string{svcPostgres, svcTemporalPostgres} {
		var named bool
		for _, m := range svc(t, p, name).Volumes {
			named = named || (m.Type == types.VolumeTypeVolume && m.Source != "" && m.Target == "/var/lib/postgresql/data")
		}
		if !named {
			t.Errorf("service %s keeps its data outside a named volume at /var/lib/postgresql/data", name)
		}
	}
}

func TestOrderflowServicesRunTheImage(t *testing.T) {
	p := loadCompose(t)
	declared := subcommands(t)
	absRoot, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	images := map[string]string{}
	for name, sub := range orderflowServices {
		s := svc(t, p, name)
		if s.Build == nil {
			t.Errorf("service %s does not build the orderflow image (build: .)", name)
		} else {
			if s.Build.Context != absRoot {
				t.Errorf("service %s: build context %q, want the repository root (.)", name, s.Build.Context)
			}
			df := cmp(s.Build.Dockerfile, "Dockerfile")
			if !filepath.IsAbs(df) {
				df = filepath.Join(s.Build.Context, df)
			}
			if _, err := os.Stat(df); err != nil {
				t.Errorf("service %s: %v", name, err)
			}
		}
		images[name] = s.Image
		if len(s.Entrypoint) > 0 {
			t.Errorf("service %s overrides the entrypoint %v: the image's /orderflow must run", name, s.Entrypoint)
		}
		if len(s.Command) == 0 || s.Command[0] != sub {
			t.Errorf("service %s: command %q, want %q (orderflow %s)", name, s.Command, sub, sub)
		}
		if !declared[sub] {
			t.Errorf("service %s runs `orderflow %s`, but the orderflow command has no such subcommand (it has %v)",
				name, sub, sortedKeys(declared))
		}
		oneShot := name == "migrate"
		switch {
		case oneShot && s.Restart != "" && s.Restart != "no":
			t.Errorf("service %s is a one-shot job: restart %q would never let it complete", name, s.Restart)
		case !oneShot && s.Restart != "unless-stopped":
			t.Errorf("service %s: restart %q, want unless-stopped", name, s.Restart)
		}
	}
	var first string
	for name, image := range images {
		if image == "" {
			t.Errorf("service %s names no image: every orderflow service must share one image name so it is built once", name)
		} else if first == "" {
			first = image
		} else if image != first {
			t.Errorf("orderflow services name different images: %v", images)
			break
		}
	}
}

func TestOrderflowEnvironment(t *testing.T) {
	p := loadCompose(t)
	known := configEnvVars(t)
	queues := map[string]bool{}
	for _, q := range workflows.TaskQueues() {
		queues[q] = true
	}
	pg := env(svc(t, p, svcPostgres))
	setupNS := cmp(env(svc(t, p, svcTemporalSetup))["NAMESPACE"], "default")
	secrets := map[string]string{}

	for name := range orderflowServices {
		env := env(svc(t, p, name))
		for k := range env {
			if !known[k] {
				t.Errorf("service %s sets %s, which the orderflow command's Config (internal/cli) does not read (it reads %v)", name, k, sortedKeys(known))
			}
		}
		for _, k := range []string{"DATABASE_URL", "TEMPORAL_ADDRESS"} {
			if env[k] == "" {
				t.Errorf("service %s does not set %s (its default is 127.0.0.1, which in a container is the container itself)", name, k)
			}
		}

		if u, err := url.Parse(env["DATABASE_URL"]); err != nil {
			t.Errorf("service %s: DATABASE_URL: %v", name, err)
		} else if env["DATABASE_URL"] != "" {
			if u.Hostname() != svcPostgres {
				t.Errorf("service %s: DATABASE_URL host %q, want the %s service", name, u.Hostname(), svcPostgres)
			}
			if p := u.Port(); p != "" && p != "5432" {
				t.Errorf("service %s: DATABASE_URL port %s, want 5432 (the port inside the network)", name, p)
			}
			pass, _ := u.User.Password()
			wantUser := cmp(pg["POSTGRES_USER"], "postgres")
			if u.User.Username() != wantUser || pass != pg["POSTGRES_PASSWORD"] {
				t.Errorf("service %s: DATABASE_URL credentials %s:%s, want the %s service's %s:%s",
					name, u.User.Username(), pass, svcPostgres, wantUser, pg["POSTGRES_PASSWORD"])
			}
			if db := strings.TrimPrefix(u.Path, "/"); db != cmp(pg["POSTGRES_DB"], wantUser) {
				t.Errorf("service %s: DATABASE_URL database %q, want %q, the one the %s service creates", name, db, cmp(pg["POSTGRES_DB"], wantUser), svcPostgres)
			}
		}

		if env["TEMPORAL_ADDRESS"] != "" {
			host, port, err := net.SplitHostPort(env["TEMPORAL_ADDRESS"])
			if err != nil || host != svcTemporal || port != "7233" {
				t.Errorf("service %s: TEMPORAL_ADDRESS %q, want %s:7233", name, env["TEMPORAL_ADDRESS"], svcTemporal)
			}
		}
		if ns := cmp(env["TEMPORAL_NAMESPACE"], "default"); ns != setupNS {
			t.Errorf("service %s uses namespace %q, but %s prepares %q", name, ns, svcTemporalSetup, setupNS)
		}

		// Every listen address must bind all interfaces: 127.0.0.1 in a container is
		// unreachable from the others and from the host.
		for _, k := range []string{"API_ADDR", "ADMIN_ADDR", "METRICS_ADDR"} {
			if v, ok := env[k]; ok && v != "" {
				if host, _, err := net.SplitHostPort(v); err != nil || (host != "0.0.0.0" && host != "" && host != "::") {
					t.Errorf("service %s: %s=%q, want 0.0.0.0:PORT", name, k, v)
				}
			}
		}

		if s, ok := env["TOKEN_SECRET"]; ok {
			secrets[name] = s // its value comes from the environment: TestComposeSecretsHaveNoDefault
		}

		if v, ok := env["NATS_URL"]; ok || needsNATS[orderflowServices[name]] {
			u, err := url.Parse(v)
			if err != nil || u.Scheme != "nats" || u.Hostname() != svcNATS || cmp(u.Port(), "4222") != "4222" {
				t.Errorf("service %s: NATS_URL=%q, want nats://%s:4222 (its default, 127.0.0.1, is the container itself)", name, v, svcNATS)
			}
		}

		if qs := env["WORKER_QUEUES"]; qs != "" {
			for _, q := range strings.Split(qs, ",") {
				if !queues[strings.TrimSpace(q)] {
					t.Errorf("service %s: WORKER_QUEUES names %q, not one of workflows.TaskQueues() (%v)", name, q, sortedKeys(queues))
				}
			}
		}
	}
	if env := env(svc(t, p, "api")); env["API_ADDR"] == "" {
		t.Error("service api does not set API_ADDR: its default 127.0.0.1:8080 is unreachable from outside the container")
	}
	// Tokens issued with `docker compose run api token` must verify in the api.
	var first string
	for name, s := range secrets {
		if first == "" {
			first = s
		} else if s != first {
			t.Errorf("orderflow services have different TOKEN_SECRETs (%s differs): a token issued by one fails in another", name)
		}
	}
}

// secretVar matches the names of the variables that hold secrets.
var secretVar = regexp.MustCompile(`SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|CREDENTIAL`)

// tokenServices are the services that mint or verify bearer tokens: only they get the
// token secret (`docker compose run api token` mints with the api's).
var tokenServices = map[string]bool{"api": true}

// No secret of an orderflow service has a value in the compose file, neither literal
// nor a default: anyone who reads the repository could mint admin tokens for a stack
// started with it. TOKEN_SECRET is required from the environment, ${TOKEN_SECRET:?how
// to set it} (Compose refuses to start without it); another secret is required too,
// or optional with nothing as its default (${NAME:-}). Only the services that mint or
// verify tokens get the token secret.
func TestComposeSecretsHaveNoDefault(t *testing.T) {
	p := loadComposeRaw(t)
	required := regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*):?\?([^}]*)\}$`)
	optional := regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*):?-\}$`)
	for name := range orderflowServices {
		env := env(svc(t, p, name))
		for k, v := range env {
			if !secretVar.MatchString(k) {
				continue
			}
			m := required.FindStringSubmatch(v)
			switch {
			case m != nil && strings.TrimSpace(m[2]) == "":
				t.Errorf("service %s: %s=%q: say how to set it (${%s:?set %s to ...}), Compose shows the message", name, k, v, k, k)
			case m == nil && k == "TOKEN_SECRET":
				t.Errorf("service %s: %s=%q, want ${%s:?how to set it}: the token secret must come from the environment, with no default", name, k, v, k)
				continue
			case m == nil:
				if m = optional.FindStringSubmatch(v); m == nil {
					t.Errorf("service %s: %s=%q is a secret with a value or a default in the compose file; want ${%s:?how to set it} (or ${%s:-} when optional)", name, k, v, k, k)
					continue
				}
			}
			if m[1] != k {
				t.Errorf("service %s: %s takes its value from $%s: keep the one name", name, k, m[1])
			}
		}
		_, has := env["TOKEN_SECRET"]
		switch {
		case tokenServices[name] && !has:
			t.Errorf("service %s mints or verifies tokens but gets no TOKEN_SECRET", name)
		case !tokenServices[name] && has:
			t.Errorf("service %s neither mints nor verifies tokens: it should not hold TOKEN_SECRET", name)
		}
	}
	// The .env file beside docker-compose.yml that holds them is neither committed nor
	// sent to the image build.
	if excluded(t, dockerignore(t), ".env") == nil {
		t.Error(".dockerignore sends .env, which holds the compose stack's secrets, to the build context")
	}
	if !slices.ContainsFunc(strings.Split(string(readFile(t, ".gitignore")), "\n"), func(l string) bool {
		return strings.TrimSpace(l) == ".env" || strings.TrimSpace(l) == "/.env"
	}) {
		t.Error(".gitignore does not ignore .env, which holds the compose stack's secrets")
	}

	// The check itself: a committed secret or default is caught.
	for _, v := range []string{"orderflow-compose-secret-change-me-0123456789", "${TOKEN_SECRET:-orderflow-compose-secret-change-me-0123456789}",
		"${TOKEN_SECRET-x}", "${TOKEN_SECRET}", "$TOKEN_SECRET"} {
		if required.MatchString(v) {
			t.Errorf("%q passes as required", v)
		}
	}
}

func TestTemporalPersistence(t *testing.T) {
	p := loadCompose(t)
	db := env(svc(t, p, svcTemporalPostgres))
	user, pass := cmp(db["POSTGRES_USER"], "postgres"), db["POSTGRES_PASSWORD"]

	server := env(svc(t, p, svcTemporal))
	for k, want := range map[string]string{
		"DB": "postgres12", "DB_PORT": "5432", "POSTGRES_SEEDS": svcTemporalPostgres,
		"POSTGRES_USER": user, "POSTGRES_PWD": pass,
	} {
		if server[k] != want {
			t.Errorf("service %s: %s=%q, want %q", svcTemporal, k, server[k], want)
		}
	}
	if server["BIND_ON_IP"] != "0.0.0.0" {
		t.Errorf("service %s: BIND_ON_IP=%q, want 0.0.0.0 so that other containers reach the frontend", svcTemporal, server["BIND_ON_IP"])
	}

	schema := env(svc(t, p, svcTemporalSchema))
	for k, want := range map[string]string{
		"SQL_HOST": svcTemporalPostgres, "SQL_PORT": "5432", "SQL_USER": user, "SQL_PASSWORD": pass,
	} {
		if schema[k] != want {
			t.Errorf("service %s: %s=%q, want %q", svcTemporalSchema, k, schema[k], want)
		}
	}
	for _, name := range []string{svcTemporalSetup, svcTemporalUI} {
		if a := env(svc(t, p, name))["TEMPORAL_ADDRESS"]; a != svcTemporal+":7233" {
			t.Errorf("service %s: TEMPORAL_ADDRESS=%q, want %s:7233", name, a, svcTemporal)
		}
	}

	// The order workflow takes cancel, revise, delivery and the restaurant's decision
	// as Updates: the server's dynamic config must allow them.
	path := server["DYNAMIC_CONFIG_FILE_PATH"]
	if path == "" {
		t.Fatalf("service %s sets no DYNAMIC_CONFIG_FILE_PATH: workflow Updates may be off", svcTemporal)
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join("/etc/temporal", path) // the image's working directory
	}
	host := hostPath(svc(t, p, svcTemporal), path)
	if host == "" {
		t.Fatalf("service %s: DYNAMIC_CONFIG_FILE_PATH %s is not mounted from the repository", svcTemporal, path)
	}
	raw, err := os.ReadFile(host)
	if err != nil {
		t.Fatal(err)
	}
	var dc map[string][]struct {
		Value any `yaml:"value"`
	}
	if err := yaml.Unmarshal(raw, &dc); err != nil {
		t.Fatalf("%s: %v", host, err)
	}
	var enabled bool // a missing key, or a value that is not the YAML boolean true, is off
	if v := dc["frontend.enableUpdateWorkflowExecution"]; len(v) > 0 {
		enabled, _ = v[0].Value.(bool)
	}
	if !enabled {
		t.Errorf("%s does not set frontend.enableUpdateWorkflowExecution to true", host)
	}
}

func TestPublishedPorts(t *testing.T) {
	p := loadCompose(t)
	publishes := func(name, wantHost, wantContainer string) {
		t.Helper()
		for _, port := range svc(t, p, name).Ports {
			if host, container := published(port); host == wantHost && container == wantContainer {
				return
			}
		}
		t.Errorf("service %s does not publish %s:%s (ports %v)", name, wantHost, wantContainer, svc(t, p, name).Ports)
	}
	_, apiPort, err := net.SplitHostPort(env(svc(t, p, "api"))["API_ADDR"])
	if err != nil {
		t.Fatalf("api: API_ADDR: %v", err)
	}
	publishes("api", "8080", apiPort)
	publishes(svcTemporalUI, "8233", "8080")

	owner := map[string]string{}
	for name, s := range p.Services {
		for _, port := range s.Ports {
			if port.Published == "" {
				continue
			}
			if other, dup := owner[port.Published]; dup {
				t.Errorf("host port %s is published by both %s and %s", port.Published, other, name)
			}
			owner[port.Published] = name
		}
	}
}

// Temporal's frontend and UI, and NATS, take no login in this stack: whoever reaches
// them can update or terminate order workflows, or publish forged events, so they are
// published on loopback only.
func TestUnauthenticatedServicesArePublishedOnLoopbackOnly(t *testing.T) {
	p := loadCompose(t)
	for name, s := range p.Services {
		if !strings.HasPrefix(name, "temporal") && name != svcNATS {
			continue
		}
		for _, port := range s.Ports {
			if port.Published != "" && port.HostIP != "127.0.0.1" {
				t.Errorf("service %s publishes %s on %q, not 127.0.0.1", name, port.Published, port.HostIP)
			}
		}
	}
}

// compose-go refuses a dependency on a missing service and a cycle
// (TestComposeLoadsAndIsValid); these are the conditions it does not judge.
func TestDependsOn(t *testing.T) {
	p := loadCompose(t)
	for name, s := range p.Services {
		for dep, d := range s.DependsOn {
			target := p.Services[dep]
			switch d.Condition {
			case types.ServiceConditionHealthy:
				if !healthchecked(target) {
					t.Errorf("service %s waits for %s to be healthy, but %s has no healthcheck: it would wait forever", name, dep, dep)
				}
			case types.ServiceConditionCompletedSuccessfully:
				if r := target.Restart; r != "" && r != "no" && !strings.HasPrefix(r, "on-failure") {
					t.Errorf("service %s waits for %s to complete, but %s has restart %q and never completes", name, dep, dep, r)
				}
			}
		}
	}

	// What each orderflow process needs before it starts.
	needs := func(name, dep, cond string) {
		t.Helper()
		d, ok := svc(t, p, name).DependsOn[dep]
		if got := d.Condition; !ok || got != cond {
			t.Errorf("service %s: depends_on %s is %q, want %s", name, dep, cmp(got, "absent"), cond)
		}
	}
	for name, sub := range orderflowServices {
		needs(name, svcPostgres, types.ServiceConditionHealthy)
		if name != "migrate" && !ownSchema[sub] {
			needs(name, "migrate", types.ServiceConditionCompletedSuccessfully)
		}
		if needsNATS[sub] {
			// JetStream must be up: the relay makes its stream at start.
			needs(name, svcNATS, types.ServiceConditionHealthy)
		} else if _, ok := svc(t, p, name).DependsOn[svcNATS]; ok {
			t.Errorf("service %s waits for %s, which it does not use", name, svcNATS)
		}
		if needsTemporal[sub] {
			needs(name, svcTemporal, types.ServiceConditionHealthy)
			// Starting an order's workflow fails until the search attributes exist.
			needs(name, svcTemporalSetup, types.ServiceConditionCompletedSuccessfully)
		}
	}
	needs(svcTemporal, svcTemporalSchema, types.ServiceConditionCompletedSuccessfully)
	needs(svcTemporalSchema, svcTemporalPostgres, types.ServiceConditionHealthy)
	needs(svcTemporalSetup, svcTemporal, types.ServiceConditionHealthy)
}

func TestReadinessHealthchecks(t *testing.T) {
	p := loadCompose(t)
	built := finalImageGoBinaries(t)
	for name, listener := range readinessProbed {
		s := svc(t, p, name)
		if !healthchecked(s) {
			t.Errorf("service %s has no healthcheck", name)
			continue
		}
		args := s.HealthCheck.Test
		// Exec form: the image has no shell for CMD-SHELL.
		if len(args) != 3 || args[0] != "CMD" {
			t.Errorf("service %s: healthcheck %q: want [CMD, /healthcheck, URL] (exec form: the distroless image has no shell)", name, args)
			continue
		}
		probe, target := args[1], args[2]
		if built[probe] != "./deploy/healthcheck" {
			t.Errorf("service %s: healthcheck runs %s, which the Dockerfile's final stage does not build from ./deploy/healthcheck (it has %v)", name, probe, built)
		}
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		// Readiness is served on the admin listener only (ADMIN_ADDR for the api,
		// METRICS_ADDR for the relay and the notifier).
		addr := cmp(env(s)[listener[0]], listener[1])
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Errorf("service %s: its healthcheck needs %s set (%q): %v", name, listener[0], addr, err)
			continue
		}
		if (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost") || u.Port() != port || u.Path != "/readyz" {
			t.Errorf("service %s: healthcheck probes %s, want http://127.0.0.1:%s/readyz (%s's port)", name, target, port, listener[0])
		}
	}
}

// NATS runs with JetStream, its store on the named volume, and is healthy only once
// JetStream is.
func TestNATS(t *testing.T) {
	p := loadCompose(t)
	s := svc(t, p, svcNATS)
	if repo, _, _ := strings.Cut(s.Image, ":"); repo != "nats" {
		t.Errorf("service %s runs %s, want the nats image", svcNATS, s.Image)
	}
	args := strings.Join(s.Command, " ")
	if !slices.Contains(s.Command, "-js") && !slices.Contains(s.Command, "--jetstream") {
		t.Errorf("service %s: command %q does not turn JetStream on (-js)", svcNATS, args)
	}
	store := ""
	for i, a := range s.Command {
		if (a == "-sd" || a == "--store_dir") && i+1 < len(s.Command) {
			store = s.Command[i+1]
		}
	}
	var kept bool
	for _, m := range s.Volumes {
		kept = kept || (m.Type == types.VolumeTypeVolume && m.Source == "nats-data" && store != "" && m.Target == store)
	}
	if !kept {
		t.Errorf("service %s keeps its streams (-sd %q) outside the named volume nats-data: they would not survive `docker compose down`", svcNATS, store)
	}
	if !healthchecked(s) || !strings.Contains(strings.Join(s.HealthCheck.Test, " "), "/healthz?js-enabled-only=true") {
		t.Errorf("service %s: healthcheck does not wait for JetStream (/healthz?js-enabled-only=true on the monitoring port)", svcNATS)
	}
	if !slices.Contains(s.Command, "-m") && !slices.Contains(s.Command, "--http_port") {
		t.Errorf("service %s: command %q serves no monitoring port (-m) for its healthcheck", svcNATS, args)
	}
}

// The api's admin listener (/metrics, /readyz: unauthenticated) and the workers' and
// projector's metrics are never published to the host.
func TestAdminAndMetricsPortsAreNotPublished(t *testing.T) {
	p := loadCompose(t)
	for name := range orderflowServices {
		s := svc(t, p, name)
		for _, k := range []string{"ADMIN_ADDR", "METRICS_ADDR"} {
			addr := env(s)[k]
			if k == "ADMIN_ADDR" && name == "api" {
				addr = cmp(addr, "127.0.0.1:9090")
			}
			if addr == "" {
				continue
			}
			_, port, err := net.SplitHostPort(addr)
			if err != nil {
				t.Errorf("service %s: %s=%q: %v", name, k, addr, err)
				continue
			}
			for _, pub := range s.Ports {
				if host, container := published(pub); container == port {
					t.Errorf("service %s publishes %s's port %s (%s:%s): metrics and readiness are for the compose network only", name, k, port, host, container)
				}
			}
		}
	}
}

func TestMountsAndScripts(t *testing.T) {
	p := loadCompose(t)
	for name, s := range p.Services {
		for _, m := range s.Volumes {
			if m.Type != types.VolumeTypeBind {
				continue
			}
			if _, err := os.Stat(m.Source); err != nil {
				t.Errorf("service %s mounts %s, which does not exist (Docker would create an empty directory there)", name, m.Source)
			}
		}
		for _, f := range scripts(s) {
			if path.Ext(f) != ".sh" {
				continue
			}
			if out, err := exec.Command("sh", "-n", f).CombinedOutput(); err != nil {
				t.Errorf("service %s runs %s, which is not valid sh: %v\n%s", name, f, err, out)
			}
		}
	}
	for _, name := range []string{svcTemporalSchema, svcTemporalSetup} {
		s := svc(t, p, name)
		if len(scripts(s)) == 0 {
			t.Errorf("service %s runs no script from deploy/ (entrypoint %v, command %v)", name, s.Entrypoint, s.Command)
		}
		if s.Restart != "" && s.Restart != "no" {
			t.Errorf("service %s is a one-shot job: restart %q", name, s.Restart)
		}
	}
}
