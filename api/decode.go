package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain"
)

// maxBodyBytes bounds every request body; larger ones are refused with 413 before
// they are read to the end.
const maxBodyBytes = 64 << 10

// decodeJSON reads the body into dst strictly: one JSON object, no unknown fields, the
// right types. Each way of failing has its own status, and nothing is written.
func decodeJSON(c *gin.Context, dst any) error {
	if ct := c.ContentType(); ct != "application/json" {
		return &httpError{http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			"send the body as application/json", nil}
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errMalformed("the body must hold exactly one JSON object")
	}
	return nil
}

func decodeError(err error) error {
	var (
		tooLarge  *http.MaxBytesError
		syntax    *json.SyntaxError
		wrongType *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooLarge):
		return errTooLarge(fmt.Sprintf("the body is larger than %d bytes", tooLarge.Limit))
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return errMalformed("the body is not valid JSON")
	case errors.Is(err, io.EOF):
		return errMalformed("the body is empty")
	case errors.As(err, &wrongType):
		return fieldError(wrongType.Field, "must be of type "+jsonTypeName(wrongType.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fieldError(field, "is not a known field")
	}
	return errMalformed(err.Error())
}

func fieldError(field, message string) error {
	return &domain.ValidationError{Fields: []domain.FieldError{{Field: field, Message: message}}}
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	default:
		return "number"
	}
}

// pathID parses the :name path parameter as a uuid.
func pathID(c *gin.Context, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return uuid.Nil, errMalformed(fmt.Sprintf("%s %q is not a valid uuid", name, c.Param(name)))
	}
	return id, nil
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
