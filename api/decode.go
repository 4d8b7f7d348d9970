package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain"
)

// maxBodyBytes bounds every request body; larger ones are refused with 413 before
// they are read to the end.
const maxBodyBytes = 64 << 10

// decodeJSON reads the body into dst strictly: one JSON object whose member names are
// the fields' exactly (case included), each at most once, of the right types, in valid
// UTF-8. Each way of failing has its own status and names the member at fault, and
// nothing is written.
func decodeJSON(c *gin.Context, dst any) error {
	if ct := c.ContentType(); ct != "application/json" {
		return &httpError{http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			"send the body as application/json", nil}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes))
	if err != nil {
		return decodeError(err)
	}
	return decodeBody(body, dst)
}

// decodeBody is decodeJSON's decoding, apart from HTTP.
func decodeBody(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errMalformed("the body is empty")
	}
	return decodeError(jsonv2.Unmarshal(body, dst, jsonv2.RejectUnknownMembers(true)))
}

// decodeError says what is wrong with a body that did not decode, naming the member
// at fault (as a field path: items[0].quantity) where there is one.
func decodeError(err error) error {
	var (
		tooLarge  *http.MaxBytesError
		syntactic *jsontext.SyntacticError
		semantic  *jsonv2.SemanticError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooLarge):
		return errTooLarge(fmt.Sprintf("the body is larger than %d bytes", tooLarge.Limit))
	case errors.As(err, &syntactic) && errors.Is(syntactic.Err, jsontext.ErrDuplicateName):
		return fieldError(fieldPath(syntactic.JSONPointer), "is given more than once")
	case errors.As(err, &syntactic) && strings.Contains(syntactic.Err.Error(), "after top-level value"):
		return errMalformed("the body must hold exactly one JSON object")
	case errors.As(err, &syntactic):
		return errMalformed("the body is not valid JSON")
	case errors.As(err, &semantic) && errors.Is(semantic.Err, jsonv2.ErrUnknownName):
		return fieldError(fieldPath(semantic.JSONPointer), "is not a known field")
	case errors.As(err, &semantic) && semantic.JSONPointer == "":
		return fieldError("", "the body must be a JSON object")
	case errors.As(err, &semantic) && semantic.GoType != nil:
		return fieldError(fieldPath(semantic.JSONPointer), "must be of type "+jsonTypeName(semantic.GoType))
	}
	return errMalformed("the body could not be read as this request")
}

// fieldPath writes a JSON pointer (/items/0/quantity) as the field path the API's
// validation errors use (items[0].quantity).
func fieldPath(p jsontext.Pointer) string {
	var b strings.Builder
	for token := range p.Tokens() {
		if _, err := strconv.Atoi(token); err == nil && b.Len() > 0 {
			fmt.Fprintf(&b, "[%s]", token)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(token)
	}
	return b.String()
}

func fieldError(field, message string) error {
	return &domain.ValidationError{Fields: []domain.FieldError{{Field: field, Message: message}}}
}

// jsonTypeName is the JSON type a Go type is read from.
func jsonTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	default:
		return "number"
	}
}

// refuseParameter is the generated wrapper's ErrorHandler (openapi.GinServerOptions):
// it refuses a request whose path, query or header parameter the wrapper could not read
// as api/openapi.yaml types it, as the document says (parameterError). The wrapper's
// status, always 400, is not the API's for every parameter, and is not used.
func refuseParameter(c *gin.Context, err error, _ int) { abort(c, parameterError(c, err)) }

// wrapperParameter reads the parameter's name out of an error of the generated wrapper:
// a plain fmt.Errorf that names it in fixed words ("Invalid format for parameter
// limit: ...", "Expected one value for Idempotency-Key, got 2"). An internal test
// checks every such error in api/openapi/server.gen.go against it.
var wrapperParameter = regexp.MustCompile(`^(?:Invalid format for parameter|Expected one value for) ([^\s:,]+)[:,]`)

// parameterError is the API's error for a parameter the generated wrapper could not
// read: a path id that is not a uuid is malformed (400); a query parameter or a header
// that is not of its type, or is given more than once, is a field that fails
// validation (422), named as it is sent.
func parameterError(c *gin.Context, err error) error {
	m := wrapperParameter.FindStringSubmatch(err.Error())
	if m == nil {
		return errMalformed(err.Error())
	}
	name := m[1]
	if value, ok := c.Params.Get(name); ok {
		// Every path parameter of the API is an id.
		return errMalformed(fmt.Sprintf("%s %q is not a valid uuid", name, value))
	}
	if len(c.Request.Header.Values(name)) > 1 || len(c.Request.URL.Query()[name]) > 1 {
		return fieldError(name, "must be given once")
	}
	if r, ok := intParams[name]; ok {
		return fieldError(name, r.must())
	}
	return fieldError(name, "is not valid")
}

// parseID parses a uuid sent in a body field, reporting the field by its JSON path.
func parseID(v *domain.Validator, field, value string) uuid.UUID {
	id, err := uuid.Parse(value)
	if value == "" {
		v.Add(field, "is required")
	} else if err != nil || id == uuid.Nil {
		v.Add(field, "must be a uuid")
	}
	return id
}

// jsonEncode writes v as compact JSON.
func jsonEncode(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }
