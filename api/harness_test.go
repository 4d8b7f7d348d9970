package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/time/rate"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/consumer"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/domain/restaurant"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/pgtest"
	"github.com/orderflow/orderflow/projections"
	"github.com/orderflow/orderflow/workflows"
)

// harness is one test's API: the production router over the real command handlers, an
// event store and read models in a fresh schema, and a fake of Temporal's client (the
// only test double).
type harness struct {
	t        testing.TB
	schema   pgtest.Schema
	store    aggregate.Store
	wf       *fakeWorkflows
	tokens   api.Tokens
	queries  projections.Queries
	registry *prometheus.Registry
	handler  http.Handler
	// adminHandler serves /metrics and /readyz (api.NewAdminHandler).
	adminHandler http.Handler
	// contract checks every request served and its response against api/openapi.yaml.
	contract *contract
}

// harnessOption adjusts the dependencies before the handler is built.
type harnessOption func(*api.Deps)

func newHarness(t testing.TB, opts ...harnessOption) *harness {
	t.Helper()
	schema := pgtest.NewSchema(t, eventstore.Migrations, projections.Migrations, api.Migrations)
	events := eventstore.New(schema.Pool, eventstore.WithChannel(schema.Name))
	t.Cleanup(events.Close)
	h := &harness{
		t:        t,
		schema:   schema,
		store:    aggregate.Store{Events: events, Registry: registry.New()},
		wf:       newFakeWorkflows(),
		tokens:   api.Tokens{Secret: []byte("test-secret-test-secret-test-secret!"), Issuer: "orderflow-test"},
		queries:  projections.Queries{Pool: schema.Pool},
		registry: prometheus.NewRegistry(),
		contract: apiContract(t),
	}
	deps := api.Deps{
		Consumers:   app.Consumers{Store: h.store},
		Restaurants: app.Restaurants{Store: h.store},
		Orders:      app.OrderCommands{Store: h.store, Workflows: h.wf},
		Tickets:     app.Tickets{Store: h.store, Workflows: h.wf},
		Queries:     h.queries,
		Pool:        schema.Pool,
		Tokens:      h.tokens,
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Registry:    h.registry,
		Ready:       map[string]func(context.Context) error{"postgres": schema.Pool.Ping},
		Projections: func(ctx context.Context) ([]projections.Status, error) {
			return projections.Statuses(ctx, h.store.Events)
		},
		// Tests make many requests with one token; the tests of the limits set their own.
		Limits: api.Limits{Rate: rate.Inf},
	}
	for _, o := range opts {
		o(&deps)
	}
	h.handler = api.NewHandler(deps)
	h.adminHandler = api.NewAdminHandler(deps)
	return h
}

// engine is the gin engine behind the handler, for tests that add a route.
func (h *harness) engine() *gin.Engine {
	e, ok := h.handler.(*gin.Engine)
	require.True(h.t, ok, "NewHandler returns %T, not *gin.Engine", h.handler)
	return e
}

// runProjector runs the real read-model projections (the subscriptions of
// projections.All, polling often) on this test's store until the test ends, or until
// stop is called.
func (h *harness) runProjector() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, sub := range projections.All(h.store.Registry, slog.New(slog.NewTextHandler(io.Discard, nil))) {
		sub.PollInterval = 50 * time.Millisecond
		wg.Go(func() { _ = h.store.Events.Subscribe(ctx, sub) })
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
		})
	}
	h.t.Cleanup(stop)
	return stop
}

// waitOrderView waits until the order's read model reaches version.
func (h *harness) waitOrderView(id uuid.UUID, version int64) projections.OrderView {
	h.t.Helper()
	var view projections.OrderView
	require.EventuallyWithT(h.t, func(c *assert.CollectT) {
		v, err := h.queries.GetOrder(context.Background(), id)
		require.NoError(c, err)
		require.GreaterOrEqual(c, v.Version, version)
		view = v
	}, 15*time.Second, 10*time.Millisecond, "order %s never reached version %d in the read model", id, version)
	return view
}

// waitTicketView waits until the ticket's read model has the status.
func (h *harness) waitTicketView(id uuid.UUID, status kitchen.Status) {
	h.t.Helper()
	require.EventuallyWithT(h.t, func(c *assert.CollectT) {
		v, err := h.queries.GetTicket(context.Background(), id)
		require.NoError(c, err)
		require.Equal(c, status, v.Status)
	}, 15*time.Second, 10*time.Millisecond, "ticket %s never reached %s in the read model", id, status)
}

// --- principals and tokens

func (h *harness) token(p api.Principal) string {
	h.t.Helper()
	tok, err := h.tokens.Issue(p, time.Hour, time.Now())
	require.NoError(h.t, err)
	return tok
}

func adminPrincipal() api.Principal { return api.Principal{Subject: "root", Role: api.RoleAdmin} }

func consumerPrincipal(id uuid.UUID) api.Principal {
	return api.Principal{Subject: "c-" + id.String()[:8], Role: api.RoleConsumer, ConsumerID: id}
}

func restaurantPrincipal(id uuid.UUID) api.Principal {
	return api.Principal{Subject: "r-" + id.String()[:8], Role: api.RoleRestaurant, RestaurantID: id}
}

// courierPrincipal is a courier: no consumer or restaurant id, only a subject.
func courierPrincipal() api.Principal { return api.Principal{Subject: "k-17", Role: api.RoleCourier} }

func (h *harness) admin() string                    { return h.token(adminPrincipal()) }
func (h *harness) asCourier() string                { return h.token(courierPrincipal()) }
func (h *harness) asConsumer(id uuid.UUID) string   { return h.token(consumerPrincipal(id)) }
func (h *harness) asRestaurant(id uuid.UUID) string { return h.token(restaurantPrincipal(id)) }

// --- requests

// request is one HTTP request to the handler. Body is sent as is when it is a string
// or []byte and as JSON otherwise; a body gets Content-Type application/json unless
// Header sets another.
type request struct {
	Method, Path, Token string
	Body                any
	Header              map[string]string
	Ctx                 context.Context
}

// serve sends r to the handler, and checks r and the response against
// api/openapi.yaml (checkExchange).
func (h *harness) serve(r request) *httptest.ResponseRecorder {
	h.t.Helper()
	var raw []byte
	switch b := r.Body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		raw, err = json.Marshal(b)
		require.NoError(h.t, err)
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(r.Method, r.Path, body)
	if r.Ctx != nil {
		req = req.WithContext(r.Ctx)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	h.contract.checkExchange(h.t, req, raw, rec)
	return rec
}

func (h *harness) get(path, token string) *httptest.ResponseRecorder {
	h.t.Helper()
	return h.serve(request{Method: http.MethodGet, Path: path, Token: token})
}

// adminGet is a GET to the admin listener's handler (/metrics, /readyz).
func (h *harness) adminGet(path string) *httptest.ResponseRecorder {
	h.t.Helper()
	rec := httptest.NewRecorder()
	h.adminHandler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func (h *harness) post(path, token string, body any) *httptest.ResponseRecorder {
	h.t.Helper()
	return h.serve(request{Method: http.MethodPost, Path: path, Token: token, Body: body})
}

// decodeBody decodes a JSON response into a value of type T.
func decodeBody[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v), "body: %s", rec.Body.String())
	return v
}

// requireJSON checks a successful JSON response and decodes it.
func requireJSON[T any](t *testing.T, rec *httptest.ResponseRecorder, status int) T {
	t.Helper()
	require.Equal(t, status, rec.Code, "body: %s", rec.Body.String())
	require.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
	return decodeBody[T](t, rec)
}

const problemBase = "https://orderflow.dev/problems/"

// requireProblem checks that rec is a problem document with status and type
// problemBase+slug, and returns it.
func requireProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, slug string) api.Problem {
	t.Helper()
	require.Equal(t, status, rec.Code, "body: %s", rec.Body.String())
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	p := decodeBody[api.Problem](t, rec)
	require.Equal(t, problemBase+slug, p.Type, "body: %s", rec.Body.String())
	require.Equal(t, status, p.Status)
	require.NotEmpty(t, p.Title)
	return p
}

// requireValidation checks a 422 validation-failed problem with exactly these fields.
func requireValidation(t *testing.T, rec *httptest.ResponseRecorder, fields ...domain.FieldError) {
	t.Helper()
	p := requireProblem(t, rec, http.StatusUnprocessableEntity, "validation-failed")
	require.Equal(t, string(domain.CodeValidationFailed), p.Code)
	requireFields(t, fields, p.Errors)
}

// requireFields checks field errors against want. A wanted field "*name" matches any
// field that ends with name: for errors of nested JSON values, whose path the decoder
// reports only in part (see the report on decode.go), so that these tests neither
// depend on that nor stand in the way of fixing it.
func requireFields(t *testing.T, want, got []domain.FieldError) {
	t.Helper()
	require.Len(t, got, len(want), "got %v", got)
	for i, w := range want {
		if suffix, ok := strings.CutPrefix(w.Field, "*"); ok {
			require.True(t, strings.HasSuffix(got[i].Field, suffix), "field %q does not end with %q", got[i].Field, suffix)
			require.Equal(t, w.Message, got[i].Message)
			continue
		}
		require.Equal(t, w, got[i])
	}
}

// fieldNames lists the fields of a problem's errors.
func fieldNames(p api.Problem) []string {
	names := make([]string, len(p.Errors))
	for i, f := range p.Errors {
		names[i] = f.Field
	}
	return names
}

// --- the database

// eventCount is how many events the schema's store holds.
func (h *harness) eventCount() int {
	h.t.Helper()
	var n int
	require.NoError(h.t, h.schema.Pool.QueryRow(context.Background(), `select count(*) from events`).Scan(&n))
	return n
}

// nothingWritten runs f and checks that it appended no event and did not start,
// update or signal a workflow.
func (h *harness) nothingWritten(f func()) {
	h.t.Helper()
	events, calls := h.eventCount(), h.wf.calls()
	f()
	require.Equal(h.t, events, h.eventCount(), "events were appended")
	require.Equal(h.t, calls, h.wf.calls(), "Temporal was called")
}

// nothingAppended runs f and checks that it appended no event.
func (h *harness) nothingAppended(f func()) {
	h.t.Helper()
	events := h.eventCount()
	f()
	require.Equal(h.t, events, h.eventCount(), "events were appended")
}

// streamTypes lists the event types of a stream, oldest first.
func (h *harness) streamTypes(stream string) []string {
	h.t.Helper()
	recorded, err := h.store.Events.ReadStream(context.Background(), stream, eventstore.ReadOptions{})
	require.NoError(h.t, err)
	types := make([]string, len(recorded))
	for i, e := range recorded {
		types[i] = e.Type
	}
	return types
}

// lastEvent is the last event of a stream, as recorded.
func (h *harness) lastEvent(stream string) eventstore.RecordedEvent {
	h.t.Helper()
	e, err := h.store.Events.ReadLast(context.Background(), stream)
	require.NoError(h.t, err)
	return e
}

// --- fixtures, written with the real command handlers and aggregates

// menu of every test restaurant: prices in EUR cents.
var testMenu = []restaurant.MenuItem{
	{ID: "pizza", Name: "Pizza Margherita", Price: money.Money{Cents: 1250, Currency: "EUR"}},
	{ID: "pasta", Name: "Pasta Carbonara", Price: money.Money{Cents: 900, Currency: "EUR"}},
	{ID: "tiramisu", Name: "Tiramisu", Price: money.Money{Cents: 575, Currency: "EUR"}},
}

func (h *harness) newConsumer() uuid.UUID {
	h.t.Helper()
	id := uuid.New()
	_, err := app.Consumers{Store: h.store}.Register(context.Background(), "admin:fixture", app.RegisterConsumer{
		ID: id, Name: "Ann Example", Email: "ann@example.com",
		CreditLimit: money.Money{Cents: 100_000, Currency: "EUR"}, CardLast4: "4242",
	})
	require.NoError(h.t, err)
	return id
}

func (h *harness) newRestaurant() uuid.UUID {
	h.t.Helper()
	id := uuid.New()
	_, err := app.Restaurants{Store: h.store}.Create(context.Background(), "admin:fixture", restaurant.CreateCommand{
		ID: id, Name: "Luigi's", AcceptanceTimeoutSeconds: 300, Menu: testMenu,
	})
	require.NoError(h.t, err)
	return id
}

// sagaMeta is the metadata the order's saga records its events with.
func sagaMeta(orderID uuid.UUID, user, causation string) eventstore.Metadata {
	return eventstore.Metadata{User: user, CorrelationID: orderID.String(), CausationID: causation,
		WorkflowID: "order-" + orderID.String(), RunID: "run-" + orderID.String()[:8]}
}

// execute runs one decision on a stream, as the saga's activities do.
func execute[S any](h *harness, stream string, apply func(*S, event.Event), md eventstore.Metadata, decide func(S) ([]event.Event, error)) {
	h.t.Helper()
	_, err := aggregate.Execute(context.Background(), h.store, aggregate.Command[S]{
		Stream: stream, Apply: apply, Decide: decide, Metadata: md,
	})
	require.NoError(h.t, err)
}

// placeOrder records an order as its saga's first step would (OrderCreated,
// APPROVAL_PENDING): 2 pizzas and 1 pasta, 3400 EUR cents.
func (h *harness) placeOrder(consumerID, restaurantID uuid.UUID) uuid.UUID {
	h.t.Helper()
	id := uuid.New()
	r, _, err := aggregate.Load(context.Background(), h.store, restaurant.StreamName(restaurantID), (*restaurant.State).Apply)
	require.NoError(h.t, err)
	priced, err := restaurant.PriceOrder(r, []restaurant.OrderLine{{MenuItemID: "pizza", Quantity: 2}, {MenuItemID: "pasta", Quantity: 1}})
	require.NoError(h.t, err)
	lines, total := order.LinesFromPriced(priced)
	md := sagaMeta(id, consumerPrincipal(consumerID).String(), "request-"+id.String()[:8])
	execute(h, order.StreamName(id), (*order.State).Apply, md, func(s order.State) ([]event.Event, error) {
		return order.Create(s, order.CreateCommand{OrderID: id, ConsumerID: consumerID, RestaurantID: restaurantID,
			Lines: lines, Total: total, DeliveryAddress: order.Address{Street: "1 Main St", City: "Springfield", Zip: "12345"}})
	})
	return id
}

// createTicket records the order's ticket (TicketCreated, AWAITING_ACCEPTANCE).
func (h *harness) createTicket(orderID, restaurantID uuid.UUID) {
	h.t.Helper()
	execute(h, kitchen.StreamName(orderID), (*kitchen.State).Apply, sagaMeta(orderID, "system", "create-ticket"),
		func(s kitchen.State) ([]event.Event, error) {
			return kitchen.Create(s, kitchen.CreateCommand{OrderID: orderID, RestaurantID: restaurantID, Lines: []kitchen.Line{
				{MenuItemID: "pizza", Name: "Pizza Margherita", Quantity: 2}, {MenuItemID: "pasta", Name: "Pasta Carbonara", Quantity: 1},
			}})
		})
}

// acceptTicket records the restaurant's acceptance (TicketAccepted).
func (h *harness) acceptTicket(orderID, restaurantID uuid.UUID) {
	h.t.Helper()
	execute(h, kitchen.StreamName(orderID), (*kitchen.State).Apply,
		sagaMeta(orderID, restaurantPrincipal(restaurantID).String(), "decide-ticket"), kitchen.Accept)
}

// approvedOrder runs the happy path of the create saga on the record: the order, the
// consumer's verification, the ticket, the card hold, the acceptance and the approval.
func (h *harness) approvedOrder(consumerID, restaurantID uuid.UUID) uuid.UUID {
	h.t.Helper()
	id := h.placeOrder(consumerID, restaurantID)
	execute(h, consumer.StreamName(consumerID), (*consumer.State).Apply, sagaMeta(id, "system", "verify-consumer"),
		func(s consumer.State) ([]event.Event, error) { return consumer.Verify(s, id) })
	h.createTicket(id, restaurantID)
	execute(h, accounting.StreamName(consumerID), (*accounting.State).Apply, sagaMeta(id, "system", "authorize-card"),
		func(s accounting.State) ([]event.Event, error) {
			return accounting.Authorize(s, id, money.Money{Cents: 3400, Currency: "EUR"})
		})
	h.acceptTicket(id, restaurantID)
	h.approve(id)
	return id
}

// approve records OrderApproved.
func (h *harness) approve(id uuid.UUID) {
	h.t.Helper()
	execute(h, order.StreamName(id), (*order.State).Apply, sagaMeta(id, "system", "approve"), order.Approve)
}

// --- the fake of Temporal's client

// fakeWorkflows records what the command handlers ask of Temporal. It starts each
// workflow id once (a second start is WorkflowExecutionAlreadyStarted, as with the
// order workflow's reuse policy), and can be told to refuse updates as the order
// workflow's validators do, or to answer as for a workflow that has ended.
type fakeWorkflows struct {
	mu      sync.Mutex
	starts  []startCall
	updates []client.UpdateWorkflowOptions
	signals []signalCall
	running map[string]bool

	// refuse, when set, is the refusal every update gets (see refusal).
	refuse error
	// ended makes updates and signals fail as for a closed workflow: NotFound.
	ended bool
}

type startCall struct {
	Options  client.StartWorkflowOptions
	Workflow any
	Args     []any
}

type signalCall struct {
	WorkflowID, RunID, Name string
	Arg                     any
}

func newFakeWorkflows() *fakeWorkflows { return &fakeWorkflows{running: map[string]bool{}} }

func (f *fakeWorkflows) ExecuteWorkflow(_ context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.starts = append(f.starts, startCall{Options: options, Workflow: workflow, Args: args})
	if f.running[options.ID] {
		return nil, serviceerror.NewWorkflowExecutionAlreadyStarted("workflow execution already started", "", "run-1")
	}
	f.running[options.ID] = true
	return fakeRun{id: options.ID, runID: "run-1"}, nil
}

func (f *fakeWorkflows) UpdateWorkflow(_ context.Context, options client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, options)
	if f.ended {
		return nil, serviceerror.NewNotFound("workflow execution already completed")
	}
	return fakeUpdateHandle{workflowID: options.WorkflowID, err: f.refuse}, nil
}

func (f *fakeWorkflows) SignalWorkflow(_ context.Context, workflowID, runID, signalName string, arg any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signals = append(f.signals, signalCall{WorkflowID: workflowID, RunID: runID, Name: signalName, Arg: arg})
	if f.ended {
		return serviceerror.NewNotFound("workflow execution already completed")
	}
	return nil
}

// DescribeWorkflowExecution describes a workflow the fake started, with the search
// attributes it was started with, as Temporal does; others are NotFound.
func (f *fakeWorkflows) DescribeWorkflowExecution(_ context.Context, workflowID, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.starts {
		if s.Options.ID != workflowID {
			continue
		}
		fields := map[string]*commonpb.Payload{}
		for _, key := range []temporal.SearchAttributeKeyKeyword{workflows.ConsumerIDKey, workflows.RestaurantIDKey} {
			if v, ok := s.Options.TypedSearchAttributes.GetKeyword(key); ok {
				p, err := converter.GetDefaultDataConverter().ToPayload(v)
				if err != nil {
					return nil, err
				}
				fields[key.GetName()] = p
			}
		}
		return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
			Execution:        &commonpb.WorkflowExecution{WorkflowId: workflowID, RunId: "run-1"},
			SearchAttributes: &commonpb.SearchAttributes{IndexedFields: fields},
		}}, nil
	}
	return nil, serviceerror.NewNotFound("workflow not found")
}

// refuseUpdates makes every update refused as the workflow's validator refuses: an
// application error typed by the code, with the field errors as details, carried
// through Temporal's failure conversion as the real client receives it.
func (f *fakeWorkflows) refuseUpdates(code domain.Code, message string, fields ...domain.FieldError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	refusal := temporal.NewNonRetryableApplicationError(message, string(code), nil, fields) // as workflows.refusal
	conv := temporal.GetDefaultFailureConverter()
	f.refuse = conv.FailureToError(conv.ErrorToFailure(refusal))
}

// endWorkflows makes the workflows behave as ended: NotFound for updates and signals.
func (f *fakeWorkflows) endWorkflows() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended = true
}

// calls is how many calls the fake received.
func (f *fakeWorkflows) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.starts) + len(f.updates) + len(f.signals)
}

func (f *fakeWorkflows) startCalls() []startCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]startCall(nil), f.starts...)
}

func (f *fakeWorkflows) updateCalls() []client.UpdateWorkflowOptions {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]client.UpdateWorkflowOptions(nil), f.updates...)
}

func (f *fakeWorkflows) signalCalls() []signalCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]signalCall(nil), f.signals...)
}

// fakeRun is a started workflow run; the handlers use nothing of it.
type fakeRun struct {
	client.WorkflowRun
	id, runID string
}

func (r fakeRun) GetID() string    { return r.id }
func (r fakeRun) GetRunID() string { return r.runID }

// fakeUpdateHandle is an update that completed, with err as its outcome.
type fakeUpdateHandle struct {
	client.WorkflowUpdateHandle
	workflowID string
	err        error
}

func (u fakeUpdateHandle) WorkflowID() string             { return u.workflowID }
func (u fakeUpdateHandle) RunID() string                  { return "run-1" }
func (u fakeUpdateHandle) UpdateID() string               { return "update-1" }
func (u fakeUpdateHandle) Get(context.Context, any) error { return u.err }
