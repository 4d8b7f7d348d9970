package openapi_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// generated is each file of this package that oapi-codegen writes, by its
// configuration (as the go:generate directives of doc.go have them).
var generated = map[string]string{
	"openapi.gen.go": "oapi-codegen.yaml",
	"server.gen.go":  "oapi-codegen-server.yaml",
}

// TestGeneratedCodeIsUpToDate regenerates the code from api/openapi.yaml into a
// temporary directory with the oapi-codegen of go.mod and compares it with the
// committed files: a document or a configuration changed without `make generate`
// fails here.
func TestGeneratedCodeIsUpToDate(t *testing.T) {
	for file, config := range generated {
		t.Run(file, func(t *testing.T) {
			fresh := filepath.Join(t.TempDir(), file)
			cmd := exec.Command("go", "tool", "oapi-codegen", "-config", config, "-o", fresh, "../openapi.yaml")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("oapi-codegen: %v\n%s", err, out)
			}
			want, err := os.ReadFile(fresh)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("api/openapi/%s is not what api/openapi.yaml generates with %s: run make generate and commit the result", file, config)
			}
		})
	}
}
