package apiclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api/openapi"
	"github.com/orderflow/orderflow/internal/apiclient"
)

// An answer that is not 2xx is a *Problem with the document's code and fields, or,
// when it is not a problem document, with its text; the token goes with every request,
// and As changes it.
func TestAnswersThatAreNot2xxAreProblems(t *testing.T) {
	order := uuid.New()
	var auth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		switch r.URL.Path {
		case "/v1/orders/" + order.String() + "/cancel":
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = w.Write([]byte(`{"type":"https://orderflow.dev/problems/validation-failed","title":"Validation failed",
				"status":422,"detail":"1 field is invalid","code":"VALIDATION_FAILED",
				"errors":[{"field":"reason","message":"at most 500 characters"}]}`))
		default:
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("the upstream is down"))
		}
	}))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	client := apiclient.New(srv.URL, "first", srv.Client())

	resp, err := client.CancelOrderWithResponse(ctx, order, nil, openapi.CancelOrderRequest{Reason: new("too long")})
	require.Nil(t, resp)
	var p *apiclient.Problem
	require.True(t, errors.As(err, &p), "%v", err)
	require.Equal(t, 422, p.Status)
	require.True(t, p.HasCode(openapi.VALIDATIONFAILED))
	require.False(t, p.HasCode(openapi.ORDERNOTFOUND))
	require.Equal(t, &[]openapi.FieldError{{Field: "reason", Message: "at most 500 characters"}}, p.Errors)
	require.EqualError(t, err, "422 Validation failed: 1 field is invalid")
	require.Equal(t, "Bearer first", auth.Load())

	_, err = client.As("second").GetOrderWithResponse(ctx, order, nil)
	require.True(t, errors.As(err, &p), "%v", err)
	require.Equal(t, http.StatusBadGateway, p.Status)
	require.Nil(t, p.Code)
	require.EqualError(t, err, "502 Bad Gateway: the upstream is down")
	require.Equal(t, "Bearer second", auth.Load())
}

// WaitForOrder reads through the 404s of an order the read model has not seen yet
// until the order is as asked.
func TestWaitForOrderWaitsOutNotFound(t *testing.T) {
	order := uuid.New()
	var reads atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := reads.Add(1)
		if n <= 2 {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"type":"https://orderflow.dev/problems/order-not-found","title":"Not found","status":404}`))
			return
		}
		status := "APPROVAL_PENDING"
		if n > 3 {
			status = "APPROVED"
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"` + order.String() + `","status":"` + status + `","version":2}`))
	}))
	t.Cleanup(srv.Close)
	client := apiclient.New(srv.URL, "admin", srv.Client())
	client.PollInterval = time.Millisecond

	o, err := client.WaitForOrder(context.Background(), order, time.Minute,
		func(o openapi.OrderView) bool { return o.Status == openapi.OrderStatusAPPROVED })
	require.NoError(t, err)
	require.Equal(t, order, o.ID)
	require.Equal(t, int32(4), reads.Load())

	_, err = client.WaitForOrder(context.Background(), order, 0,
		func(o openapi.OrderView) bool { return o.Status == openapi.OrderStatusDELIVERED })
	require.EqualError(t, err, `order `+order.String()+`: still "APPROVED" after 0s`)
}
