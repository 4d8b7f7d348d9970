package api

import (
	"errors"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
)

// Request bodies are read strictly: member names match exactly and once, so that what
// the server reads is what every other JSON reader (a proxy, an audit log, the
// client's own) reads too.
func TestDecodingIsStrict(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		field      string // the field a 422 names; empty for a 400
	}{
		{"a member given twice", `{"consumer_id":"a","consumer_id":"b"}`, "consumer_id"},
		{"a member in another case", `{"Consumer_ID":"a"}`, "Consumer_ID"},
		{"a nested member given twice", `{"items":[{"menu_item_id":"a","quantity":1,"quantity":2}]}`, "items[0].quantity"},
		{"a nested unknown member", `{"items":[{"menu_item_id":"a","price_cents":1}]}`, "items[0].price_cents"},
		{"a wrong type, nested", `{"items":[{"menu_item_id":"a","quantity":"2"}]}`, "items[0].quantity"},
		{"invalid UTF-8", "{\"consumer_id\":\"\xff\"}", ""},
		{"two objects", `{} {}`, ""},
		{"empty", ` `, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var req placeOrderRequest
			err := decodeBody([]byte(tc.body), &req)
			require.Error(t, err)
			var v *domain.ValidationError
			if tc.field == "" {
				var h *httpError
				require.True(t, errors.As(err, &h), "got %v", err)
				require.Equal(t, http.StatusBadRequest, h.status)
				return
			}
			require.True(t, errors.As(err, &v), "got %v", err)
			require.Equal(t, tc.field, v.Fields[0].Field)
		})
	}
}

// FuzzDecodeBody: whatever arrives, decoding answers a problem the API can render
// (400 or 422) or a value, and never panics.
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{
		`{"consumer_id":"0b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3","restaurant_id":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",` +
			`"items":[{"menu_item_id":"pizza","quantity":2}],"delivery_address":{"street":"1 Main St","city":"X","zip":"1"}}`,
		`{"items":[{"quantity":1e400}]}`, `{"a":{"b":[[[[]]]]}}`, `[]`, `null`, `"\ud800"`, `{"items":null}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req placeOrderRequest
		err := decodeBody(body, &req)
		if err == nil {
			return
		}
		var (
			v *domain.ValidationError
			h *httpError
		)
		if !errors.As(err, &v) && !(errors.As(err, &h) && h.status == http.StatusBadRequest) {
			t.Fatalf("decoding %q answered %T %v, not a 400 or 422 problem", body, err, err)
		}
	})
}

// TestWrapperParameterNamesEveryWrapperError reads every error the generated wrapper
// (api/openapi/server.gen.go) can hand refuseParameter, and checks that wrapperParameter
// finds in it a parameter of api/openapi.yaml: an oapi-codegen that words its errors
// otherwise fails here, not in production as a 400 that names no parameter.
func TestWrapperParameterNamesEveryWrapperError(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(openAPISpec)
	require.NoError(t, err)
	params := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, p := range item.Parameters {
			params[p.Value.Name] = true
		}
		for _, op := range item.Operations() {
			for _, p := range op.Parameters {
				params[p.Value.Name] = true
			}
		}
	}
	src, err := os.ReadFile("openapi/server.gen.go")
	require.NoError(t, err)
	calls := regexp.MustCompile(`siw\.ErrorHandler\(c, fmt\.Errorf\("([^"]*)"`).FindAllSubmatch(src, -1)
	require.NotEmpty(t, calls, "no errors of the wrapper found in server.gen.go")
	// What the verbs stand for in an error the wrapper makes.
	filled := strings.NewReplacer("%w", "strconv.ParseInt: parsing \"x\": invalid syntax", "%d", "2")
	for _, call := range calls {
		message := filled.Replace(string(call[1]))
		m := wrapperParameter.FindStringSubmatch(message)
		if assert.NotNil(t, m, "wrapperParameter does not read %q", message) {
			assert.True(t, params[m[1]], "wrapperParameter reads %q out of %q, which is no parameter of the API", m[1], message)
		}
	}
}
