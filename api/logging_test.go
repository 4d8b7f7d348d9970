package api_test

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/internal/logtest"
)

// A request's log line carries its request id and the order and workflow it acted on,
// so it can be joined with the workflow's and the activities' logs.
func TestRequestLogsAreCorrelated(t *testing.T) {
	t.Parallel()
	var out logtest.Buffer
	h := newHarness(t, func(d *api.Deps) { d.Logger = slog.New(slog.NewJSONHandler(&out, nil)) })
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	rec := h.serve(request{Method: http.MethodPost, Path: "/v1/orders", Token: h.asConsumer(consumerID),
		Body: orderBody(consumerID, restaurantID), Header: map[string]string{"X-Request-Id": "req-42"}})
	placed := requireJSON[placedBody](t, rec, http.StatusAccepted)

	var found bool
	for s := bufio.NewScanner(strings.NewReader(out.String())); s.Scan(); {
		var line map[string]any
		require.NoError(t, json.Unmarshal(s.Bytes(), &line))
		if line["msg"] == "request" && line["route"] == "/v1/orders" {
			found = true
			require.Equal(t, "req-42", line["request_id"])
			require.Equal(t, placed.ID.String(), line["order_id"])
			require.Equal(t, "order-"+placed.ID.String(), line["workflow_id"])
			require.EqualValues(t, http.StatusAccepted, line["status"])
		}
	}
	require.True(t, found, "no request log line")
}

// A read that logs nothing but its access line (its logger is never derived) still
// logs it with the request id, once, and who made it.
func TestReadAccessLogCarriesTheRequestID(t *testing.T) {
	t.Parallel()
	var out logtest.Buffer
	h := newHarness(t, func(d *api.Deps) { d.Logger = slog.New(slog.NewJSONHandler(&out, nil)) })
	h.runProjector()
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	id := h.placeOrder(consumerID, restaurantID)
	h.waitOrderView(id, 1)
	rec := h.serve(request{Method: http.MethodGet, Path: "/v1/orders/" + id.String(), Token: h.asConsumer(consumerID),
		Header: map[string]string{"X-Request-Id": "req-7"}})
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	var lines []string
	for s := bufio.NewScanner(strings.NewReader(out.String())); s.Scan(); {
		if strings.Contains(s.Text(), `"route":"/v1/orders/:id"`) {
			lines = append(lines, s.Text())
		}
	}
	require.Len(t, lines, 1)
	require.Equal(t, 1, strings.Count(lines[0], `"request_id"`), lines[0])
	var line map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &line))
	require.Equal(t, "request", line["msg"])
	require.Equal(t, "req-7", line["request_id"])
	require.Equal(t, consumerPrincipal(consumerID).String(), line["principal"])
	require.EqualValues(t, http.StatusOK, line["status"])
	require.Equal(t, "GET", line["method"])
	require.Equal(t, "/v1/orders/"+id.String(), line["path"])
}
