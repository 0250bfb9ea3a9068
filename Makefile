# The entry points a newcomer needs. `make run` and `make test` first.
SHELL := /bin/bash
GO ?= go
MODULES := ./pkg/... ./auth-server/... ./fhir-server/... ./e2e/...

.PHONY: run test test-go test-browser bench soak lint build demo scale-demo compose-up compose-down compose-test

## run: both servers on embedded stores with the demo clients, users and data, on 127.0.0.1
##      (PORTS=9080 moves them to 9080 and 9081; LISTEN_HOST=0.0.0.0 listens on every interface)
run: build
	@PORTS="$(PORTS)" LISTEN_HOST="$(LISTEN_HOST)" scripts/run.sh

build:
	@echo "building both servers into bin/ (the first build takes a few minutes)"
	@mkdir -p bin
	$(GO) build -o bin/ ./auth-server/cmd/auth-server ./fhir-server/cmd/fhir-server

## test: every test (Redis/PostgreSQL suites run when REDIS_URL/DATABASE_URL are set)
test: lint test-go

# go test -json through pkg/cmd/testsummary: the plain go test output, then
# one line naming the tests that skipped (no REDIS_URL, no Chromium ...) and
# how to run them.
test-go:
	@mkdir -p bin && $(GO) build -o bin/testsummary ./pkg/cmd/testsummary
	@set -o pipefail; $(GO) test -json -count=1 -timeout 20m $(MODULES) | bin/testsummary

## bench: throughput and latency figures, as ratios against ceilings measured in the same run,
##        then one table of every figure against its target (met or missed; never a failure)
# Each bench command reports its figures through pkg/benchreport, which
# appends them to $(SMARTGATE_BENCH_RESULTS); a new bench step needs nothing more.
# The load comes from bin/loadgen, a process of its own (pkg/loadgen); CPU
# profiles of the hot paths land in bench/out/ (git-ignored).
bench: export SMARTGATE_BENCH_RESULTS := $(CURDIR)/bin/bench-results.tsv
bench: export SMARTGATE_LOADGEN := $(CURDIR)/bin/loadgen
bench: build
	@mkdir -p bench/out && rm -f $(SMARTGATE_BENCH_RESULTS) && $(GO) build -o bin/ ./pkg/cmd/benchtable ./pkg/cmd/loadgen
	@echo "== auth-server: POST /token (client_credentials) against the RSA-2048 signing ceiling"
	$(GO) run ./auth-server/cmd/tokenbench -cpuprofile bench/out/token.pprof
	@echo "== fhir-server: bulk load, GET Patient/{id} against a trivial handler, search latency (SQLite; PostgreSQL too when DATABASE_URL is set)"
	$(GO) run ./fhir-server/cmd/fhirbench
	@echo "== fhir-server: GET Patient/{id} with a Bearer token, security and audit on, against both off and a trivial handler"
	$(GO) run ./fhir-server/cmd/securitybench -cpuprofile bench/out/read.pprof
	@echo "== fhir-server: 1,000,000 resources loaded with fhir-server import, then searches and memory (SQLite; PostgreSQL too when DATABASE_URL is set)"
	$(GO) run ./fhir-server/cmd/scalebench -server bin/fhir-server
	@echo "== fhir-server: AuditEvent searches over 1,000,000 recorded events (SQLite; PostgreSQL too when DATABASE_URL is set)"
	$(GO) run ./fhir-server/cmd/auditbench
	@echo "== fhir-server: rendering XML against decoding and re-encoding JSON (Patient/4, a 100-entry searchset Bundle)"
	$(GO) run ./fhir-server/cmd/xmlbench
	@echo "== every figure against its target"
	@bin/benchtable $(SMARTGATE_BENCH_RESULTS)

## soak: the audit crash test with many SIGKILLs (make test runs it with 3)
soak:
	SMARTGATE_CRASH_KILLS=$${SMARTGATE_CRASH_KILLS:-25} $(GO) test -count=1 -v -run TestAuditSurvivesSIGKILL -timeout 30m ./fhir-server/cmd/fhir-server

lint:
	@unformatted=$$(gofmt -l pkg auth-server fhir-server e2e); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(MODULES)

## demo: the docker-compose topology as local processes (local Redis and PostgreSQL), then the README's calls
demo: build
	bash scripts/demo.sh

## scale-demo: Redis with Sentinel, PostgreSQL, two auth-servers and two fhir-servers behind HAProxy,
##             all local processes; load through the balancer and against one replica, then a
##             Redis failover and a replica of each killed under load (SCALE_SECONDS=5 per run)
scale-demo:
	bash scripts/scale-demo.sh

compose-up:
	docker-compose -f deploy/docker-compose.yml up -d --build

compose-down:
	docker-compose -f deploy/docker-compose.yml down

## compose-test: deploy/docker-compose.yml run for real in podman (images built here from Debian
##               packages and host-built binaries), the tour, the Postman collection, a restart
compose-test:
	scripts/compose-test.sh
