# convoy's Makefile. `make help` lists the targets.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec
.DEFAULT_GOAL := help

include pkg/devenv/versions.env

export GOTOOLCHAIN := local
TOOLS_DIR ?= $(shell hack/tools.sh --print-dir)
CONTROLLER_GEN := $(TOOLS_DIR)/controller-gen-$(CONTROLLER_GEN_VERSION)/controller-gen
BIN_DIR := bin
GO_TEST_FLAGS ?=

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} \
		/^[a-zA-Z0-9_-]+:.*?##/ { printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2 } \
		/^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate deepcopy code, CRD manifests (also the chart's) and the API reference.
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./apis/...
	$(CONTROLLER_GEN) crd paths=./apis/... output:crd:artifacts:config=apis/crds
	hack/chart-crds.sh
	go run ./hack/apidocs docs/api.md

.PHONY: verify
GENERATED := apis/crds ':(glob)apis/**/zz_generated.*.go' charts/convoy/templates/crds docs/api.md

verify: generate ## Fail when generated files are stale or code is unformatted.
	@test -z "$$(git status --porcelain -- $(GENERATED))" || { git status --porcelain -- $(GENERATED); \
		echo "generated files are stale: run 'make generate' and commit them"; exit 1; }
	@$(MAKE) --no-print-directory lint

.PHONY: lint
lint: ## Run go vet and check gofmt.
	go vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); test -z "$$out" || { echo "gofmt needed:"; echo "$$out"; exit 1; }

.PHONY: tools
tools: ## Build the local environment's binaries (kube-apiserver, etcd, kwok, ...) into the tools cache.
	hack/tools.sh

$(CONTROLLER_GEN):
	hack/tools.sh controller-gen

##@ Build

.PHONY: build
build: ## Build convoy binaries into bin/ (and bin/kubectl-convoy, the kubectl plugin).
	go build -o $(BIN_DIR)/ ./cmd/...
	ln -sf convoy $(BIN_DIR)/kubectl-convoy

##@ Test

.PHONY: test
test: tools ## Run every test (unit, integration, chart, leader election, then the end-to-end suite and a short chaos run) against one shared local environment.
	hack/test.sh $(GO_TEST_FLAGS)

.PHONY: bench
bench: tools ## Run the benchmarks (idle reconcile, renders vs the helm and kustomize CLIs, the DNS server alone and under dnsperf) against one local environment.
	hack/test.sh -run '^$$' -bench . -benchmem $(GO_TEST_FLAGS)

.PHONY: bench-scale
bench-scale: tools ## Measure convoy-manager at scale against issue 14's goals: floor, first releases, new revision p50/p99, idle CPU/writes/requests, memory, DNS failover. CONVOY_SCALE_APPS (1000; 300 for quick runs), CONVOY_SCALE_CLUSTERS (3, or 1 for the Argo Rollouts comparison), CONVOY_SCALE_IDLE (2m), CONVOY_SCALE_FAILOVER (on; off skips failing a cluster's endpoints), CONVOY_SCALE_TIMEOUT (20m per phase), CONVOY_SCALE_SHARDS (1; 2 runs two managers, --shards 2).
	PKGS=./test/scale hack/test.sh -tags scale -run '^$$' -bench Scale -benchtime 1x -timeout 180m -v

.PHONY: e2e
e2e: tools build ## Run the end-to-end suite alone (make test runs it too, after the other packages).
	PKGS=./test/e2e hack/test.sh -v

.PHONY: chaos
chaos: tools build ## Run the chaos suite alone: 100 randomized rollouts under chaos (CONVOY_CHAOS_SEED replays a run).
	CONVOY_CHAOS_ROLLOUTS=$${CONVOY_CHAOS_ROLLOUTS:-100} PKGS=./test/chaos hack/test.sh -v -timeout 120m

.PHONY: hpa
hpa: tools build ## Run the autoscaled rollout alone, its replicas held still for 2 minutes at each stop (make test holds them 10 s; CONVOY_HPA_WINDOW sets it).
	CONVOY_HPA_WINDOW=$${CONVOY_HPA_WINDOW:-2m} PKGS=./test/integration hack/test.sh -run TestAutoscaledRollout -v -timeout 60m

.PHONY: demo
demo: tools build ## Run a real multi-cluster rollout on local clusters, measuring the traffic split from DNS answers.
	hack/demo.sh

.PHONY: demo-down
demo-down: build ## Stop the demo and delete its clusters.
	hack/demo-down.sh
