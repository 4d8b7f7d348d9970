package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/domain"
)

// Problem is an RFC 9457 problem details document, the body of every error response.
type Problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail,omitempty"`
	Code   string              `json:"code,omitempty"`
	Errors []domain.FieldError `json:"errors,omitempty"`
}

const problemContentType = "application/problem+json"

// problemBase prefixes problem type URIs; each names a documented kind of failure.
const problemBase = "https://orderflow.dev/problems/"

// httpError is an error the API itself raises (not the domain): its status is known.
type httpError struct {
	status int
	slug   string
	title  string
	detail string
	fields []domain.FieldError
}

func (e *httpError) Error() string { return e.title + ": " + e.detail }

func errUnauthenticated(detail string) error {
	return &httpError{http.StatusUnauthorized, "unauthenticated", "Authentication required", detail, nil}
}
func errForbidden(detail string) error {
	return &httpError{http.StatusForbidden, "forbidden", "Not allowed", detail, nil}
}
func errNotFound(detail string) error {
	return &httpError{http.StatusNotFound, "not-found", "Not found", detail, nil}
}
func errMalformed(detail string) error {
	return &httpError{http.StatusBadRequest, "malformed-request", "Malformed request", detail, nil}
}
func errTooLarge(detail string) error {
	return &httpError{http.StatusRequestEntityTooLarge, "request-too-large", "Request body too large", detail, nil}
}
func errConflict(slug, title, detail string) error {
	return &httpError{http.StatusConflict, slug, title, detail, nil}
}
func errUnprocessable(slug, title, detail string) error {
	return &httpError{http.StatusUnprocessableEntity, slug, title, detail, nil}
}

// domainStatus is the one place where business error codes become HTTP statuses.
var domainStatus = map[domain.Code]int{
	domain.CodeConsumerNotFound:          http.StatusNotFound,
	domain.CodeRestaurantNotFound:        http.StatusNotFound,
	domain.CodeOrderNotFound:             http.StatusNotFound,
	domain.CodeTicketNotFound:            http.StatusNotFound,
	domain.CodeAccountNotFound:           http.StatusNotFound,
	domain.CodeInvalidStateTransition:    http.StatusConflict,
	domain.CodeConsumerAlreadyRegistered: http.StatusConflict,
	domain.CodeTicketAlreadyPickedUp:     http.StatusConflict,
	domain.CodeTicketNotRevisable:        http.StatusConflict,
}

// problemFor maps any error to its problem document; unknown errors are 500s.
func problemFor(err error) Problem {
	var he *httpError
	if errors.As(err, &he) {
		return Problem{Type: problemBase + he.slug, Title: he.title, Status: he.status, Detail: he.detail, Errors: he.fields}
	}
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		return Problem{Type: problemBase + "validation-failed", Title: "Validation failed",
			Status: http.StatusUnprocessableEntity, Detail: "the request has invalid fields",
			Code: string(domain.CodeValidationFailed), Errors: ve.Fields}
	}
	var de *domain.Error
	if errors.As(err, &de) {
		status, ok := domainStatus[de.Code]
		if !ok {
			status = http.StatusUnprocessableEntity // a business rule refused the request
		}
		return Problem{Type: problemBase + slug(de.Code), Title: title(de.Code), Status: status,
			Detail: de.Message, Code: string(de.Code), Errors: de.Fields}
	}
	if errors.Is(err, app.ErrConcurrentChange) {
		return Problem{Type: problemBase + "concurrency-conflict", Title: "Concurrent modification",
			Status: http.StatusConflict, Detail: "the resource changed while the request was handled; retry it"}
	}
	return Problem{Type: problemBase + "internal", Title: "Internal server error", Status: http.StatusInternalServerError}
}

// abort writes err as problem+json and stops the handler chain. Server errors are
// logged with the request's logger; their details never reach the client.
func abort(c *gin.Context, err error) {
	p := problemFor(err)
	if p.Status >= 500 {
		logger(c).Error("request failed", "err", err)
	} else {
		logger(c).Debug("request refused", "status", p.Status, "err", err)
	}
	c.Abort()
	c.Render(p.Status, problemRender{p})
}

// problemRender writes a Problem with the problem+json content type (gin's JSON
// renderer would overwrite it with application/json).
type problemRender struct{ p Problem }

func (r problemRender) Render(w http.ResponseWriter) error {
	r.WriteContentType(w)
	return jsonEncode(w, r.p)
}

func (r problemRender) WriteContentType(w http.ResponseWriter) {
	w.Header().Set("Content-Type", problemContentType)
}

func slug(c domain.Code) string { return strings.ReplaceAll(strings.ToLower(string(c)), "_", "-") }

// title turns INSUFFICIENT_CREDIT into "Insufficient credit".
func title(c domain.Code) string {
	words := strings.ReplaceAll(strings.ToLower(string(c)), "_", " ")
	if words == "" {
		return ""
	}
	return strings.ToUpper(words[:1]) + words[1:]
}
