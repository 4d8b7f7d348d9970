// Package apiclient is the client of orderflow's HTTP API that the demo, the load
// generator and the end-to-end tests use: the one oapi-codegen generates from
// api/openapi.yaml (package api/openapi), with what the document cannot say. It shares
// no types with the server's Go code, only those generated from the document, so it
// checks the contract rather than the code.
//
// It adds the bearer token (As acts as someone else), turns every answer that is not
// 2xx into a *Problem error, and waits for an order's read model (WaitForOrder). The
// rest is the generated client's: call its methods on Client, with its types.
package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/orderflow/orderflow/api/openapi"
)

// Client calls the API as one principal. Its generated methods answer a non-2xx
// response with a nil response and a *Problem, so a nil error means a 2xx whose body
// is in the response's JSON2xx field.
type Client struct {
	*openapi.ClientWithResponses
	// PollInterval is how often WaitForOrder reads the order: 100ms when zero.
	PollInterval time.Duration

	baseURL string
	http    *http.Client
}

// New is a client of the API at baseURL (e.g. http://127.0.0.1:8080) acting with the
// bearer token ("" for none), sending through httpClient (nil for
// http.DefaultClient).
func New(baseURL, token string, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	generated, err := openapi.NewClientWithResponses(baseURL,
		openapi.WithHTTPClient(problemDoer{httpClient}), openapi.WithRequestEditorFn(bearer(token)))
	if err != nil {
		// Only an option can fail, and neither of these does.
		panic(fmt.Sprintf("apiclient: %v", err))
	}
	return &Client{ClientWithResponses: generated, baseURL: baseURL, http: httpClient}
}

// As is the same client acting with another token.
func (c *Client) As(token string) *Client {
	other := New(c.baseURL, token, c.http)
	other.PollInterval = c.PollInterval
	return other
}

func bearer(token string) openapi.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return nil
	}
}

// Problem is an answer that is not 2xx: the API's problem document (RFC 9457), with
// Status the HTTP status. Code is nil for the API's own failures (malformed request,
// authentication, not found by path, ...), set for business failures.
type Problem struct {
	openapi.Problem
}

func (p *Problem) Error() string {
	detail := ""
	if p.Detail != nil {
		detail = *p.Detail
	}
	return fmt.Sprintf("%d %s: %s", p.Status, p.Title, detail)
}

// HasCode says whether the problem is the business failure code.
func (p *Problem) HasCode(code openapi.ErrorCode) bool {
	return p.Code != nil && *p.Code == code
}

// problemDoer sends the generated client's requests, and turns every response that is
// not 2xx into a *Problem: one place for what each generated response type would
// otherwise leave to its caller, status by status.
type problemDoer struct{ http *http.Client }

func (d problemDoer) Do(req *http.Request) (*http.Response, error) {
	// The URL is the generated client's, from the base URL the caller chose: the API
	// under test or the one an operator named, never a request's own input.
	resp, err := d.http.Do(req) //nolint:gosec // G704: the base URL is the caller's configuration
	if err != nil || (resp.StatusCode >= 200 && resp.StatusCode <= 299) {
		return resp, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	p := &Problem{}
	if json.Unmarshal(raw, &p.Problem) != nil {
		// Not a problem document (a proxy's page, say): its text is the detail.
		p.Problem = openapi.Problem{Title: http.StatusText(resp.StatusCode), Detail: new(string(raw))}
	}
	p.Status = resp.StatusCode
	return nil, p
}
