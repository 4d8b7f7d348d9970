// Package openapi holds the Go types, the HTTP client and the Gin server interface of
// the API, generated from api/openapi.yaml.
package openapi

// The code of this package is generated from api/openapi.yaml, the source: edit the
// document, then run `make generate` (these directives), and commit it all. The types
// and the client are one file (oapi-codegen.yaml), the server another
// (oapi-codegen-server.yaml): the server leaves out the operations served outside /v1,
// which the client keeps. TestGeneratedCodeIsUpToDate fails when they disagree.
//
//go:generate go tool oapi-codegen -config oapi-codegen.yaml -o openapi.gen.go ../openapi.yaml
//go:generate go tool oapi-codegen -config oapi-codegen-server.yaml -o server.gen.go ../openapi.yaml
