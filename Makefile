# The two commands of the README: `make dev` runs fnflow locally, `make test`
# runs every check CI runs. Both work on a fresh machine with Go 1.26.8.
export GOTOOLCHAIN := local

# How long each fuzz target runs in `make test`; minimising a new input is
# capped too, or one find can stall a loaded machine for a minute.
FUZZTIME ?= 10s

.PHONY: dev test fuzz bench

dev:
	go run ./cmd/fnflow dev

# test runs every benchmark once too, so that a broken one fails CI; `make
# bench` is what measures.
test:
	go mod download
	go vet ./...
	go test -count=1 -timeout 20m ./...
	go test -count=1 -run '^$$' -bench . -benchtime 1x ./bench/ ./devserver/ ./fdl/
	$(MAKE) fuzz

fuzz:
	go test ./fdl -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 1s
	go test ./fdl -run '^$$' -fuzz '^FuzzPath$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 1s
	go test ./fdl -run '^$$' -fuzz '^FuzzCondition$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 1s

# bench runs the measurements of docs/benchmarks.md, each with its baseline in
# the same run, into bench/results/ (bench/run.sh says how).
bench:
	bench/run.sh
