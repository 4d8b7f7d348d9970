package api

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"go.yaml.in/yaml/v3"
)

// The parts of an OpenAPI 3.0 document the tests below look at.
type oaDocument struct {
	OpenAPI    string                `yaml:"openapi"`
	Paths      map[string]oaPathItem `yaml:"paths"`
	Security   []map[string][]string `yaml:"security"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type   string `yaml:"type"`
			Scheme string `yaml:"scheme"`
		} `yaml:"securitySchemes"`
		Parameters map[string]oaParameter `yaml:"parameters"`
		Responses  map[string]oaResponse  `yaml:"responses"`
		Schemas    map[string]any         `yaml:"schemas"`
	} `yaml:"components"`
}

type oaPathItem struct {
	Parameters []oaParameter `yaml:"parameters"`
	Get        *oaOperation  `yaml:"get"`
	Put        *oaOperation  `yaml:"put"`
	Post       *oaOperation  `yaml:"post"`
	Delete     *oaOperation  `yaml:"delete"`
	Patch      *oaOperation  `yaml:"patch"`
	Head       *oaOperation  `yaml:"head"`
	Options    *oaOperation  `yaml:"options"`
	Trace      *oaOperation  `yaml:"trace"`
}

func (p oaPathItem) operations() map[string]*oaOperation {
	all := map[string]*oaOperation{
		http.MethodGet: p.Get, http.MethodPut: p.Put, http.MethodPost: p.Post, http.MethodDelete: p.Delete,
		http.MethodPatch: p.Patch, http.MethodHead: p.Head, http.MethodOptions: p.Options, http.MethodTrace: p.Trace,
	}
	for m, op := range all {
		if op == nil {
			delete(all, m)
		}
	}
	return all
}

type oaOperation struct {
	OperationID string `yaml:"operationId"`
	Summary     string `yaml:"summary"`
	// Security is nil when the operation does not say (the document's applies).
	Security   *[]map[string][]string `yaml:"security"`
	Parameters []oaParameter          `yaml:"parameters"`
	Responses  map[string]oaResponse  `yaml:"responses"`
}

type oaParameter struct {
	Ref      string `yaml:"$ref"`
	Name     string `yaml:"name"`
	In       string `yaml:"in"`
	Required bool   `yaml:"required"`
}

type oaResponse struct {
	Ref         string `yaml:"$ref"`
	Description string `yaml:"description"`
	Content     map[string]struct {
		Schema struct {
			Ref string `yaml:"$ref"`
		} `yaml:"schema"`
	} `yaml:"content"`
}

const oaProblemSchemaRef = "#/components/schemas/Problem"

// oaNotProblemResponses are the documented error responses that are, by design, not
// problem documents (none since readiness moved to the admin listener).
var oaNotProblemResponses = map[string]bool{}

func oaLoad(t *testing.T) oaDocument {
	t.Helper()
	var doc oaDocument
	dec := yaml.NewDecoder(bytes.NewReader(openAPISpec))
	dec.KnownFields(false)
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("api/openapi.yaml does not parse: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Fatalf("openapi: %q, want 3.0.3", doc.OpenAPI)
	}
	if len(doc.Paths) == 0 {
		t.Fatal("api/openapi.yaml documents no paths")
	}
	return doc
}

func (d oaDocument) parameter(t *testing.T, p oaParameter) oaParameter {
	t.Helper()
	if p.Ref == "" {
		return p
	}
	name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/")
	resolved, found := d.Components.Parameters[name]
	if !ok || !found {
		t.Fatalf("parameter $ref %q does not resolve", p.Ref)
	}
	return resolved
}

func (d oaDocument) response(t *testing.T, r oaResponse) oaResponse {
	t.Helper()
	if r.Ref == "" {
		return r
	}
	name, ok := strings.CutPrefix(r.Ref, "#/components/responses/")
	resolved, found := d.Components.Responses[name]
	if !ok || !found {
		t.Fatalf("response $ref %q does not resolve", r.Ref)
	}
	return resolved
}

func oaTestHandler(t *testing.T) http.Handler {
	t.Helper()
	return NewHandler(Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// oaGinParam is a gin path parameter (:id) or catch-all (*path).
var oaGinParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// oaTemplateParam is an OpenAPI path template parameter ({id}).
var oaTemplateParam = regexp.MustCompile(`\{([^}/]+)\}`)

// oaRegisteredRoutes is "METHOD /path/{param}" for every route the handler serves,
// HEAD and OPTIONS aside.
func oaRegisteredRoutes(t *testing.T) []string {
	t.Helper()
	h := oaTestHandler(t)
	engine, ok := h.(*gin.Engine)
	if !ok {
		t.Fatalf("NewHandler returned %T, not a *gin.Engine", h)
	}
	var routes []string
	for _, r := range engine.Routes() {
		if r.Method == http.MethodHead || r.Method == http.MethodOptions {
			continue
		}
		routes = append(routes, r.Method+" "+oaGinParam.ReplaceAllString(r.Path, "{$1}"))
	}
	sort.Strings(routes)
	return routes
}

func oaDocumentedRoutes(doc oaDocument) []string {
	var routes []string
	for path, item := range doc.Paths {
		for method := range item.operations() {
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
	doc := oaLoad(t)
	registered, documented := oaRegisteredRoutes(t), oaDocumentedRoutes(doc)
	if len(registered) == 0 {
		t.Fatal("the handler registers no routes")
	}
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

// TestOpenAPIOperations checks each operation's contract: security, responses,
// parameters.
func TestOpenAPIOperations(t *testing.T) {
	doc := oaLoad(t)
	scheme, ok := doc.Components.SecuritySchemes["bearerAuth"]
	if !ok || scheme.Type != "http" || scheme.Scheme != "bearer" {
		t.Fatalf("components.securitySchemes.bearerAuth is %+v, want an http bearer scheme", scheme)
	}
	if _, ok := doc.Components.Schemas["Problem"]; !ok {
		t.Fatal("components.schemas.Problem is missing")
	}
	operationIDs := map[string]string{}
	for path, item := range doc.Paths {
		for method, op := range item.operations() {
			name := method + " " + path
			t.Run(name, func(t *testing.T) {
				if op.Summary == "" {
					t.Error("no summary")
				}
				if op.OperationID == "" {
					t.Error("no operationId")
				} else if other, dup := operationIDs[op.OperationID]; dup {
					t.Errorf("operationId %q is also %s's", op.OperationID, other)
				}
				operationIDs[op.OperationID] = name

				oaCheckSecurity(t, doc, path, op)
				oaCheckResponses(t, doc, name, strings.HasPrefix(path, "/v1/"), op)
				params := oaCheckPathParameters(t, doc, path, item, op)
				if method == http.MethodPost && strings.HasPrefix(path, "/v1/") {
					if !slices.ContainsFunc(params, func(p oaParameter) bool {
						return p.In == "header" && p.Name == idempotencyHeader
					}) {
						t.Errorf("a POST under /v1 does not declare the %s header", idempotencyHeader)
					}
				}
			})
		}
	}
}

func oaCheckSecurity(t *testing.T, doc oaDocument, path string, op *oaOperation) {
	t.Helper()
	security := doc.Security
	if op.Security != nil {
		security = *op.Security
	}
	bearer := slices.ContainsFunc(security, func(req map[string][]string) bool {
		_, ok := req["bearerAuth"]
		return ok
	})
	public := len(security) == 0 || slices.ContainsFunc(security, func(req map[string][]string) bool { return len(req) == 0 })
	if strings.HasPrefix(path, "/v1/") {
		if !bearer || public {
			t.Errorf("security is %v, want bearerAuth only (every /v1 route authenticates)", security)
		}
	} else if !public {
		t.Errorf("security is %v, want none (only /v1 authenticates)", security)
	}
}

func oaCheckResponses(t *testing.T, doc oaDocument, name string, v1 bool, op *oaOperation) {
	t.Helper()
	success := false
	for status, r := range op.Responses {
		resolved := doc.response(t, r)
		if resolved.Description == "" {
			t.Errorf("response %s has no description", status)
		}
		if len(status) == 3 && status[0] == '2' {
			success = true
			continue
		}
		if oaNotProblemResponses[name+" "+status] {
			continue
		}
		media, ok := resolved.Content[problemContentType]
		if !ok || len(resolved.Content) != 1 {
			t.Errorf("response %s: content types %v, want only %s", status, oaKeys(resolved.Content), problemContentType)
			continue
		}
		if media.Schema.Ref != oaProblemSchemaRef {
			t.Errorf("response %s: schema %q, want %s", status, media.Schema.Ref, oaProblemSchemaRef)
		}
	}
	if !success {
		t.Errorf("no 2xx response among %v", oaKeys(op.Responses))
	}
	if _, ok := op.Responses["401"]; v1 && !ok {
		t.Errorf("no 401 response among %v (every /v1 route authenticates)", oaKeys(op.Responses))
	}
	if _, ok := op.Responses["429"]; v1 && !ok {
		t.Errorf("no 429 response among %v (every /v1 route is rate limited)", oaKeys(op.Responses))
	}
}

// oaCheckPathParameters checks that the path template's parameters and the declared
// path parameters (of the path item and the operation) are the same, and returns
// every parameter of the operation, resolved.
func oaCheckPathParameters(t *testing.T, doc oaDocument, path string, item oaPathItem, op *oaOperation) []oaParameter {
	t.Helper()
	var params []oaParameter
	for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
		params = append(params, doc.parameter(t, p))
	}
	declared := map[string]bool{}
	for _, p := range params {
		if p.In != "path" {
			continue
		}
		declared[p.Name] = true
		if !p.Required {
			t.Errorf("path parameter %q is not required", p.Name)
		}
		if !strings.Contains(path, "{"+p.Name+"}") {
			t.Errorf("path parameter %q is declared but not in the template", p.Name)
		}
	}
	for _, m := range oaTemplateParam.FindAllStringSubmatch(path, -1) {
		if !declared[m[1]] {
			t.Errorf("path parameter {%s} is not declared", m[1])
		}
	}
	return params
}

// TestOpenAPIReferencesResolve checks every local $ref of the document.
func TestOpenAPIReferencesResolve(t *testing.T) {
	var root yaml.Node
	if err := yaml.Unmarshal(openAPISpec, &root); err != nil {
		t.Fatalf("api/openapi.yaml does not parse: %v", err)
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if k, v := n.Content[i], n.Content[i+1]; k.Value == "$ref" {
					if !oaResolves(&root, v.Value) {
						t.Errorf("line %d: $ref %q does not resolve", v.Line, v.Value)
					}
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
}

func oaResolves(root *yaml.Node, ref string) bool {
	pointer, ok := strings.CutPrefix(ref, "#/")
	if !ok || len(root.Content) == 0 {
		return false
	}
	n := root.Content[0]
	for _, token := range strings.Split(pointer, "/") {
		token = strings.NewReplacer("~1", "/", "~0", "~").Replace(token)
		if n.Kind != yaml.MappingNode {
			return false
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == token {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return false
		}
		n = next
	}
	return true
}

// TestOpenAPIServed checks that GET /openapi.yaml serves the embedded document,
// without authentication.
func TestOpenAPIServed(t *testing.T) {
	rec := httptest.NewRecorder()
	oaTestHandler(t).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.yaml", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /openapi.yaml: status %d, want 200", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/yaml" {
		t.Errorf("Content-Type %q, want application/yaml", ct)
	}
	if !bytes.Equal(rec.Body.Bytes(), openAPISpec) {
		t.Error("the body is not the embedded api/openapi.yaml")
	}
	var doc oaDocument
	if err := yaml.Unmarshal(rec.Body.Bytes(), &doc); err != nil || len(doc.Paths) == 0 {
		t.Errorf("the served document does not parse as OpenAPI: %v", err)
	}
}

// TestOpenAPIUnauthenticatedV1 sends every documented /v1 operation without a token
// and checks the documented 401 problem comes back.
func TestOpenAPIUnauthenticatedV1(t *testing.T) {
	doc := oaLoad(t)
	h := oaTestHandler(t)
	for path, item := range doc.Paths {
		if !strings.HasPrefix(path, "/v1/") {
			continue
		}
		url := oaTemplateParam.ReplaceAllString(path, "3f2a4c1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b")
		for method := range item.operations() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(method, url, nil))
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("%s %s without a token: status %d, want 401", method, url, rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); ct != problemContentType {
				t.Errorf("%s %s without a token: Content-Type %q, want %s", method, url, ct, problemContentType)
			}
		}
	}
}

func oaKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
