package api

import _ "embed"

// openAPISpec is the hand-kept OpenAPI 3 document of this API, served at /openapi.yaml.
// TestOpenAPIDocumentsEveryRoute keeps it and the registered routes in step.
//
//go:embed openapi.yaml
var openAPISpec []byte
