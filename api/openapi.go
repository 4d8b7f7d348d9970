package api

import _ "embed"

// openAPISpec is the OpenAPI 3 document of this API, served at /openapi.yaml: the
// contract the tests check every exchange against, and the source of the generated
// types and client (package api/openapi). TestOpenAPIDocumentsEveryRoute keeps it and
// the registered routes in step.
//
//go:embed openapi.yaml
var openAPISpec []byte
