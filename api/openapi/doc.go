// Package openapi holds the Go types and the HTTP client of the API, generated from
// api/openapi.yaml.
package openapi

// The code of this package is generated from api/openapi.yaml, the source: edit the
// document, then run `make generate` (this directive), and commit both.
// TestGeneratedCodeIsUpToDate fails when they disagree.
//
//go:generate go tool oapi-codegen -config oapi-codegen.yaml -o openapi.gen.go ../openapi.yaml
