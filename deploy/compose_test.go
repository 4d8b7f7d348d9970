package deploy_test

// These tests keep docker-compose.yml, the Dockerfile and .dockerignore correct on a
// machine with no Docker engine. They read the files as Docker would and check them
// against the code they run: the environment variables against cmd/orderflow's Config
// (go/ast, not a copied list), the subcommands against its cobra commands, the search
// attributes against workflows/names.go. TestSetupNamespaceScript runs the Temporal
// setup script for real, against a Temporal dev server.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
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
// The compose file, as much of the Compose specification as the stack uses. Each
// field accepts every form the specification allows (short and long syntax).

type composeFile struct {
	Name     string              `yaml:"name"`
	Services map[string]*service `yaml:"services"`
	Volumes  map[string]any      `yaml:"volumes"`
}

type service struct {
	Image       string       `yaml:"image"`
	Build       *buildSpec   `yaml:"build"`
	Command     command      `yaml:"command"`
	Entrypoint  command      `yaml:"entrypoint"`
	Environment environment  `yaml:"environment"`
	Ports       []portSpec   `yaml:"ports"`
	DependsOn   dependsOn    `yaml:"depends_on"`
	Healthcheck *healthcheck `yaml:"healthcheck"`
	Volumes     []mount      `yaml:"volumes"`
	Restart     string       `yaml:"restart"`
}

type buildSpec struct{ Context, Dockerfile string }

func (b *buildSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		b.Context = n.Value
		return nil
	}
	var long struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	}
	if err := n.Decode(&long); err != nil {
		return err
	}
	b.Context, b.Dockerfile = long.Context, long.Dockerfile
	return nil
}

// command is a command, an entrypoint or a healthcheck test: a list (exec form) or a
// string (shell form).
type command struct {
	Args  []string
	Shell string // the string, for the shell form
}

func (c *command) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		c.Shell, c.Args = n.Value, strings.Fields(n.Value)
		return nil
	}
	return n.Decode(&c.Args)
}

// environment maps each variable to its value as written (before interpolation); a
// variable listed without a value (taken from the host) maps to "".
type environment map[string]string

func (e *environment) UnmarshalYAML(n *yaml.Node) error {
	*e = environment{}
	if n.Kind == yaml.SequenceNode {
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		for _, kv := range list {
			k, v, _ := strings.Cut(kv, "=")
			(*e)[k] = v
		}
		return nil
	}
	var m map[string]any // decoding a map resolves YAML merge keys (<<: *anchor)
	if err := n.Decode(&m); err != nil {
		return err
	}
	for k, v := range m {
		if v != nil {
			(*e)[k] = fmt.Sprint(v)
		} else {
			(*e)[k] = ""
		}
	}
	return nil
}

type portSpec struct{ HostIP, Published, Target string }

func (p *portSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode { // [ip:]published:target[/protocol], or target alone
		s, _, _ := strings.Cut(n.Value, "/")
		parts := strings.Split(s, ":")
		p.Target = parts[len(parts)-1]
		if len(parts) > 1 {
			p.Published = parts[len(parts)-2]
		}
		if len(parts) > 2 {
			p.HostIP = strings.Join(parts[:len(parts)-2], ":")
		}
		return nil
	}
	var long struct {
		Target    any    `yaml:"target"`
		Published any    `yaml:"published"`
		HostIP    string `yaml:"host_ip"`
	}
	if err := n.Decode(&long); err != nil {
		return err
	}
	p.Target, p.Published, p.HostIP = fmt.Sprint(long.Target), fmt.Sprint(long.Published), long.HostIP
	return nil
}

// dependsOn maps each dependency to its condition.
type dependsOn map[string]string

func (d *dependsOn) UnmarshalYAML(n *yaml.Node) error {
	*d = dependsOn{}
	if n.Kind == yaml.SequenceNode {
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		for _, s := range list {
			(*d)[s] = "service_started"
		}
		return nil
	}
	var long map[string]struct {
		Condition string `yaml:"condition"`
	}
	if err := n.Decode(&long); err != nil {
		return err
	}
	for s, dep := range long {
		(*d)[s] = cmp(dep.Condition, "service_started")
	}
	return nil
}

type healthcheck struct {
	Test    command `yaml:"test"`
	Disable bool    `yaml:"disable"`
}

// enabled tells whether the healthcheck probes anything.
func (h *healthcheck) enabled() bool {
	return h != nil && !h.Disable && len(h.Test.Args) > 0 && h.Test.Args[0] != "NONE"
}

type mount struct {
	Type, Source, Target string
}

func (m *mount) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode { // [source:]target[:mode]
		parts := strings.Split(n.Value, ":")
		if len(parts) == 1 {
			m.Type, m.Target = "volume", parts[0]
			return nil
		}
		m.Source, m.Target = parts[0], parts[1]
		m.Type = "volume"
		if strings.HasPrefix(m.Source, ".") || strings.HasPrefix(m.Source, "/") || strings.HasPrefix(m.Source, "~") {
			m.Type = "bind"
		}
		return nil
	}
	var long struct {
		Type   string `yaml:"type"`
		Source string `yaml:"source"`
		Target string `yaml:"target"`
	}
	if err := n.Decode(&long); err != nil {
		return err
	}
	m.Type, m.Source, m.Target = long.Type, long.Source, long.Target
	return nil
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func loadCompose(t *testing.T) *composeFile {
	t.Helper()
	var f composeFile
	if err := yaml.Unmarshal(readFile(t, "docker-compose.yml"), &f); err != nil {
		t.Fatalf("docker-compose.yml does not parse: %v", err)
	}
	if len(f.Services) == 0 {
		t.Fatal("docker-compose.yml declares no services")
	}
	return &f
}

// svc returns the named service, failing the test when it is missing.
func (f *composeFile) svc(t *testing.T, name string) *service {
	t.Helper()
	s, ok := f.Services[name]
	if !ok || s == nil {
		t.Fatalf("docker-compose.yml has no service %q", name)
	}
	return s
}

// interpolation matches what Compose substitutes in values: $$, ${...} and $NAME.
var interpolation = regexp.MustCompile(`\$\$|\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// resolve substitutes ${VAR:-default} and ${VAR-default} with their default, which is
// what a fresh checkout with no .env file and a clean shell gets; a variable without a
// default is an error (it would be empty). A required one, ${VAR:?message} (Compose
// refuses to start without it: the secrets), becomes requiredValue(VAR).
func resolve(s string) (string, error) {
	var err error
	out := interpolation.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		if inner, ok := strings.CutPrefix(m, "${"); ok {
			inner = strings.TrimSuffix(inner, "}")
			name := varName.FindString(inner)
			op := strings.TrimPrefix(inner[len(name):], ":")
			if strings.HasPrefix(op, "?") {
				return requiredValue(name)
			}
			if def, ok := strings.CutPrefix(op, "-"); ok {
				return def
			}
		}
		err = fmt.Errorf("%s has no default (${NAME:-default}): it is empty without an .env file", m)
		return ""
	})
	return out, err
}

var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*`)

// requiredValue stands for the value the operator must give a required variable.
func requiredValue(name string) string { return "<" + name + " from the environment>" }

// env returns the service's environment with interpolation done, reporting values
// that do not resolve.
func (s *service) env(t *testing.T, name string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, v := range s.Environment {
		r, err := resolve(v)
		if err != nil {
			t.Errorf("service %s: %s: %v", name, k, err)
		}
		out[k] = r
	}
	return out
}

// hostPath maps a path inside the service's container to the repository file a bind
// mount puts there ("" when no bind mount covers it).
func (s *service) hostPath(containerPath string) string {
	for _, m := range s.Volumes {
		if m.Type != "bind" {
			continue
		}
		if containerPath == m.Target {
			return filepath.Join(root, m.Source)
		}
		if rel, ok := strings.CutPrefix(containerPath, strings.TrimSuffix(m.Target, "/")+"/"); ok {
			return filepath.Join(root, m.Source, rel)
		}
	}
	return ""
}

// scripts returns the repository files the service runs: its entrypoint and command
// arguments that a bind mount provides.
func (s *service) scripts() []string {
	var files []string
	for _, arg := range slices.Concat(s.Entrypoint.Args, s.Command.Args) {
		if p := s.hostPath(arg); p != "" {
			files = append(files, p)
		}
	}
	return files
}

// ---------------------------------------------------------------------------------
// What the code declares, read with go/ast.

func parsePackage(t *testing.T, dir string) []*ast.File {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	return files
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// configEnvVars returns the environment variables cmd/orderflow's Config reads: the
// names in its fields' `env:"NAME"` tags.
func configEnvVars(t *testing.T) map[string]bool {
	t.Helper()
	vars := map[string]bool{}
	for _, f := range parsePackage(t, "cmd/orderflow") {
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok || ts.Name.Name != "Config" {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			for _, field := range st.Fields.List {
				if field.Tag == nil {
					continue
				}
				tag, _ := stringLit(field.Tag)
				if name, _, _ := strings.Cut(reflect.StructTag(tag).Get("env"), ","); name != "" {
					vars[name] = true
				}
			}
			return false
		})
	}
	if len(vars) == 0 {
		t.Fatal("found no `env:\"...\"` tags on type Config in cmd/orderflow")
	}
	return vars
}

// subcommands returns the first word of every cobra.Command's Use in cmd/orderflow.
func subcommands(t *testing.T) map[string]bool {
	t.Helper()
	cmds := map[string]bool{}
	for _, f := range parsePackage(t, "cmd/orderflow") {
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			sel, ok := lit.Type.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Command" {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "cobra" {
				return true
			}
			for _, elt := range lit.Elts {
				kv, ok := elt.(*ast.KeyValueExpr)
				if k, isIdent := kv.Key.(*ast.Ident); !ok || !isIdent || k.Name != "Use" {
					continue
				}
				if use, ok := stringLit(kv.Value); ok && len(strings.Fields(use)) > 0 {
					cmds[strings.Fields(use)[0]] = true
				}
			}
			return true
		})
	}
	return cmds
}

// saTypes maps the SDK's typed key constructors to the type names of `temporal
// operator search-attribute create --type`.
var saTypes = map[string]string{
	"NewSearchAttributeKeyKeyword":     "Keyword",
	"NewSearchAttributeKeyString":      "Text",
	"NewSearchAttributeKeyInt64":       "Int",
	"NewSearchAttributeKeyFloat64":     "Double",
	"NewSearchAttributeKeyBool":        "Bool",
	"NewSearchAttributeKeyTime":        "Datetime",
	"NewSearchAttributeKeyKeywordList": "KeywordList",
}

// workflowSearchAttributes returns the search attributes the workflows declare
// (temporal.NewSearchAttributeKeyKeyword("OrderStatus") and the like), name -> type.
func workflowSearchAttributes(t *testing.T) map[string]string {
	t.Helper()
	attrs := map[string]string{}
	for _, f := range parsePackage(t, "workflows") {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !strings.HasPrefix(sel.Sel.Name, "NewSearchAttributeKey") {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "temporal" {
				return true
			}
			name, ok := stringLit(call.Args[0])
			if !ok {
				t.Errorf("workflows: %s with a non-literal name: cannot check it", sel.Sel.Name)
				return true
			}
			typ, known := saTypes[sel.Sel.Name]
			if !known {
				t.Errorf("workflows: search attribute %s uses %s, which this test does not map to a type", name, sel.Sel.Name)
			}
			attrs[name] = typ
			return true
		})
	}
	if len(attrs) == 0 {
		t.Fatal("found no temporal.NewSearchAttributeKey*(\"...\") in workflows/")
	}
	return attrs
}

// workflowConsts returns the workflows package's string constants whose names start
// with prefix.
func workflowConsts(t *testing.T, prefix string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range parsePackage(t, "workflows") {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if i < len(vs.Values) && strings.HasPrefix(id.Name, prefix) {
						if v, ok := stringLit(vs.Values[i]); ok {
							out[id.Name] = v
						}
					}
				}
			}
		}
	}
	return out
}

func readFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ---------------------------------------------------------------------------------
// The compose file.

// Keys the Compose specification allows at the top level and on a service, so that a
// misspelt key (depend_on, healthchek), which these tests' model would silently skip,
// fails here as `docker compose` would fail.
var (
	topLevelKeys = strings.Fields(`version name include services networks volumes secrets configs models`)
	serviceKeys  = strings.Fields(`annotations attach blkio_config build cap_add cap_drop cgroup
		cgroup_parent command configs container_name cpu_count cpu_percent cpu_period cpu_quota
		cpu_rt_period cpu_rt_runtime cpu_shares cpus cpuset credential_spec depends_on deploy
		develop device_cgroup_rules devices dns dns_opt dns_search domainname driver_opts
		entrypoint env_file environment expose extends external_links extra_hosts gpus
		group_add healthcheck hostname image init ipc isolation labels label_file links logging
		mac_address mem_limit mem_reservation mem_swappiness memswap_limit models network_mode
		networks oom_kill_disable oom_score_adj pid pids_limit platform ports post_start pre_stop
		privileged profiles provider pull_policy read_only restart runtime scale secrets
		security_opt shm_size stdin_open stop_grace_period stop_signal storage_opt sysctls
		tmpfs tty ulimits use_api_socket user userns_mode uts volumes volumes_from working_dir`)
)

func TestComposeKeys(t *testing.T) {
	var raw map[string]any
	if err := yaml.Unmarshal(readFile(t, "docker-compose.yml"), &raw); err != nil {
		t.Fatalf("docker-compose.yml does not parse: %v", err)
	}
	for k := range raw {
		if !slices.Contains(topLevelKeys, k) && !strings.HasPrefix(k, "x-") {
			t.Errorf("top-level key %q is not in the Compose specification (extensions start with x-)", k)
		}
	}
	services, _ := raw["services"].(map[string]any)
	for name, s := range services {
		m, ok := s.(map[string]any)
		if !ok {
			t.Errorf("service %s is not a mapping", name)
			continue
		}
		for k := range m {
			if !slices.Contains(serviceKeys, k) && !strings.HasPrefix(k, "x-") {
				t.Errorf("service %s: key %q is not in the Compose specification", name, k)
			}
			if k == "container_name" {
				t.Errorf("service %s: container_name stops `docker compose up --scale` and clashes between checkouts; let Compose name it", name)
			}
		}
	}
}

func TestComposeServices(t *testing.T) {
	f := loadCompose(t)
	want := []string{svcPostgres, svcTemporalPostgres, svcTemporalSchema, svcTemporal, svcTemporalSetup, svcTemporalUI, svcNATS}
	for name := range orderflowServices {
		want = append(want, name)
	}
	for _, name := range want {
		if _, ok := f.Services[name]; !ok {
			t.Errorf("docker-compose.yml has no service %q", name)
		}
	}
	for name, s := range f.Services {
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
	for name, s := range f.Services {
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
		if _, ok := f.Volumes[v]; !ok {
			t.Errorf("named volume %q is not declared (the databases would not survive `docker compose down`)", v)
		}
	}
	for _, name := range []string{svcPostgres, svcTemporalPostgres} {
		var named bool
		for _, m := range f.svc(t, name).Volumes {
			named = named || (m.Type == "volume" && m.Source != "" && m.Target == "/var/lib/postgresql/data")
		}
		if !named {
			t.Errorf("service %s keeps its data outside a named volume at /var/lib/postgresql/data", name)
		}
	}
}

func TestOrderflowServicesRunTheImage(t *testing.T) {
	f := loadCompose(t)
	declared := subcommands(t)
	images := map[string]string{}
	for name, sub := range orderflowServices {
		s := f.svc(t, name)
		if s.Build == nil {
			t.Errorf("service %s does not build the orderflow image (build: .)", name)
		} else {
			if ctx := filepath.Clean(s.Build.Context); ctx != "." {
				t.Errorf("service %s: build context %q, want the repository root (.)", name, s.Build.Context)
			}
			df := cmp(s.Build.Dockerfile, "Dockerfile")
			if _, err := os.Stat(filepath.Join(root, s.Build.Context, df)); err != nil {
				t.Errorf("service %s: %v", name, err)
			}
		}
		images[name] = s.Image
		if len(s.Entrypoint.Args) > 0 {
			t.Errorf("service %s overrides the entrypoint %v: the image's /orderflow must run", name, s.Entrypoint.Args)
		}
		if len(s.Command.Args) == 0 || s.Command.Args[0] != sub {
			t.Errorf("service %s: command %q, want %q (orderflow %s)", name, s.Command.Args, sub, sub)
		}
		if !declared[sub] {
			t.Errorf("service %s runs `orderflow %s`, but cmd/orderflow declares no such subcommand (it has %v)",
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
	f := loadCompose(t)
	known := configEnvVars(t)
	queues := map[string]bool{}
	for _, q := range workflowConsts(t, "TaskQueue") {
		queues[q] = true
	}
	pg := f.svc(t, svcPostgres).env(t, svcPostgres)
	setupNS := cmp(f.svc(t, svcTemporalSetup).env(t, svcTemporalSetup)["NAMESPACE"], "default")
	secrets := map[string]string{}

	for name := range orderflowServices {
		env := f.svc(t, name).env(t, name)
		for k := range env {
			if !known[k] {
				t.Errorf("service %s sets %s, which cmd/orderflow's Config does not read (it reads %v)", name, k, sortedKeys(known))
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
					t.Errorf("service %s: WORKER_QUEUES names %q, not a task queue of workflows/names.go (%v)", name, q, sortedKeys(queues))
				}
			}
		}
	}
	if env := f.svc(t, "api").env(t, "api"); env["API_ADDR"] == "" {
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
	f := loadCompose(t)
	required := regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*):?\?([^}]*)\}$`)
	optional := regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*):?-\}$`)
	for name := range orderflowServices {
		env := f.svc(t, name).Environment
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
	if by := ignoredBy(dockerignore(t), ".env"); by == "" {
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
	f := loadCompose(t)
	db := f.svc(t, svcTemporalPostgres).env(t, svcTemporalPostgres)
	user, pass := cmp(db["POSTGRES_USER"], "postgres"), db["POSTGRES_PASSWORD"]

	server := f.svc(t, svcTemporal).env(t, svcTemporal)
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

	schema := f.svc(t, svcTemporalSchema).env(t, svcTemporalSchema)
	for k, want := range map[string]string{
		"SQL_HOST": svcTemporalPostgres, "SQL_PORT": "5432", "SQL_USER": user, "SQL_PASSWORD": pass,
	} {
		if schema[k] != want {
			t.Errorf("service %s: %s=%q, want %q", svcTemporalSchema, k, schema[k], want)
		}
	}
	if a := f.svc(t, svcTemporalSetup).env(t, svcTemporalSetup)["TEMPORAL_ADDRESS"]; a != svcTemporal+":7233" {
		t.Errorf("service %s: TEMPORAL_ADDRESS=%q, want %s:7233", svcTemporalSetup, a, svcTemporal)
	}
	if a := f.svc(t, svcTemporalUI).env(t, svcTemporalUI)["TEMPORAL_ADDRESS"]; a != svcTemporal+":7233" {
		t.Errorf("service %s: TEMPORAL_ADDRESS=%q, want %s:7233", svcTemporalUI, a, svcTemporal)
	}

	// The order workflow takes cancel, revise and the restaurant's decision as Updates
	// (workflows/names.go): the server's dynamic config must allow them.
	if len(workflowConsts(t, "Update")) > 0 {
		p := server["DYNAMIC_CONFIG_FILE_PATH"]
		if p == "" {
			t.Fatalf("service %s sets no DYNAMIC_CONFIG_FILE_PATH: workflow Updates may be off", svcTemporal)
		}
		if !path.IsAbs(p) {
			p = path.Join("/etc/temporal", p) // the image's working directory
		}
		host := f.svc(t, svcTemporal).hostPath(p)
		if host == "" {
			t.Fatalf("service %s: DYNAMIC_CONFIG_FILE_PATH %s is not mounted from the repository", svcTemporal, p)
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
		if v := dc["frontend.enableUpdateWorkflowExecution"]; len(v) == 0 || v[0].Value != true {
			t.Errorf("%s does not set frontend.enableUpdateWorkflowExecution to true", host)
		}
	}
}

func TestPublishedPorts(t *testing.T) {
	f := loadCompose(t)
	publishes := func(name, published, target string) {
		t.Helper()
		for _, p := range f.svc(t, name).Ports {
			if p.Published == published && p.Target == target {
				return
			}
		}
		t.Errorf("service %s does not publish %s:%s (ports %v)", name, published, target, f.svc(t, name).Ports)
	}
	_, apiPort, err := net.SplitHostPort(f.svc(t, "api").env(t, "api")["API_ADDR"])
	if err != nil {
		t.Fatalf("api: API_ADDR: %v", err)
	}
	publishes("api", "8080", apiPort)
	publishes(svcTemporalUI, "8233", "8080")

	owner := map[string]string{}
	for name, s := range f.Services {
		for _, p := range s.Ports {
			if p.Published == "" {
				continue
			}
			if other, dup := owner[p.Published]; dup {
				t.Errorf("host port %s is published by both %s and %s", p.Published, other, name)
			}
			owner[p.Published] = name
		}
	}
}

// Temporal's frontend and UI, and NATS, take no login in this stack: whoever reaches
// them can update or terminate order workflows, or publish forged events, so they are
// published on loopback only.
func TestUnauthenticatedServicesArePublishedOnLoopbackOnly(t *testing.T) {
	f := loadCompose(t)
	for name, s := range f.Services {
		if !strings.HasPrefix(name, "temporal") && name != svcNATS {
			continue
		}
		for _, p := range s.Ports {
			if p.Published != "" && p.HostIP != "127.0.0.1" {
				t.Errorf("service %s publishes %s on %q, not 127.0.0.1", name, p.Published, p.HostIP)
			}
		}
	}
}

func TestDependsOn(t *testing.T) {
	f := loadCompose(t)
	for name, s := range f.Services {
		for dep, cond := range s.DependsOn {
			target, ok := f.Services[dep]
			if !ok {
				t.Errorf("service %s depends on %q, which is not a service", name, dep)
				continue
			}
			switch cond {
			case "service_healthy":
				if !target.Healthcheck.enabled() {
					t.Errorf("service %s waits for %s to be healthy, but %s has no healthcheck: it would wait forever", name, dep, dep)
				}
			case "service_completed_successfully":
				if r := target.Restart; r != "" && r != "no" && !strings.HasPrefix(r, "on-failure") {
					t.Errorf("service %s waits for %s to complete, but %s has restart %q and never completes", name, dep, dep, r)
				}
			case "service_started":
			default:
				t.Errorf("service %s: depends_on %s has unknown condition %q", name, dep, cond)
			}
		}
	}
	// No cycles (Compose refuses them).
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(string, []string)
	visit = func(name string, stack []string) {
		switch state[name] {
		case 1:
			t.Errorf("depends_on cycle: %s", strings.Join(append(stack, name), " -> "))
			return
		case 2:
			return
		}
		state[name] = 1
		if s := f.Services[name]; s != nil {
			for dep := range s.DependsOn {
				visit(dep, append(stack, name))
			}
		}
		state[name] = 2
	}
	for name := range f.Services {
		visit(name, nil)
	}

	// What each orderflow process needs before it starts.
	needs := func(name, dep, cond string) {
		t.Helper()
		if got := f.svc(t, name).DependsOn[dep]; got != cond {
			t.Errorf("service %s: depends_on %s is %q, want %s", name, dep, cmp(got, "absent"), cond)
		}
	}
	for name, sub := range orderflowServices {
		needs(name, svcPostgres, "service_healthy")
		if name != "migrate" && !ownSchema[sub] {
			needs(name, "migrate", "service_completed_successfully")
		}
		if needsNATS[sub] {
			// JetStream must be up: the relay makes its stream at start.
			needs(name, svcNATS, "service_healthy")
		} else if _, ok := f.svc(t, name).DependsOn[svcNATS]; ok {
			t.Errorf("service %s waits for %s, which it does not use", name, svcNATS)
		}
		if needsTemporal[sub] {
			needs(name, svcTemporal, "service_healthy")
			// Starting an order's workflow fails until the search attributes exist.
			needs(name, svcTemporalSetup, "service_completed_successfully")
		}
	}
	needs(svcTemporal, svcTemporalSchema, "service_completed_successfully")
	needs(svcTemporalSchema, svcTemporalPostgres, "service_healthy")
	needs(svcTemporalSetup, svcTemporal, "service_healthy")
}

func TestReadinessHealthchecks(t *testing.T) {
	f := loadCompose(t)
	for name, listener := range readinessProbed {
		svc := f.svc(t, name)
		if !svc.Healthcheck.enabled() {
			t.Errorf("service %s has no healthcheck", name)
			continue
		}
		args := svc.Healthcheck.Test.Args
		// Exec form: the image has no shell for CMD-SHELL.
		if len(args) != 3 || args[0] != "CMD" {
			t.Errorf("service %s: healthcheck %q: want [CMD, /healthcheck, URL] (exec form: the distroless image has no shell)", name, args)
			continue
		}
		probe, target := args[1], args[2]
		if built := finalImageGoBinaries(t); built[probe] != "./deploy/healthcheck" {
			t.Errorf("service %s: healthcheck runs %s, which the Dockerfile's final stage does not build from ./deploy/healthcheck (it has %v)", name, probe, built)
		}
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		// Readiness is served on the admin listener only (ADMIN_ADDR for the api,
		// METRICS_ADDR for the relay and the notifier).
		addr := cmp(svc.env(t, name)[listener[0]], listener[1])
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
	f := loadCompose(t)
	s := f.svc(t, svcNATS)
	if repo, _, _ := strings.Cut(s.Image, ":"); repo != "nats" {
		t.Errorf("service %s runs %s, want the nats image", svcNATS, s.Image)
	}
	args := strings.Join(s.Command.Args, " ")
	if !slices.Contains(s.Command.Args, "-js") && !slices.Contains(s.Command.Args, "--jetstream") {
		t.Errorf("service %s: command %q does not turn JetStream on (-js)", svcNATS, args)
	}
	store := ""
	for i, a := range s.Command.Args {
		if (a == "-sd" || a == "--store_dir") && i+1 < len(s.Command.Args) {
			store = s.Command.Args[i+1]
		}
	}
	var kept bool
	for _, m := range s.Volumes {
		kept = kept || (m.Type == "volume" && m.Source == "nats-data" && store != "" && m.Target == store)
	}
	if !kept {
		t.Errorf("service %s keeps its streams (-sd %q) outside the named volume nats-data: they would not survive `docker compose down`", svcNATS, store)
	}
	if !s.Healthcheck.enabled() || !strings.Contains(strings.Join(s.Healthcheck.Test.Args, " "), "/healthz?js-enabled-only=true") {
		t.Errorf("service %s: healthcheck %q does not wait for JetStream (/healthz?js-enabled-only=true on the monitoring port)", svcNATS, s.Healthcheck.Test.Args)
	}
	if !slices.Contains(s.Command.Args, "-m") && !slices.Contains(s.Command.Args, "--http_port") {
		t.Errorf("service %s: command %q serves no monitoring port (-m) for its healthcheck", svcNATS, args)
	}
}

// The api's admin listener (/metrics, /readyz: unauthenticated) and the workers' and
// projector's metrics are never published to the host.
func TestAdminAndMetricsPortsAreNotPublished(t *testing.T) {
	f := loadCompose(t)
	for name := range orderflowServices {
		env := f.svc(t, name).env(t, name)
		for _, k := range []string{"ADMIN_ADDR", "METRICS_ADDR"} {
			addr := env[k]
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
			for _, p := range f.svc(t, name).Ports {
				if p.Target == port {
					t.Errorf("service %s publishes %s's port %s (%s:%s): metrics and readiness are for the compose network only", name, k, port, p.Published, p.Target)
				}
			}
		}
	}
}

func TestSearchAttributes(t *testing.T) {
	f := loadCompose(t)
	setup := f.svc(t, svcTemporalSetup)
	text := strings.Join(slices.Concat(setup.Entrypoint.Args, setup.Command.Args), " ")
	for _, p := range setup.scripts() {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("service %s runs %s: %v", svcTemporalSetup, p, err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "#") { // comments name no attribute
				text += "\n" + line
			}
		}
	}
	registered := map[string]string{}
	for _, m := range regexp.MustCompile(`--name\s+([A-Za-z_][A-Za-z0-9_]*)\s+--type\s+([A-Za-z]+)`).FindAllStringSubmatch(text, -1) {
		registered[m[1]] = m[2]
	}
	declared := workflowSearchAttributes(t)
	if !reflect.DeepEqual(registered, declared) {
		t.Errorf("service %s registers the search attributes %v; workflows/ declares %v: they must be the same",
			svcTemporalSetup, registered, declared)
	}
}

func TestMountsAndScripts(t *testing.T) {
	f := loadCompose(t)
	for name, s := range f.Services {
		for _, m := range s.Volumes {
			if m.Type != "bind" {
				continue
			}
			if _, err := os.Stat(filepath.Join(root, m.Source)); err != nil {
				t.Errorf("service %s mounts %s, which does not exist (Docker would create an empty directory there)", name, m.Source)
			}
		}
		for _, p := range s.scripts() {
			if !strings.HasSuffix(p, ".sh") {
				continue
			}
			if out, err := exec.Command("sh", "-n", p).CombinedOutput(); err != nil {
				t.Errorf("service %s runs %s, which is not valid sh: %v\n%s", name, p, err, out)
			}
		}
	}
	for _, name := range []string{svcTemporalSchema, svcTemporalSetup} {
		s := f.svc(t, name)
		if len(s.scripts()) == 0 {
			t.Errorf("service %s runs no script from deploy/ (entrypoint %v, command %v)", name, s.Entrypoint.Args, s.Command.Args)
		}
		if s.Restart != "" && s.Restart != "no" {
			t.Errorf("service %s is a one-shot job: restart %q", name, s.Restart)
		}
	}
}

// ---------------------------------------------------------------------------------
// The Dockerfile.

type instruction struct {
	Cmd, Args string
	Line      int
}

type stage struct {
	Name, Image string
	Instr       []instruction
}

func parseDockerfile(t *testing.T) []stage {
	t.Helper()
	var (
		stages []stage
		buf    strings.Builder
		start  int
	)
	flush := func() {
		s := strings.TrimSpace(buf.String())
		buf.Reset()
		if s == "" {
			return
		}
		cmd, args, _ := strings.Cut(s, " ")
		in := instruction{strings.ToUpper(cmd), strings.TrimSpace(args), start}
		if in.Cmd == "FROM" {
			var st stage
			fields := slices.DeleteFunc(strings.Fields(in.Args), func(s string) bool { return strings.HasPrefix(s, "--") })
			if len(fields) > 0 {
				st.Image = fields[0]
			}
			if len(fields) == 3 && strings.EqualFold(fields[1], "AS") {
				st.Name = fields[2]
			}
			stages = append(stages, st)
		}
		if len(stages) == 0 {
			if in.Cmd != "ARG" {
				t.Errorf("Dockerfile:%d: %s before the first FROM", in.Line, in.Cmd)
			}
			return
		}
		stages[len(stages)-1].Instr = append(stages[len(stages)-1].Instr, in)
	}
	for i, line := range strings.Split(string(readFile(t, "Dockerfile")), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && buf.Len() == 0) {
			continue // comments (also inside a continued instruction), blank lines
		}
		if buf.Len() == 0 {
			start = i + 1
		}
		if cont, ok := strings.CutSuffix(trimmed, `\`); ok {
			buf.WriteString(cont + " ")
			continue
		}
		buf.WriteString(trimmed)
		flush()
	}
	flush()
	if len(stages) == 0 {
		t.Fatal("Dockerfile has no FROM")
	}
	return stages
}

var goBuild = regexp.MustCompile(`go build\b([^&;|]*)`)

// builtBinaries maps each `go build -o OUT ./pkg` output of the build stages to its
// package.
func builtBinaries(stages []stage) map[string]string {
	out := map[string]string{}
	for _, st := range stages[:len(stages)-1] {
		for _, in := range st.Instr {
			if in.Cmd != "RUN" {
				continue
			}
			for _, m := range goBuild.FindAllStringSubmatch(in.Args, -1) {
				fields := strings.Fields(m[1])
				var o, pkg string
				for i, f := range fields {
					if f == "-o" && i+1 < len(fields) {
						o = fields[i+1]
					}
					if strings.HasPrefix(f, "./") {
						pkg = f
					}
				}
				if o != "" && pkg != "" {
					out[o] = pkg
				}
			}
		}
	}
	return out
}

// finalImageGoBinaries maps each file the final stage copies from a build stage to the
// Go package it was built from.
func finalImageGoBinaries(t *testing.T) map[string]string {
	t.Helper()
	stages := parseDockerfile(t)
	built := builtBinaries(stages)
	out := map[string]string{}
	for _, in := range stages[len(stages)-1].Instr {
		if in.Cmd != "COPY" || !strings.Contains(in.Args, "--from=") {
			continue
		}
		fields := slices.DeleteFunc(strings.Fields(in.Args), func(s string) bool { return strings.HasPrefix(s, "--") })
		if len(fields) != 2 {
			continue
		}
		if pkg, ok := built[fields[0]]; ok {
			out[fields[1]] = pkg
		}
	}
	return out
}

func TestDockerfile(t *testing.T) {
	stages := parseDockerfile(t)
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stage(s), want a build stage and a small final one", len(stages))
	}
	final := stages[len(stages)-1]

	// The builder's Go is at least go.mod's.
	goMod := regexp.MustCompile(`(?m)^go\s+(\S+)`).FindSubmatch(readFile(t, "go.mod"))
	if goMod == nil {
		t.Fatal("go.mod has no go line")
	}
	var builder *stage
	for i := range stages[:len(stages)-1] {
		if strings.HasPrefix(stages[i].Image, "golang:") {
			builder = &stages[i]
		}
	}
	if builder == nil {
		t.Fatal("no build stage FROM golang:<version>")
	}
	tag := strings.TrimPrefix(builder.Image, "golang:")
	if v, _, _ := strings.Cut(tag, "-"); !versionAtLeast(v, string(goMod[1])) {
		t.Errorf("build stage %s is older than go.mod's go %s", builder.Image, goMod[1])
	}
	var cgoOff, cacheMount bool
	for _, in := range builder.Instr {
		cgoOff = cgoOff || ((in.Cmd == "ENV" || in.Cmd == "RUN") && strings.Contains(in.Args, "CGO_ENABLED=0"))
		cacheMount = cacheMount || (in.Cmd == "RUN" && strings.Contains(in.Args, "--mount=type=cache"))
	}
	if !cgoOff {
		t.Error("the build stage does not set CGO_ENABLED=0: the binary would need libc, which the final image lacks")
	}
	if !cacheMount {
		t.Error("the build stage uses no cache mount (RUN --mount=type=cache) for modules and the build cache")
	}

	bins := finalImageGoBinaries(t)
	var entrypoint []string
	user := ""
	for _, in := range final.Instr {
		switch in.Cmd {
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(in.Args), &entrypoint); err != nil {
				t.Errorf("Dockerfile:%d: ENTRYPOINT %s is not the exec form [\"...\"] (the final image has no shell): %v", in.Line, in.Args, err)
			}
		case "USER":
			user = in.Args
		}
	}
	if len(entrypoint) == 0 || bins[entrypoint[0]] != "./cmd/orderflow" {
		t.Errorf("the final stage's ENTRYPOINT %q is not a binary built from ./cmd/orderflow (built and copied: %v)", entrypoint, bins)
	}
	if slices.Contains([]string{"root", "0", "root:root", "0:0"}, user) ||
		(user == "" && !strings.Contains(final.Image, "nonroot")) {
		t.Errorf("the final stage (FROM %s, USER %q) runs as root", final.Image, user)
	}
	for _, in := range builder.Instr {
		if in.Cmd == "RUN" && strings.Contains(in.Args, "go build") && !strings.Contains(in.Args, "-trimpath") {
			t.Errorf("Dockerfile:%d: go build without -trimpath", in.Line)
		}
	}
}

// versionAtLeast compares dotted versions on the parts have gives: the image tag 1.26
// is the newest 1.26.x, so it satisfies go 1.26.8.
func versionAtLeast(have, want string) bool {
	h, w := strings.Split(have, "."), strings.Split(want, ".")
	for i := 0; i < len(h) && i < len(w); i++ {
		a, errA := strconv.Atoi(h[i])
		b, errB := strconv.Atoi(w[i])
		if errA != nil || errB != nil {
			return false
		}
		if a != b {
			return a > b
		}
	}
	return true
}

// ---------------------------------------------------------------------------------
// .dockerignore: nothing the build reads is left out of the context.

type ignoreRule struct {
	pattern string
	re      *regexp.Regexp
	negate  bool
}

func dockerignore(t *testing.T) []ignoreRule {
	t.Helper()
	var rules []ignoreRule
	for _, line := range strings.Split(string(readFile(t, ".dockerignore")), "\n") {
		p := strings.TrimSpace(line)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		r := ignoreRule{pattern: p}
		if rest, ok := strings.CutPrefix(p, "!"); ok {
			r.negate, p = true, rest
		}
		p = path.Clean(strings.TrimPrefix(p, "/"))
		var b strings.Builder
		b.WriteString("^")
		for i := 0; i < len(p); i++ {
			switch c := p[i]; {
			case c == '*' && i+1 < len(p) && p[i+1] == '*':
				i++
				if i+1 < len(p) && p[i+1] == '/' {
					i++
					b.WriteString("(.*/)?")
				} else {
					b.WriteString(".*")
				}
			case c == '*':
				b.WriteString("[^/]*")
			case c == '?':
				b.WriteString("[^/]")
			default:
				b.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		b.WriteString("$")
		r.re = regexp.MustCompile(b.String())
		rules = append(rules, r)
	}
	return rules
}

// ignoredBy returns the pattern that leaves rel (slash-separated, relative to the
// context) out of the build context, or "": the last rule matching the path or one of
// its parent directories decides, as in Docker.
func ignoredBy(rules []ignoreRule, rel string) string {
	by := ""
	for _, r := range rules {
		for p := rel; p != "." && p != "/"; p = path.Dir(p) {
			if r.re.MatchString(p) {
				if r.negate {
					by = ""
				} else {
					by = r.pattern
				}
				break
			}
		}
	}
	return by
}

func TestDockerignore(t *testing.T) {
	rules := dockerignore(t)
	for _, p := range []string{".git/HEAD", "bin/orderflow", "orderflow"} {
		if ignoredBy(rules, p) == "" {
			t.Errorf(".dockerignore sends %s to the build context (large, and useless to the build)", p)
		}
	}

	// Every file `go build` reads for the packages the Dockerfile builds: go.mod,
	// go.sum, the packages' Go files and their //go:embed files.
	var pkgs []string
	for _, pkg := range builtBinaries(parseDockerfile(t)) {
		pkgs = append(pkgs, pkg)
	}
	if len(pkgs) == 0 {
		t.Fatal("the Dockerfile builds no Go package")
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", append([]string{"list", "-e", "-deps", "-f",
		`{{if .Module}}{{if .Module.Main}}{{.Dir}}{{range .GoFiles}}|{{.}}{{end}}{{range .EmbedFiles}}|{{.}}{{end}}{{end}}{{end}}`},
		slices.Sorted(slices.Values(pkgs))...)...)
	cmd.Dir = absRoot
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	needed := []string{"go.mod", "go.sum"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		parts := strings.Split(line, "|")
		dir, err := filepath.Rel(absRoot, parts[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range parts[1:] {
			needed = append(needed, filepath.ToSlash(filepath.Join(dir, file)))
		}
	}
	if len(needed) < 10 {
		t.Fatalf("go list found only %v: something is wrong with the listing", needed)
	}
	for _, p := range needed {
		if by := ignoredBy(rules, p); by != "" {
			t.Errorf(".dockerignore pattern %q leaves %s out of the build context, but the build needs it", by, p)
		}
	}
}

// ---------------------------------------------------------------------------------
// The Temporal setup script, run for real.

// TestSetupNamespaceScript runs the temporal-setup service's script, as its entrypoint
// does, against a Temporal dev server (the CLI `make temporal` builds, the same `temporal`
// CLI the admin-tools image carries): a new namespace gets the workflows' search
// attributes, and a second run changes nothing.
func TestSetupNamespaceScript(t *testing.T) {
	f := loadCompose(t)
	setup := f.svc(t, svcTemporalSetup)
	args := slices.Concat(setup.Entrypoint.Args, setup.Command.Args)
	if len(args) < 2 || path.Base(args[0]) != "sh" || setup.hostPath(args[1]) == "" {
		t.Fatalf("service %s: entrypoint+command %q, want [/bin/sh, <a script mounted from deploy/>]", svcTemporalSetup, args)
	}
	script := setup.hostPath(args[1])

	cli := temporalCLI(t)
	port, httpPort, metricsPort := freePort(t), freePort(t), freePort(t)
	address := net.JoinHostPort("127.0.0.1", port)
	server := exec.Command(cli, "server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", port,
		"--http-port", httpPort, "--metrics-port", metricsPort, "--log-level", "error")
	var serverLog bytes.Buffer // shown if the script fails
	server.Stdout, server.Stderr = &serverLog, &serverLog
	if err := server.Start(); err != nil {
		t.Fatalf("start the Temporal dev server: %v", err)
	}
	// Registered first, so it runs after the server has stopped: no data race on serverLog.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Temporal dev server output:\n%s", serverLog.String())
		}
	})
	t.Cleanup(func() {
		_ = server.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = server.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = server.Process.Kill()
			<-done
		}
	})

	const namespace = "orderflow-compose-test" // new: the script must create it
	env := os.Environ()
	for k, v := range setup.env(t, svcTemporalSetup) {
		env = append(env, k+"="+v)
	}
	env = append(env,
		"PATH="+filepath.Dir(cli)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"TEMPORAL_ADDRESS="+address,
		"NAMESPACE="+namespace,
		"SEARCH_ATTRIBUTE_SETTLE_SECONDS=0",
	)
	run := func() string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "sh", append([]string{script}, args[2:]...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s failed: %v\n%s", script, err, out)
		}
		return string(out)
	}
	run()
	second := run()

	list, err := exec.Command(cli, "operator", "search-attribute", "list", "--address", address, "--namespace", namespace).CombinedOutput()
	if err != nil {
		t.Fatalf("list the search attributes: %v\n%s", err, list)
	}
	got := map[string]string{}
	for _, line := range strings.Split(string(list), "\n") {
		if fields := strings.Fields(line); len(fields) == 2 {
			got[fields[0]] = fields[1]
		}
	}
	for name, typ := range workflowSearchAttributes(t) {
		if got[name] != typ {
			t.Errorf("after the script, namespace %s has search attribute %s of type %q, want %s", namespace, name, got[name], typ)
		}
		if !strings.Contains(second, "search attribute "+name+" exists") {
			t.Errorf("the second run did not find %s already registered:\n%s", name, second)
		}
	}
	if !strings.Contains(second, "namespace "+namespace+" exists") {
		t.Errorf("the second run did not find the namespace:\n%s", second)
	}
}

// temporalCLI is the Temporal CLI the repository's tests use: $ORDERFLOW_TEMPORAL_BIN,
// or bin/temporal (`make temporal`; `make test` builds it first). Missing, the test
// fails with what to run; it is never skipped.
func temporalCLI(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ORDERFLOW_TEMPORAL_BIN"); p != "" {
		return p
	}
	p, err := filepath.Abs(filepath.Join(root, "bin", "temporal"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the Temporal CLI is required at %s: run `make temporal` (or set ORDERFLOW_TEMPORAL_BIN)", p)
	}
	return p
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
