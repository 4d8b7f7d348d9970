# orderflow: `make help` lists the targets.
SHELL := /bin/bash
GO ?= go
TEMPORAL := bin/temporal
GOLANGCI_LINT := bin/golangci-lint
WORKFLOWCHECK := bin/workflowcheck
export ORDERFLOW_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
export ORDERFLOW_TEST_NATS_URL ?= nats://127.0.0.1:4222

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: test
test: $(TEMPORAL) ## run every test (unit, PostgreSQL, NATS, Temporal) with the race detector
	scripts/require-postgres.sh
	scripts/require-nats.sh
	$(GO) test -race -count=1 -timeout 30m ./...
	$(MAKE) --no-print-directory fuzz

# FUZZTIME is how long `make fuzz` (and so `make test`) runs each fuzz target; the
# inputs that ever failed stay in each package's testdata/fuzz and run in every test.
FUZZTIME ?= 10s

.PHONY: fuzz
fuzz: ## run each fuzz target for FUZZTIME (request bodies, stored events, cursors)
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeBody$$' -fuzztime $(FUZZTIME) ./api/
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./domain/registry/
	$(GO) test -run '^$$' -fuzz '^FuzzParseHistoryCursor$$' -fuzztime $(FUZZTIME) ./projections/

.PHONY: chaos
chaos: $(TEMPORAL) ## run the chaos suite: the stack as separate processes under load, with faults, each scenario ending in orderflow verify
	$(GO) test -tags chaos -count=1 -timeout 15m -v -run 'TestChaos' ./chaos/

.PHONY: lint
lint: $(GOLANGCI_LINT) $(WORKFLOWCHECK) ## gofmt, go vet, golangci-lint (.golangci.yml) and workflowcheck (workflow determinism)
	@echo "gofmt"; unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	@echo "go vet"; $(GO) vet ./... && $(GO) vet -tags chaos ./chaos/
	@echo "golangci-lint"; $(GOLANGCI_LINT) run ./...
	@# workflowcheck reads the packages that import the workflow API (today workflows/), so
	@# workflow code added elsewhere is checked without editing this list.
	@pkgs=$$($(GO) list -f '{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... \
		| awk '/ go.temporal.io\/sdk\/workflow( |$$)/ {print $$1}'); \
	echo "workflowcheck $$pkgs"; $(WORKFLOWCHECK) $$pkgs

.PHONY: generate
generate: ## regenerate the code generated from api/openapi.yaml (oapi-codegen: types, client and Gin server interface)
	$(GO) generate ./api/openapi/

.PHONY: bench
bench: ## run the benchmarks (figures go to docs/benchmarks.md)
	scripts/require-postgres.sh
	$(GO) test -run '^$$' -bench . -benchtime 5x -timeout 30m ./eventstore/

# PERF_FLAGS are passed to `orderflow perf`: `make perf PERF_FLAGS=--quick` for a run
# of two to three minutes instead of about ten.
PERF_FLAGS ?=

.PHONY: perf
perf: $(TEMPORAL) build ## measure the saga, the reads and the memory next to same-run baselines (starts its own stack; PERF_FLAGS=--quick)
	scripts/require-postgres.sh
	bin/orderflow perf $(PERF_FLAGS)

.PHONY: build
build: ## build bin/orderflow
	$(GO) build -o bin/orderflow ./cmd/orderflow

.PHONY: dev
dev: $(TEMPORAL) build ## run the whole stack here: Temporal + UI, PostgreSQL, NATS, workers, projector, relay, notifier, API (Ctrl-C stops it)
	bin/orderflow dev

.PHONY: demo
demo: build ## place demo orders on the running dev stack (make dev in another terminal) and print their outcomes and notifications
	bin/orderflow demo --dev-mode

.PHONY: temporal
temporal: $(TEMPORAL) ## build the Temporal CLI (dev server + UI) into bin/, once

$(TEMPORAL): tools/go.mod tools/go.sum
	@echo "building the Temporal CLI v1.5.1 from the Go module proxy (a few minutes the first time)"
	cd tools && $(GO) build -o ../$(TEMPORAL) github.com/temporalio/cli/cmd/temporal

# The linters live in their own module (tools/lint/go.mod), apart from the Temporal CLI's: in one
# module, golangci-lint's requirements would raise the versions the CLI is built with.
$(GOLANGCI_LINT): tools/lint/go.mod tools/lint/go.sum
	@echo "building golangci-lint from the Go module proxy (a few minutes the first time)"
	cd tools/lint && $(GO) build -o ../../$(GOLANGCI_LINT) github.com/golangci/golangci-lint/v2/cmd/golangci-lint && touch ../../$@

$(WORKFLOWCHECK): tools/lint/go.mod tools/lint/go.sum
	@echo "building workflowcheck from the Go module proxy"
	cd tools/lint && $(GO) build -o ../../$(WORKFLOWCHECK) go.temporal.io/sdk/contrib/tools/workflowcheck && touch ../../$@
