package deploy_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// dockerignore reads .dockerignore as the Docker CLI and buildkit do.
func dockerignore(t *testing.T) *patternmatcher.PatternMatcher {
	t.Helper()
	patterns, err := ignorefile.ReadAll(bytes.NewReader(readFile(t, ".dockerignore")))
	if err != nil {
		t.Fatalf(".dockerignore: %v", err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatalf(".dockerignore: %v", err)
	}
	return pm
}

// excluded returns the patterns that leave rel (slash-separated, relative to the
// context) out of the build context, or nil when it is sent.
func excluded(t *testing.T, pm *patternmatcher.PatternMatcher, rel string) []string {
	t.Helper()
	rel = filepath.FromSlash(rel)
	out, err := pm.MatchesOrParentMatches(rel)
	if err != nil {
		t.Fatalf(".dockerignore on %s: %v", rel, err)
	}
	if !out {
		return nil
	}
	by := []string{}
	for _, p := range pm.Patterns() {
		if alone, _ := patternmatcher.MatchesOrParentMatches(rel, []string{p.String()}); alone && !p.Exclusion() {
			by = append(by, p.String())
		}
	}
	return by
}

// Nothing the build reads is left out of the context; what it does not need and is
// large is.
func TestDockerignore(t *testing.T) {
	pm := dockerignore(t)
	for _, p := range []string{".git/HEAD", "bin/orderflow", "orderflow"} {
		if excluded(t, pm, p) == nil {
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
		if by := excluded(t, pm, p); by != nil {
			t.Errorf(".dockerignore leaves %s out of the build context (patterns %q), but the build needs it", p, by)
		}
	}
}
