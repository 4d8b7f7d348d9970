package api_test

import (
	"maps"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
)

// The document's structure, its $refs, its schemas and examples are kin-openapi's to
// check (apiContract runs doc.Validate); every exchange of the tests is checked
// against it (checkExchange). The tests here check what a valid document may still
// get wrong about this API.

const problemContentType = "application/problem+json"

// ginParam is a gin path parameter (:id) or catch-all (*path).
var ginParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// templateParam is an OpenAPI path template parameter ({id}).
var templateParam = regexp.MustCompile(`\{([^}/]+)\}`)

// registeredRoutes is "METHOD /path/{param}" for every route the handler serves,
// HEAD and OPTIONS aside.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	var routes []string
	for _, r := range newHarness(t).engine().Routes() {
		if r.Method == http.MethodHead || r.Method == http.MethodOptions {
			continue
		}
		routes = append(routes, r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}"))
	}
	sort.Strings(routes)
	return routes
}

func documentedRoutes(doc *openapi3.T) []string {
	var routes []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if method == http.MethodHead || method == http.MethodOptions {
				continue
			}
			routes = append(routes, method+" "+path)
		}
	}
	sort.Strings(routes)
	return routes
}

// TestOpenAPIDocumentsEveryRoute keeps api/openapi.yaml and the router in step: every
// registered route is documented and every documented operation is registered.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	registered, documented := registeredRoutes(t), documentedRoutes(apiContract(t).doc)
	require.NotEmpty(t, registered, "the handler registers no routes")
	for _, r := range registered {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is registered but not in api/openapi.yaml", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(registered, r) {
			t.Errorf("api/openapi.yaml documents %s, which the handler does not register", r)
		}
	}
}

// TestOpenAPIOperations checks what every operation of this API must say: a summary
// and an operationId (the generated client's method names), bearer authentication on
// /v1 and none elsewhere, a 2xx, every error a Problem, 401 and 429 on /v1, and the
// Idempotency-Key header on every POST under /v1.
func TestOpenAPIOperations(t *testing.T) {
	doc := apiContract(t).doc
	scheme := doc.Components.SecuritySchemes["bearerAuth"]
	require.NotNil(t, scheme, "components.securitySchemes.bearerAuth is missing")
	require.Equal(t, "http", scheme.Value.Type)
	require.Equal(t, "bearer", scheme.Value.Scheme)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			t.Run(method+" "+path, func(t *testing.T) {
				if op.Summary == "" {
					t.Error("no summary")
				}
				if op.OperationID == "" {
					t.Error("no operationId")
				}
				v1 := strings.HasPrefix(path, "/v1/")
				checkSecurity(t, doc, v1, op)
				checkResponses(t, v1, op)
				if method == http.MethodPost && v1 {
					params := append(slices.Clone(item.Parameters), op.Parameters...)
					if !slices.ContainsFunc(params, func(p *openapi3.ParameterRef) bool {
						return p.Value.In == openapi3.ParameterInHeader && p.Value.Name == "Idempotency-Key"
					}) {
						t.Error("a POST under /v1 does not declare the Idempotency-Key header")
					}
				}
			})
		}
	}
}

func checkSecurity(t *testing.T, doc *openapi3.T, v1 bool, op *openapi3.Operation) {
	t.Helper()
	security := doc.Security
	if op.Security != nil {
		security = *op.Security
	}
	bearer := slices.ContainsFunc(security, func(req openapi3.SecurityRequirement) bool {
		_, ok := req["bearerAuth"]
		return ok
	})
	public := len(security) == 0 || slices.ContainsFunc(security, func(req openapi3.SecurityRequirement) bool { return len(req) == 0 })
	if v1 && (!bearer || public) {
		t.Errorf("security is %v, want bearerAuth only (every /v1 route authenticates)", security)
	}
	if !v1 && !public {
		t.Errorf("security is %v, want none (only /v1 authenticates)", security)
	}
}

func checkResponses(t *testing.T, v1 bool, op *openapi3.Operation) {
	t.Helper()
	success := false
	for status, r := range op.Responses.Map() {
		if len(status) == 3 && status[0] == '2' {
			success = true
			continue
		}
		content := r.Value.Content
		media := content.Get(problemContentType)
		if media == nil || len(content) != 1 {
			t.Errorf("response %s: content types %v, want only %s", status, slices.Sorted(maps.Keys(content)), problemContentType)
			continue
		}
		if media.Schema == nil || media.Schema.Ref != "#/components/schemas/Problem" {
			t.Errorf("response %s: schema is not #/components/schemas/Problem", status)
		}
	}
	if !success {
		t.Error("no 2xx response")
	}
	if v1 && op.Responses.Value("401") == nil {
		t.Error("no 401 response (every /v1 route authenticates)")
	}
	if v1 && op.Responses.Value("429") == nil {
		t.Error("no 429 response (every /v1 route is rate limited)")
	}
}

// TestOpenAPIServed checks that GET /openapi.yaml serves api/openapi.yaml, without
// authentication.
func TestOpenAPIServed(t *testing.T) {
	h := newHarness(t)
	rec := h.get("/openapi.yaml", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "application/yaml", rec.Header().Get("Content-Type"))
	want, err := os.ReadFile("openapi.yaml")
	require.NoError(t, err)
	require.Equal(t, string(want), rec.Body.String(), "the body is not api/openapi.yaml")
}

// TestOpenAPIUnauthenticatedV1 sends every documented /v1 operation without a token
// and checks that the documented 401 problem comes back.
func TestOpenAPIUnauthenticatedV1(t *testing.T) {
	h := newHarness(t)
	for path, item := range apiContract(t).doc.Paths.Map() {
		if !strings.HasPrefix(path, "/v1/") {
			continue
		}
		url := templateParam.ReplaceAllString(path, "3f2a4c1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b")
		for method := range item.Operations() {
			requireProblem(t, h.serve(request{Method: method, Path: url}), http.StatusUnauthorized, "unauthenticated")
		}
	}
}
