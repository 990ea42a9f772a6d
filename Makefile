# The two commands of the README: `make dev` runs fnflow locally, `make test`
# runs every check CI runs. Both work on a fresh machine with Go 1.26.8; the
# tests also need Node.js 20 and npm.
export GOTOOLCHAIN := local

# Fuzz budgets count inputs, not seconds: a duration-based -fuzztime races its
# own deadline in Go 1.26's fuzz coordinator and can fail with a bare "context
# deadline exceeded" on a loaded machine. Each budget is a few seconds on two
# cores. Minimising a new input is capped the same way, or one find can stall
# a loaded machine for a minute.
FUZZMINIMIZE ?= 1000x

.PHONY: dev test fuzz fuzz-gateway bench bench-postgres

dev:
	go run ./cmd/fnflow dev

# test runs every benchmark once too, so that a broken one fails CI; `make
# bench` is what measures. gateway's TestNodeSDK also needs Node.js 20 and npm:
# npm ci installs Alibaba's Node.js SDK from compat/node's lock file, and
# Temporal's TypeScript SDK for cmd/fnflow's TestTemporalNodeFunctionSample
# from the sample's (about 110 MB downloaded, 25 s).
test:
	go mod download
	npm ci --prefix compat/node
	npm ci --prefix samples/temporal-node-function
	go vet ./...
	go test -count=1 -timeout 20m ./...
	go test -count=1 -run '^$$' -bench . -benchtime 1x ./bench/ ./devserver/ ./fdl/
	$(MAKE) fuzz

# schedules' FuzzParseCron is not fuzzed here: its test binary holds the
# embedded Temporal server (the package's tests need it), and instrumenting that
# for fuzzing takes minutes of a cold two-core build. `go test ./schedules` runs
# its seeds; `go test ./schedules -run '^$$' -fuzz FuzzParseCron` explores.
fuzz:
	go test ./fdl -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 20000x -fuzzminimizetime $(FUZZMINIMIZE)
	go test ./fdl -run '^$$' -fuzz '^FuzzPath$$' -fuzztime 100000x -fuzzminimizetime $(FUZZMINIMIZE)
	go test ./fdl -run '^$$' -fuzz '^FuzzCondition$$' -fuzztime 50000x -fuzzminimizetime $(FUZZMINIMIZE)
	go test ./fdl -run '^$$' -fuzz '^FuzzCompareNumbers$$' -fuzztime 100000x -fuzzminimizetime $(FUZZMINIMIZE)

# fuzz-gateway explores the whole API with the fuzzer. It is not part of `make
# test`: fuzzing instruments every package of the binary, and a gateway test
# binary holds the whole embedded Temporal server, so the build alone takes
# minutes on two cores. CI runs FuzzGateway's seeds and TestGatewayRandomCalls
# instead, which check the same properties. Its calls go through an embedded
# Temporal server, about 200 a second.
fuzz-gateway:
	go test ./gateway -run '^$$' -fuzz '^FuzzGateway$$' -fuzztime 2000x -fuzzminimizetime 100x -parallel 1

# bench runs the measurements of docs/benchmarks.md, each with its baseline in
# the same run, into bench/results/: the Go benchmarks (bench/run.sh says how),
# then fnflow-bench's scenarios over the HTTP API (throughput, latency,
# polling vs callback, queue, idle).
bench:
	bench/run.sh
	go run ./bench/fnflow-bench --json bench/results/fnflow-bench.json | tee bench/results/fnflow-bench.md

# bench-postgres runs the throughput scenario against the production shape on
# this machine: PostgreSQL 15, a Temporal server on it, and fnflow worker and
# gateway as processes of their own (bench/postgres.sh says how; WORKERS=2 for
# two workers). Not part of `make test`: it installs PostgreSQL if missing.
bench-postgres:
	bench/postgres.sh
