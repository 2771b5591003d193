# The two commands of the README: `make up` runs the default stack, `make test`
# runs every test, integration tests included and required.
SHELL := /bin/bash
GO ?= go
BIN := bin/stackctl

.PHONY: up down test test-current engine-current engine-current-binaries bench-current test-unit docs engine images build vet unit bench bench-charts bench-docs bench-compare bench-soak bench-swarm compose buildx conformance

# The built-in stack from nothing: the golang stand-in first (it needs no
# rootfs), then the app's image built while the rootfs of the other
# stand-ins is made, then up.
up: engine build
	@bash scripts/images.sh golang:1.26
	@bash scripts/images.sh $(filter-out golang:1.26,$(STACK_IMAGES)) & images=$$!; \
	./$(BIN) build; built=$$?; \
	wait $$images && exit $$built
	./$(BIN) up

down: engine build
	./$(BIN) down

engine:
	@bash scripts/engine.sh

# Every stand-in the tests and benchmarks use (the swarm's dind and registry
# among them); `make up` builds only the built-in stack's.
images: engine
	@bash scripts/images.sh

# The stand-ins the built-in stack needs.
STACK_IMAGES := postgres:15 redis:7 golang:1.26 nginx:1.22

# Static (no cgo): the crash helper runs this binary alone in a container.
build:
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/stackctl

vet:
	$(GO) vet ./...
	cd app && $(GO) vet ./...
	$(GO) -C bench vet ./...

# Integration tests talk to the real engine and fail, never skip, without one.
# The tests that make the host engine a swarm's manager (TestSwarm*, in the
# packages of SWARM_PKGS) run after the others, one at a time: joining and
# leaving a swarm reconfigures the engine's networking under the containers
# of tests running beside them.
#
# Between the two, the conformance stage (make conformance, below).
#
# Beside the first two, the current engine's stage (make test-current,
# below): a second engine, Docker 29's, in a container of the host engine.
# The swarm stage waits for it: it must not reconfigure the networking
# under that container either.
#
# leakcheck wraps the engine stages: a snapshot of the whole engine before
# them, and after them (also when one failed) a failure listing every
# container, volume, network and image they added and do not account for
# (internal/enginetest/leakcheck). A failing stage skips the stages after
# it, as before, and fails the run with its own status.
#
# The benchmarks' module, bench/, has unit tests only (its swarm comparison
# is a benchmark): they need no engine, and run last, as the app's do.
SWARM_PKGS := ./internal/enginetest/ ./internal/backend/swarm/
LEAKCHECK := bin/leakcheck
LEAK_SNAPSHOT := bin/leakcheck-before.json
CURRENT_LOG := bin/test-current.log
# What test needs, made side by side: the stand-ins' builds wait on the
# network and the disk while the Go builds (Compose, the current engine,
# vet) keep the cores busy.
test: engine
	$(MAKE) --no-print-directory -j4 --output-sync=target images vet compose buildx build engine-current-binaries
	$(MAKE) --no-print-directory engine-current
	$(GO) build -o $(LEAKCHECK) ./internal/enginetest/cmd/leakcheck
	./$(LEAKCHECK) snapshot $(LEAK_SNAPSHOT)
	status=0; \
	$(MAKE) --no-print-directory test-current >$(CURRENT_LOG) 2>&1 & current=$$!; \
	STACKCTL_INTEGRATION=1 $(GO) test -count=1 -timeout 30m -skip '^TestSwarm' ./... || status=$$?; \
	if [ $$status -eq 0 ]; then \
		$(CONFORMANCE) || status=$$?; \
	fi; \
	current_status=0; wait $$current || current_status=$$?; \
	echo "== the current engine's stage (make test-current):"; cat $(CURRENT_LOG); \
	[ $$status -ne 0 ] || status=$$current_status; \
	if [ $$status -eq 0 ]; then \
		STACKCTL_INTEGRATION=1 $(GO) test -count=1 -timeout 30m -p 1 -run '^TestSwarm' $(SWARM_PKGS) || status=$$?; \
	fi; \
	./$(LEAKCHECK) check $(LEAK_SNAPSHOT) || { [ $$status -ne 0 ] || status=$$?; }; \
	exit $$status
	cd app && $(GO) test -count=1 ./...
	$(GO) -C bench test -count=1 ./...

# The current engine (scripts/engine-current.sh): built once, cached; its
# binaries need no engine, its image needs the docker:dind stand-in.
engine-current-binaries:
	@bash scripts/engine-current.sh binaries

engine-current: images engine-current-binaries
	@bash scripts/engine-current.sh build

# The integration tests of the engine adapter and the Docker backend on the
# current engine, started for them in a container of the host engine and
# removed after, whatever the outcome; then the swarm's main test, with the
# current engine as manager and two current engines in it as workers, and
# its watch test, with that engine alone as the swarm. The tests run in that container's network namespace, where the ports it
# publishes on 127.0.0.1 are.
CURRENT_PKGS := ./internal/engine/ ./internal/backend/images/ ./internal/backend/docker/
CURRENT_SWARM := -run '^(TestSwarmUpGatesOnHealthSpreadsWebAndGoesDown|TestSwarmWatchRebuildsThroughTheRegistryAndRestartsStartFirst)$$' ./internal/backend/swarm/
CURRENT_ENGINE := stackctl-test-current
test-current: engine-current build
	@status=0; \
	bash scripts/engine-current.sh start $(CURRENT_ENGINE) >bin/$(CURRENT_ENGINE).env || status=$$?; \
	if [ $$status -eq 0 ]; then \
		( set -a; . bin/$(CURRENT_ENGINE).env; set +a; \
		netns="nsenter --net=$$STACKCTL_ENGINE_NETNS --"; \
		STACKCTL_INTEGRATION=1 $(GO) test -count=1 -timeout 30m -exec "$$netns" $(CURRENT_PKGS) && \
		STACKCTL_INTEGRATION=1 $(GO) test -count=1 -timeout 15m -exec "$$netns" $(CURRENT_SWARM) ) || status=$$?; \
	fi; \
	bash scripts/engine-current.sh stop $(CURRENT_ENGINE) || { [ $$status -ne 0 ] || status=$$?; }; \
	exit $$status

# stackctl against Docker Compose on Compose's own e2e fixtures
# (internal/conformance): each fixture it can run is brought up by both, in
# turn, under one project name, and what the engine holds after each
# (the images each tool built included) is compared field by field; a
# difference not in internal/conformance/allowlist.go fails it, as does a
# missing Compose, buildx (Compose builds through it) or engine. make test
# runs it after the other engine tests, before the swarm's.
CONFORMANCE := $(GO) run ./internal/conformance/cmd/conformance -stackctl $(BIN)
conformance: engine compose buildx build
	$(CONFORMANCE)

# The inner loop: the unit and fake-engine tests, no engine needed (the
# integration tests skip, saying how to run them; make test runs them all).
test-unit:
	$(GO) test -count=1 ./...
	cd app && $(GO) test -count=1 ./...
	$(GO) -C bench test -count=1 ./...

# docs/compose-compatibility.md, from internal/stack's key table; a unit
# test fails when it is out of date.
docs:
	$(GO) generate ./internal/stack/

# Docker Compose v2+ as a Docker CLI plugin, for the benchmark and the tests
# that drive a stackctl project with it (make test); and the buildx plugin
# Compose builds through, for the benchmark and the conformance run's
# build fixtures (without it Compose falls back to the classic builder,
# which refuses app/Dockerfile). Each is skipped when it already answers,
# else built from the Go module proxy.
compose:
	@bash scripts/compose.sh

buildx:
	@bash scripts/buildx.sh

# stackctl against Docker Compose on the same stack and engine (see
# bench/README.md), results in BENCH_JSON, charts in BENCH_CHARTS. The
# benchmarks are a module of their own, bench/, which drives $(BIN) from
# outside; paths given to it are made absolute, as it runs in bench/.
BENCH_ROUNDS ?= 5
BENCH_JSON ?= bench-results.json
BENCH_CHARTS ?= bench/charts
STACKBENCH := $(GO) -C bench run ./cmd/stackbench -stackctl $(abspath $(BIN))
# BENCH_BASELINE=NAME=/abs/path/stackctl times that other build beside
# $(BIN) on the built-in stack (stackbench -baseline).
BENCH_BASELINE ?=
bench: images build compose buildx
	$(STACKBENCH) -rounds $(BENCH_ROUNDS) $(if $(BENCH_BASELINE),-baseline $(BENCH_BASELINE)) -json $(abspath $(BENCH_JSON)) -charts $(abspath $(BENCH_CHARTS))

# The same on the current engine (scripts/engine-current.sh), started for
# the run in a container of the host engine and removed after; the run is
# made in that container's network namespace, where the ports are. Its
# results go beside the host engine's: copy them to bench/charts/ as
# results-current.json, then make bench-docs.
BENCH_CURRENT_JSON ?= bench-current.json
# The suites of the page's per-engine section; the others have one section
# each, the host engine's.
BENCH_CURRENT_SUITES ?= load,builtin,foreign
BENCH_CURRENT_ENGINE := stackctl-bench-current
bench-current: engine-current build compose buildx
	@status=0; \
	$(GO) -C bench build -o /dev/null ./cmd/stackbench || status=$$?; \
	[ $$status -ne 0 ] || bash scripts/engine-current.sh start $(BENCH_CURRENT_ENGINE) >bin/$(BENCH_CURRENT_ENGINE).env || status=$$?; \
	if [ $$status -eq 0 ]; then \
		( set -a; . bin/$(BENCH_CURRENT_ENGINE).env; set +a; \
		nsenter --net=$$STACKCTL_ENGINE_NETNS -- $(STACKBENCH) -suites $(BENCH_CURRENT_SUITES) -rounds $(BENCH_ROUNDS) -json $(abspath $(BENCH_CURRENT_JSON)) ) || status=$$?; \
	fi; \
	bash scripts/engine-current.sh stop $(BENCH_CURRENT_ENGINE) || { [ $$status -ne 0 ] || status=$$?; }; \
	exit $$status

# The charts of an earlier run's results again, without running anything.
bench-charts:
	$(STACKBENCH) -from $(abspath $(BENCH_JSON)) -charts $(abspath $(BENCH_CHARTS))

# docs/benchmarks.md, written from the results committed beside the charts
# (bench/charts/results-*.json: copy a run's BENCH_JSON there first) and
# showing those charts; a unit test of bench fails when it is out of date.
BENCH_DOCS_FROM ?= $(wildcard bench/charts/results-*.json)
bench-docs:
	$(STACKBENCH) $(foreach f,$(BENCH_DOCS_FROM),-from $(abspath $(f))) -docs $(abspath docs/benchmarks.md) -docs-charts $(abspath $(BENCH_CHARTS))

# Which medians moved beyond the noise between two runs' results; fails when
# anything regressed: make bench-compare OLD=a.json NEW=b.json
bench-compare:
	@if [ -z "$(OLD)" ] || [ -z "$(NEW)" ]; then echo "usage: make bench-compare OLD=old.json NEW=new.json" >&2; exit 2; fi
	$(GO) -C bench run ./cmd/benchcompare $(abspath $(OLD)) $(abspath $(NEW))

# Zero failed requests behind the edge, again and again: SOAK_ROUNDS rolling
# updates of web (3 replicas behind stackctl's edge) under a client loop,
# stackctl only; SOAK_BURN busy-loop goroutines load the machine meanwhile.
SOAK_ROUNDS ?= 20
SOAK_BURN ?= 0
SOAK_JSON ?= bench-soak.json
bench-soak: images build
	$(STACKBENCH) -suites soak -rounds 1 -soak-rounds $(SOAK_ROUNDS) -soak-burn $(SOAK_BURN) -json $(abspath $(SOAK_JSON))

# stackctl --swarm against `docker stack deploy -c` on one swarm (the host
# engine as manager, two engines in containers as workers, a registry) and
# the same compose files (see bench/README.md): BENCH_SWARM_ROUNDS fresh
# deploys of each, an update of web under a client loop, results in
# BENCH_SWARM_JSON, charts in BENCH_SWARM_CHARTS (none when empty). A Go
# benchmark (bench/swarmbench), because the swarm is enginetest.Swarm's;
# `make test` runs no benchmark.
BENCH_SWARM_ROUNDS ?= 3
BENCH_SWARM_STACKS ?= builtin,day34
BENCH_SWARM_JSON ?= bench-swarm.json
BENCH_SWARM_CHARTS ?=
bench-swarm: images build
	STACKCTL_INTEGRATION=1 $(GO) -C bench test -count=1 -timeout 60m -run '^$$' -bench '^BenchmarkSwarm$$' -benchtime 1x -v ./swarmbench/ \
		-args -swarm.rounds=$(BENCH_SWARM_ROUNDS) -swarm.stacks=$(BENCH_SWARM_STACKS) -swarm.stackctl=$(abspath $(BIN)) \
		-swarm.json=$(abspath $(BENCH_SWARM_JSON)) -swarm.charts=$(if $(BENCH_SWARM_CHARTS),$(abspath $(BENCH_SWARM_CHARTS)))
