package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/projections"
)

// OrderQueries reads the read models (package projections). Reads are eventually
// consistent: a client that just wrote can wait for its version with ?min_version=N.
type OrderQueries interface {
	GetOrder(ctx context.Context, id uuid.UUID) (projections.OrderView, error)
	WaitForOrderVersion(ctx context.Context, id uuid.UUID, minVersion int64, maxWait time.Duration) (projections.OrderView, error)
	ConsumerOrders(ctx context.Context, consumerID uuid.UUID, status order.Status, cursor string, limit int) ([]projections.OrderView, string, error)
	RestaurantTickets(ctx context.Context, restaurantID uuid.UUID, status kitchen.Status, limit int) ([]projections.TicketView, error)
}

// maxVersionWait bounds how long GET /v1/orders/:id?min_version=N waits for the read
// model to catch up before it answers with what it has.
const maxVersionWait = 5 * time.Second

// get serves an order's read model. Who may see it is decided from the view itself
// (its consumer and restaurant), so an order the caller may not see and one that does
// not exist look the same: 404.
func (h orders) get(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		abort(c, err)
		return
	}
	var v domain.Validator
	minVersion := queryInt(&v, c, "min_version", 0, 0, 1<<62)
	if err := v.Err(); err != nil {
		abort(c, err)
		return
	}
	var view projections.OrderView
	if minVersion > 0 {
		view, err = h.queries.WaitForOrderVersion(c, id, int64(minVersion), maxVersionWait)
	} else {
		view, err = h.queries.GetOrder(c, id)
	}
	if err != nil {
		abort(c, err)
		return
	}
	if p := principal(c); !p.IsConsumer(view.ConsumerID) && !p.IsRestaurant(view.RestaurantID) {
		abort(c, errNotFound(fmt.Sprintf("order %s not found", id)))
		return
	}
	c.JSON(http.StatusOK, view)
}

type historyResponse struct {
	Orders     []projections.OrderView `json:"orders"`
	NextCursor *string                 `json:"next_cursor"`
}

// history serves a consumer's orders, newest first: ?status=, ?cursor=, ?limit=.
func (h orders) history(c *gin.Context) {
	id, limit, ok := listing(c, "consumer", Principal.IsConsumer)
	if !ok {
		return
	}
	list, next, err := h.queries.ConsumerOrders(c, id, order.Status(c.Query("status")), c.Query("cursor"), limit)
	if err != nil {
		abort(c, err)
		return
	}
	resp := historyResponse{Orders: list}
	if resp.Orders == nil {
		resp.Orders = []projections.OrderView{}
	}
	if next != "" {
		resp.NextCursor = &next
	}
	c.JSON(http.StatusOK, resp)
}

// queue serves a restaurant's ticket queue: ?status=, ?limit=.
func (h tickets) queue(c *gin.Context) {
	id, limit, ok := listing(c, "restaurant", Principal.IsRestaurant)
	if !ok {
		return
	}
	list, err := h.queries.RestaurantTickets(c, id, kitchen.Status(c.Query("status")), limit)
	if err != nil {
		abort(c, err)
		return
	}
	if list == nil {
		list = []projections.TicketView{}
	}
	c.JSON(http.StatusOK, gin.H{"tickets": list})
}

// listing reads what every list needs: the owner's id from the path, which the
// principal must be (others are told it does not exist), and ?limit=.
func listing(c *gin.Context, owner string, is func(Principal, uuid.UUID) bool) (uuid.UUID, int, bool) {
	id, err := pathID(c, "id")
	if err != nil {
		abort(c, err)
		return uuid.Nil, 0, false
	}
	if !is(principal(c), id) {
		abort(c, errNotFound(fmt.Sprintf("%s %s not found", owner, id)))
		return uuid.Nil, 0, false
	}
	var v domain.Validator
	limit := queryInt(&v, c, "limit", projections.DefaultPageSize, 1, projections.MaxPageSize)
	if err := v.Err(); err != nil {
		abort(c, err)
		return uuid.Nil, 0, false
	}
	return id, limit, true
}

// queryInt reads an optional integer query parameter within [lo, hi].
func queryInt(v *domain.Validator, c *gin.Context, name string, def, lo, hi int) int {
	raw, ok := c.GetQuery(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(raw)
	if !v.Check(err == nil && n >= lo && n <= hi, name, fmt.Sprintf("must be an integer between %d and %d", lo, hi)) {
		return def
	}
	return n
}
