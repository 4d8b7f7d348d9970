package deploy_test

import (
	"bytes"
	"go/version"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// parseDockerfile reads the Dockerfile with buildkit's own parser into its stages.
func parseDockerfile(t *testing.T) []instructions.Stage {
	t.Helper()
	ast, err := parser.Parse(bytes.NewReader(readFile(t, "Dockerfile")))
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	if len(stages) == 0 {
		t.Fatal("Dockerfile has no FROM")
	}
	return stages
}

// commands returns the stage's instructions of type C.
func commands[C instructions.Command](st instructions.Stage) []C {
	var out []C
	for _, c := range st.Commands {
		if c, ok := c.(C); ok {
			out = append(out, c)
		}
	}
	return out
}

// line is the Dockerfile line an instruction starts on, for messages.
func line(c instructions.Command) int {
	if loc := c.Location(); len(loc) > 0 {
		return loc[0].Start.Line
	}
	return 0
}

// goBuild matches one `go build` in a RUN's shell command, up to the next && ; or |.
var goBuild = regexp.MustCompile(`go build\b([^&;|]*)`)

// builtBinaries maps each `go build -o OUT ./pkg` output of the build stages to its
// package.
func builtBinaries(stages []instructions.Stage) map[string]string {
	out := map[string]string{}
	for _, st := range stages[:len(stages)-1] {
		for _, run := range commands[*instructions.RunCommand](st) {
			for _, m := range goBuild.FindAllStringSubmatch(strings.Join(run.CmdLine, " "), -1) {
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
	for _, c := range commands[*instructions.CopyCommand](stages[len(stages)-1]) {
		if c.From == "" || len(c.SourcePaths) != 1 {
			continue
		}
		if pkg, ok := built[c.SourcePaths[0]]; ok {
			out[c.DestPath] = pkg
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
	var builder *instructions.Stage
	for i := range stages[:len(stages)-1] {
		if strings.HasPrefix(stages[i].BaseName, "golang:") {
			builder = &stages[i]
		}
	}
	if builder == nil {
		t.Fatal("no build stage FROM golang:<version>")
	}
	tag := strings.TrimPrefix(builder.BaseName, "golang:")
	if v, _, _ := strings.Cut(tag, "-"); !goVersionAtLeast(v, string(goMod[1])) {
		t.Errorf("build stage %s is older than go.mod's go %s", builder.BaseName, goMod[1])
	}
	var cgoOff, cacheMount bool
	for _, env := range commands[*instructions.EnvCommand](*builder) {
		for _, kv := range env.Env {
			cgoOff = cgoOff || (kv.Key == "CGO_ENABLED" && kv.Value == "0")
		}
	}
	for _, run := range commands[*instructions.RunCommand](*builder) {
		cgoOff = cgoOff || strings.Contains(strings.Join(run.CmdLine, " "), "CGO_ENABLED=0")
		// The mounts are read when the instruction's variables are expanded; none are
		// used in them, so each word stands for itself.
		if err := run.Expand(func(word string) (string, error) { return word, nil }); err != nil {
			t.Fatalf("Dockerfile:%d: %v", line(run), err)
		}
		for _, m := range instructions.GetMounts(run) {
			cacheMount = cacheMount || m.Type == instructions.MountTypeCache
		}
		for _, build := range goBuild.FindAllStringSubmatch(strings.Join(run.CmdLine, " "), -1) {
			if !slices.Contains(strings.Fields(build[1]), "-trimpath") {
				t.Errorf("Dockerfile:%d: go build%s without -trimpath", line(run), build[1])
			}
		}
	}
	if !cgoOff {
		t.Error("the build stage does not set CGO_ENABLED=0: the binary would need libc, which the final image lacks")
	}
	if !cacheMount {
		t.Error("the build stage uses no cache mount (RUN --mount=type=cache) for modules and the build cache")
	}

	bins := finalImageGoBinaries(t)
	var entrypoint []string
	for _, e := range commands[*instructions.EntrypointCommand](final) {
		if e.PrependShell {
			t.Errorf("Dockerfile:%d: ENTRYPOINT %q is the shell form; want the exec form [\"...\"] (the final image has no shell)", line(e), e.CmdLine)
		}
		entrypoint = e.CmdLine
	}
	if len(entrypoint) == 0 || bins[entrypoint[0]] != "./cmd/orderflow" {
		t.Errorf("the final stage's ENTRYPOINT %q is not a binary built from ./cmd/orderflow (built and copied: %v)", entrypoint, bins)
	}
	user := ""
	for _, u := range commands[*instructions.UserCommand](final) {
		user = u.User
	}
	if slices.Contains([]string{"root", "0", "root:root", "0:0"}, user) ||
		(user == "" && !strings.Contains(final.BaseName, "nonroot")) {
		t.Errorf("the final stage (FROM %s, USER %q) runs as root", final.BaseName, user)
	}
}

// goVersionAtLeast tells whether Go have (an image tag: 1.26 or 1.26.8) is at least
// want (go.mod's go line). A tag without a patch is the newest of its line, so 1.26
// satisfies go 1.26.8.
func goVersionAtLeast(have, want string) bool {
	have, want = "go"+have, "go"+want
	if !version.IsValid(have) || !version.IsValid(want) {
		return false
	}
	if version.Lang(have) == have { // a language version: 1.26
		want = version.Lang(want)
	}
	return version.Compare(have, want) >= 0
}

func TestGoVersionAtLeast(t *testing.T) {
	for _, c := range []struct {
		have, want string
		ok         bool
	}{
		{"1.26", "1.26.8", true}, {"1.26.8", "1.26.8", true}, {"1.26.9", "1.26.8", true},
		{"1.27", "1.26.8", true}, {"1.26.7", "1.26.8", false}, {"1.25", "1.26.8", false},
		{"bookworm", "1.26.8", false},
	} {
		if got := goVersionAtLeast(c.have, c.want); got != c.ok {
			t.Errorf("goVersionAtLeast(%s, %s) = %v, want %v", c.have, c.want, got, c.ok)
		}
	}
}
