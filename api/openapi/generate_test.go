package openapi_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedCodeIsUpToDate regenerates the code from api/openapi.yaml into a
// temporary directory with the oapi-codegen of go.mod and compares it with the
// committed openapi.gen.go: a document changed without `make generate` fails here.
func TestGeneratedCodeIsUpToDate(t *testing.T) {
	fresh := filepath.Join(t.TempDir(), "openapi.gen.go")
	cmd := exec.Command("go", "tool", "oapi-codegen", "-config", "oapi-codegen.yaml", "-o", fresh, "../openapi.yaml")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, out)
	}
	want, err := os.ReadFile(fresh)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("openapi.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("api/openapi/openapi.gen.go is not what api/openapi.yaml generates: run make generate and commit the result")
	}
}
