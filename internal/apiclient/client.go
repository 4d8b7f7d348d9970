// Package apiclient is a small typed client of orderflow's HTTP API, for the demo and
// the end-to-end tests. It speaks only HTTP and JSON: it shares no types with the
// server, so it checks the contract rather than the code.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Client calls the API at BaseURL (e.g. http://127.0.0.1:8080) with a bearer token.
type Client struct {
	BaseURL string
	Token   string
	HTTP    *http.Client
	// PollInterval is how often WaitForOrder reads the order: 100ms when zero.
	PollInterval time.Duration
}

// As is the same client acting with another token.
func (c *Client) As(token string) *Client {
	clone := *c
	clone.Token = token
	return &clone
}

// Problem is an error response (RFC 9457).
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (p *Problem) Error() string {
	return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail)
}

// do sends body as JSON and decodes a 2xx response into out (when not nil); any other
// status is a *Problem.
func (c *Client) do(ctx context.Context, method, path string, body, out any, header ...string) error {
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.BaseURL, "/")+path, reader)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	h := c.HTTP
	if h == nil {
		h = http.DefaultClient
	}
	resp, err := h.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		p := &Problem{Status: resp.StatusCode}
		if err := json.Unmarshal(raw, p); err != nil {
			p.Detail = string(raw)
		}
		return p
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}
