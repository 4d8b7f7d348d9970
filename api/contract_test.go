package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// contract is api/openapi.yaml loaded by kin-openapi, and the router that finds a
// request's operation in it. Every request the harness serves is checked against it
// (checkExchange): the document is the contract, and the tests are its examples.
type contract struct {
	doc    *openapi3.T
	router routers.Router
	// problem is components.schemas.Problem: the shape of an answer to a request that
	// names no documented operation (an unknown path or method).
	problem *openapi3.Schema
}

var (
	loadContractOnce sync.Once
	loadedContract   *contract
	loadContractErr  error
)

// apiContract loads the document once for the whole test binary and validates it
// (kin-openapi's doc.Validate: the structure, every $ref, the schemas and examples).
func apiContract(t testing.TB) *contract {
	t.Helper()
	loadContractOnce.Do(func() {
		raw, err := os.ReadFile("openapi.yaml")
		if err != nil {
			loadContractErr = err
			return
		}
		loadedContract, loadContractErr = loadContract(raw)
	})
	if loadContractErr != nil {
		t.Fatalf("api/openapi.yaml: %v", loadContractErr)
	}
	return loadedContract
}

func loadContract(raw []byte) (*contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("does not load: %w", err)
	}
	if err := doc.Validate(loader.Context, openapi3.EnableSchemaFormatValidation()); err != nil {
		return nil, fmt.Errorf("is not a valid OpenAPI document: %w", err)
	}
	// The tests' requests have no scheme and host of the servers the document names;
	// their paths are what is matched.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("no router: %w", err)
	}
	problem := doc.Components.Schemas["Problem"]
	if problem == nil || problem.Value == nil {
		return nil, errors.New("components.schemas.Problem is missing")
	}
	return &contract{doc: doc, router: router, problem: problem.Value}, nil
}

// validationOptions check formats too (uuid, date-time, email): a response whose id
// is not a uuid breaks the contract as much as a missing field does.
var validationOptions = []openapi3.SchemaValidationOption{
	openapi3.EnableFormatValidation(),
	openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
		"uuid": openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562),
	}),
}

// bearerPresent is the document's bearerAuth as far as the document can say: a
// bearer token is sent. Whether it is a good one is the server's business (401).
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName != "bearerAuth" {
		return fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName)
	}
	scheme, token, _ := strings.Cut(in.RequestValidationInput.Request.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return errors.New("no bearer token")
	}
	return nil
}

// matchesTemplate says whether path is an instance of the path template: the same
// segments, each {parameter} a non-empty one.
func matchesTemplate(path, template string) bool {
	got, want := strings.Split(path, "/"), strings.Split(template, "/")
	if len(got) != len(want) {
		return false
	}
	for i, w := range want {
		if strings.HasPrefix(w, "{") && strings.HasSuffix(w, "}") {
			if got[i] == "" {
				return false
			}
		} else if got[i] != w {
			return false
		}
	}
	return true
}

// checkExchange checks one request and the response the handler gave it against the
// document:
//
//   - the response must be one the operation documents: its status, its content
//     type, its body's schema and its documented headers;
//   - a request the document says is invalid (a missing field, a wrong type, no token)
//     must be refused with a 4xx: the server may refuse more than the document does
//     (business rules), never less;
//   - a request that names no documented operation (an unknown path or method) must be
//     answered with a Problem.
//
// Failures are reported with Errorf, so that it may run on any goroutine.
func (ct *contract) checkExchange(t testing.TB, req *http.Request, reqBody []byte, rec *httptest.ResponseRecorder) {
	t.Helper()
	exchange := req.Method + " " + req.URL.RequestURI()
	route, pathParams, err := ct.router.FindRoute(req)
	if err == nil && !matchesTemplate(req.URL.Path, route.Path) {
		// kin-openapi's router is lenient where gin is not (a trailing slash, an
		// empty path parameter); gin answers such a path as unknown.
		err = fmt.Errorf("the path is not exactly %s", route.Path)
	}
	if err != nil {
		// No documented operation: the router serves only documented routes
		// (TestOpenAPIDocumentsEveryRoute), so this is an unknown path or method, or a
		// route a test added, and its answer is a problem like any other error.
		ct.checkProblem(t, exchange, rec)
		return
	}
	reqCopy := req.Clone(context.Background())
	reqCopy.Body = io.NopCloser(bytes.NewReader(reqBody))
	input := &openapi3filter.RequestValidationInput{
		Request: reqCopy, PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:      bearerPresent,
			SkipSettingDefaults:     true,
			MultiError:              true,
			SchemaValidationOptions: validationOptions,
		},
	}
	if err := openapi3filter.ValidateRequest(context.Background(), input); err != nil && (rec.Code < 400 || rec.Code >= 500) {
		t.Errorf("contract: the document refuses the request %s (%v) but it was answered %d: %s",
			exchange, err, rec.Code, rec.Body.String())
	}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options: &openapi3filter.Options{
			IncludeResponseStatus:   true,
			MultiError:              true,
			SchemaValidationOptions: validationOptions,
		},
	})
	if err != nil {
		t.Errorf("contract: the response to %s is not as documented: %v\nstatus %d, Content-Type %q, body: %s",
			exchange, err, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
}

// checkProblem checks that rec is a problem document of the documented shape.
func (ct *contract) checkProblem(t testing.TB, exchange string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if got := rec.Header().Get("Content-Type"); got != "application/problem+json" {
		t.Errorf("contract: %s answered %d with Content-Type %q, not a problem", exchange, rec.Code, got)
		return
	}
	value, err := openapi3filter.JSONBodyDecoder(bytes.NewReader(rec.Body.Bytes()), nil, nil, nil)
	if err == nil {
		err = ct.problem.VisitJSON(value, validationOptions...)
	}
	if err != nil {
		t.Errorf("contract: %s answered a problem not as documented: %v\nbody: %s", exchange, err, rec.Body.String())
	}
}
