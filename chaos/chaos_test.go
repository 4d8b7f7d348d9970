//go:build chaos

// Package chaos_test is the chaos suite (`make chaos`): it runs orderflow as separate
// processes (see cluster), puts each scenario's faults on it while `orderflow load`
// places orders through both APIs, lets the load settle, and ends with `orderflow
// verify`. A scenario fails on any invariant violated, any read model that is not a
// replay, any order not settled within the load's bound, or any lost or doubled effect.
// Everything runs on loopback, bounded in time, and stops by itself.
package chaos_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	openapitypes "github.com/oapi-codegen/runtime/types"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/api/openapi"
	"github.com/orderflow/orderflow/internal/apiclient"
	"github.com/orderflow/orderflow/internal/demo"
	"github.com/orderflow/orderflow/internal/load"
)

var stack *cluster

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "orderflow-chaos-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	stack, err = startCluster(ctx, dir)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos: start the cluster:", err)
		if stack != nil {
			stack.stop()
		}
		os.Exit(1)
	}
	fmt.Printf("chaos: cluster up in %s (every process's output: %s)\n", dir, stack.log.Name())
	code := m.Run()
	stack.stop()
	if code == 0 {
		_ = os.RemoveAll(dir)
	}
	os.Exit(code)
}

// scenario is a fault put on the cluster while the load runs.
type scenario struct {
	name string
	// mix is the load's, per API; empty for load's default.
	mix string
	// inject puts the faults on the cluster until ctx ends, telling what it did.
	inject func(ctx context.Context, t *testing.T, c *cluster, did func(format string, args ...any))
}

// ordersPerAPI is how many orders each of the two loads places per scenario.
const ordersPerAPI = 40

func TestChaos(t *testing.T) {
	for _, sc := range []scenario{
		{name: "workers killed -9 every few seconds", inject: killWorkers},
		{name: "a worker frozen past its activities' timeout", inject: freezeWorker},
		{name: "the active projector killed -9", inject: killProjector},
		{name: "PostgreSQL restarted", inject: restartPostgres},
		{name: "Temporal restarted", inject: restartTemporal},
		{name: "orders canceled from Temporal and through the API", mix: "approved=40,declined=5,rejected=5,canceled=30,revised=10,delivered=10",
			inject: cancelFromTemporal},
	} {
		t.Run(sc.name, func(t *testing.T) { run(t, sc) })
	}
	t.Run("one Idempotency-Key sent concurrently and retried after a timeout", idempotentRetries)
}

// run runs a scenario: two loads (one per API), the faults alongside, then verify.
func run(t *testing.T, sc scenario) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	start := time.Now()

	loads := make([]load.Report, len(stack.apiURLs))
	loadErrs := make([]error, len(stack.apiURLs))
	var wg sync.WaitGroup
	for i, url := range stack.apiURLs {
		wg.Go(func() { loads[i], loadErrs[i] = runLoad(ctx, url, sc.mix) })
	}
	loaded := make(chan struct{})
	go func() { wg.Wait(); close(loaded) }()

	var (
		mu  sync.Mutex
		did []string
	)
	note := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		did = append(did, fmt.Sprintf("%5.1fs ", time.Since(start).Seconds())+fmt.Sprintf(format, args...))
	}
	faultCtx, stopFaults := context.WithCancel(ctx)
	faulted := make(chan struct{})
	go func() { defer close(faulted); sc.inject(faultCtx, t, stack, note) }()
	<-loaded
	stopFaults()
	<-faulted
	require.NoError(t, stack.heal(ctx), "bring every process back")

	placed, settled := 0, map[string]int{}
	for i, r := range loads {
		placed += r.Placed
		for s, n := range r.SettledByStatus {
			settled[s] += n
		}
		if loadErrs[i] != nil && r.Failed == 0 {
			require.NoError(t, loadErrs[i], "the load against %s", stack.apiURLs[i])
		}
	}
	v, raw, err := stack.settle(ctx, time.Minute)
	t.Logf("faults injected:\n  %s", strings.Join(did, "\n  "))
	t.Logf("orders placed %d, settled %v in %.0fs; verify over the whole store: %d orders %v, %d violations, %d read model mismatches, %d needing attention (%.2fs)",
		placed, settled, time.Since(start).Seconds(), v.Orders, v.ByStatus, len(v.Violations), len(v.Mismatches), len(v.NeedsAttention), v.Seconds)
	require.NoError(t, err, "orderflow verify:\n%s", raw)
	require.Empty(t, v.NeedsAttention, "orders needing attention")
	require.NotEmpty(t, did, "the scenario injected no fault")
	for i, r := range loads {
		require.Equal(t, ordersPerAPI, r.Placed, "the load against %s placed", stack.apiURLs[i])
		if sc.name == "orders canceled from Temporal and through the API" {
			requireOnlyCanceledFromTemporal(t, r)
			continue
		}
		require.Zero(t, r.Failed, "the load against %s: %v", stack.apiURLs[i], r.Errors)
	}
}

// settle runs verify until no order is pending any more (the last faults may have
// started a saga after the load saw its order settled: a cancel from Temporal) or
// within expires, and returns the last report.
func (c *cluster) settle(ctx context.Context, within time.Duration) (verification, []byte, error) {
	deadline := time.Now().Add(within)
	for {
		v, raw, err := c.verify(ctx)
		pending := len(v.Violations) > 0
		for _, x := range v.Violations {
			pending = pending && x.Rule == "settled"
		}
		if err == nil || !pending || time.Now().After(deadline) {
			return v, raw, err
		}
		time.Sleep(time.Second)
	}
}

// runLoad runs `orderflow load` against one API and returns its report.
func runLoad(ctx context.Context, url, mix string) (load.Report, error) {
	args := []string{"load", "--api", url, "--orders", fmt.Sprint(ordersPerAPI), "--concurrency", "8",
		"--settle-timeout", "150s", "--json"}
	if mix != "" {
		args = append(args, "--mix", mix)
	}
	out, err := stack.output(ctx, args...)
	var r load.Report
	if jerr := json.Unmarshal(out, &r); jerr != nil {
		return r, fmt.Errorf("load printed no report (%w): %w", jerr, err)
	}
	return r, err
}

// heal starts every member a fault left stopped or dead, thaws frozen ones, and waits
// for the APIs.
func (c *cluster) heal(ctx context.Context) error {
	for _, m := range c.members() {
		_ = m.proc.Signal(syscall.SIGCONT)
		select {
		case <-m.proc.Exited():
			if err := c.start(m); err != nil {
				return err
			}
		default:
		}
	}
	for _, u := range c.adminURLs {
		if err := waitHTTP(ctx, u+"/readyz", time.Minute); err != nil {
			return err
		}
	}
	return nil
}

// every calls f every d until ctx ends.
func every(ctx context.Context, d time.Duration, f func()) {
	tick := time.NewTicker(d)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			f()
		}
	}
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// killWorkers kills a worker with SIGKILL every 3 s, activities in flight or not,
// and starts it again a second later: one is always left.
func killWorkers(ctx context.Context, t *testing.T, c *cluster, did func(string, ...any)) {
	killInTurn(ctx, t, c, c.workers, 3*time.Second, time.Second, did)
}

// killInTurn kills members in turn with SIGKILL, one every period, and starts each
// again after down: never all at once.
func killInTurn(ctx context.Context, t *testing.T, c *cluster, members []*member, period, down time.Duration, did func(string, ...any)) {
	n := 0
	every(ctx, period, func() {
		m := members[n%len(members)]
		n++
		c.kill(m)
		did("kill -9 %s", m.name)
		sleep(ctx, down)
		require.NoError(t, c.start(m))
		did("started %s again", m.name)
	})
}

// freezeWorker stops a worker (SIGSTOP) for longer than an activity's
// start-to-close timeout (10 s), so that its activities in flight time out and run
// again on the other worker, then lets it go on (SIGCONT): its late completions
// must not apply twice.
func freezeWorker(ctx context.Context, _ *testing.T, c *cluster, did func(string, ...any)) {
	for i := 0; sleep(ctx, 2*time.Second); i++ {
		w := c.workers[i%len(c.workers)]
		_ = w.proc.Signal(syscall.SIGSTOP)
		did("SIGSTOP %s for 15s", w.name)
		sleep(context.Background(), 15*time.Second) // thaw it even when the load is done
		_ = w.proc.Signal(syscall.SIGCONT)
		did("SIGCONT %s", w.name)
	}
}

// killProjector kills the projectors in turn with SIGKILL, never both at once: the
// standby takes the projections over, and the read models still equal a replay.
func killProjector(ctx context.Context, t *testing.T, c *cluster, did func(string, ...any)) {
	killInTurn(ctx, t, c, c.projectors, 4*time.Second, 2*time.Second, did)
}

// restartPostgres restarts the database under the load, twice.
func restartPostgres(ctx context.Context, t *testing.T, c *cluster, did func(string, ...any)) {
	for _, after := range []time.Duration{3 * time.Second, 8 * time.Second} {
		if !sleep(ctx, after) {
			return
		}
		start := time.Now()
		require.NoError(t, c.pg.Restart())
		did("PostgreSQL restarted (down %.1fs)", time.Since(start).Seconds())
	}
}

// restartTemporal restarts the Temporal server under the load; its state is in a file.
func restartTemporal(ctx context.Context, t *testing.T, c *cluster, did func(string, ...any)) {
	if !sleep(ctx, 4*time.Second) {
		return
	}
	start := time.Now()
	require.NoError(t, c.restartTemporal(context.Background()))
	did("Temporal server restarted (down %.1fs)", time.Since(start).Seconds())
}

// canceledFromTemporal are the orders the Temporal cancel scenario canceled.
var canceledFromTemporal sync.Map

// cancelFromTemporal cancels, at random moments, a share of the orders whose
// workflows are running, as Temporal UI's cancel button does; the load cancels others
// through the API at the same time.
func cancelFromTemporal(ctx context.Context, t *testing.T, c *cluster, did func(string, ...any)) {
	tc, err := client.Dial(client.Options{HostPort: c.temporal.Address})
	require.NoError(t, err)
	defer tc.Close()
	// This scenario's orders only: earlier scenarios' approved orders still have a
	// running workflow each.
	query := fmt.Sprintf("WorkflowType = 'Order' AND ExecutionStatus = 'Running' AND StartTime > '%s'",
		time.Now().UTC().Format(time.RFC3339Nano))
	every(ctx, 300*time.Millisecond, func() {
		resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			return
		}
		for _, e := range resp.Executions {
			id := e.Execution.WorkflowId
			if _, done := canceledFromTemporal.Load(id); done || rand.IntN(10) != 0 {
				continue
			}
			if tc.CancelWorkflow(ctx, id, "") == nil {
				canceledFromTemporal.Store(id, true)
				did("canceled %s from Temporal", id)
			}
		}
	})
}

// requireOnlyCanceledFromTemporal checks that the only orders the load found
// settled where their kind does not lead, or refusing the load's next change as in
// conflict with a change in progress (409: the workflow is canceling the order), are
// orders canceled from Temporal.
func requireOnlyCanceledFromTemporal(t *testing.T, r load.Report) {
	require.LessOrEqual(t, r.Failed, len(r.Errors), "every failure is listed")
	for _, e := range r.Errors {
		_, canceled := canceledFromTemporal.Load("order-" + e.OrderID)
		byTheCancel := strings.HasPrefix(e.Error, "unexpected outcome") || strings.Contains(e.Error, ": HTTP 409")
		require.True(t, canceled && byTheCancel,
			"order %s failed (%s: %s) and was not canceled from Temporal", e.OrderID, e.Error, e.Detail)
	}
}

// idempotentRetries sends one order with one Idempotency-Key many times at once,
// through both APIs, and then another order whose first POST the client gives up on
// (a timeout) before it retries: each is one order, one saga, one OrderCreated.
func idempotentRetries(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tokens := demo.SignedTokens{Tokens: api.Tokens{Secret: []byte(tokenSecret), Issuer: "orderflow"}}
	adminToken, err := tokens.Admin()
	require.NoError(t, err)
	admin := apiclient.New(stack.apiURLs[0], adminToken, nil)
	consumer, err := admin.RegisterConsumerWithResponse(ctx, nil, openapi.RegisterConsumerRequest{Name: "Idem",
		Email: openapitypes.Email("idem." + uuid.NewString() + "@example.com"), CreditLimitCents: new(int64(100_000)), Currency: "EUR"})
	require.NoError(t, err)
	restaurant, err := admin.CreateRestaurantWithResponse(ctx, nil, openapi.CreateRestaurantRequest{Name: "Idempotent Diner",
		AutoAccept: new(true), AcceptanceTimeoutSeconds: 60, Currency: new("EUR"),
		Menu: []openapi.MenuItemRequest{{ID: "soup", Name: "Soup", PriceCents: 700}}})
	require.NoError(t, err)
	consumerToken, err := tokens.Consumer(consumer.JSON201.ID)
	require.NoError(t, err)
	newOrder := openapi.PlaceOrderRequest{ConsumerID: consumer.JSON201.ID, RestaurantID: restaurant.JSON201.ID,
		Items:           []openapi.OrderItemRequest{{MenuItemID: "soup", Quantity: 2}},
		DeliveryAddress: openapi.Address{Street: "1 Loop Rd", City: "Localhost", Zip: "12700"}}
	place := func(ctx context.Context, api int, key string) (uuid.UUID, error) {
		c := apiclient.New(stack.apiURLs[api%len(stack.apiURLs)], consumerToken, nil)
		for {
			placed, err := c.PlaceOrderWithResponse(ctx, &openapi.PlaceOrderParams{IdempotencyKey: &key}, newOrder)
			var problem *apiclient.Problem
			if errors.As(err, &problem) && problem.Status == http.StatusConflict && ctx.Err() == nil {
				time.Sleep(50 * time.Millisecond) // the first request with the key is still running
				continue
			}
			if err != nil {
				return uuid.Nil, err
			}
			return placed.JSON202.ID, nil
		}
	}

	key := uuid.NewString()
	ids := make([]uuid.UUID, 12)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			id, err := place(ctx, i, key)
			require.NoError(t, err)
			ids[i] = id
		})
	}
	wg.Wait()
	for _, id := range ids {
		require.Equal(t, ids[0], id, "one key, one order")
	}

	retryKey := uuid.NewString()
	hurried, stop := context.WithTimeout(ctx, 5*time.Millisecond)
	_, err = place(hurried, 0, retryKey)
	stop()
	require.Error(t, err, "the client gave up")
	retried, err := place(ctx, 1, retryKey)
	require.NoError(t, err)

	for _, id := range []uuid.UUID{ids[0], retried} {
		_, err := admin.WaitForOrder(ctx, id, time.Minute, func(o openapi.OrderView) bool { return o.Status == "APPROVED" })
		require.NoError(t, err, "order %s", id)
		events, err := admin.GetOrderEventsWithResponse(ctx, id)
		require.NoError(t, err)
		created := 0
		for _, e := range events.JSON200.Events {
			if e.Type == "OrderCreated" {
				created++
			}
		}
		require.Equal(t, 1, created, "order %s was created once", id)
	}
	v, raw, err := stack.verify(ctx)
	require.NoError(t, err, "orderflow verify:\n%s", raw)
	t.Logf("12 concurrent POSTs with one key through both APIs gave order %s; a POST given up after 5ms and retried gave order %s; verify: %d orders, no violation",
		ids[0], retried, v.Orders)
}
