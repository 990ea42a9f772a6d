# The two commands of the README: `make dev` runs fnflow locally, `make test`
# runs every check CI runs. Both work on a fresh machine with Go 1.26.8.
export GOTOOLCHAIN := local

# How long each fuzz target runs in `make test`; minimising a new input is
# capped too, or one find can stall a loaded machine for a minute.
FUZZTIME ?= 10s

.PHONY: dev test fuzz bench

dev:
	go run ./cmd/fnflow dev

test:
	go mod download
	go vet ./...
	go test -count=1 -timeout 20m ./...
	$(MAKE) fuzz

fuzz:
	go test ./fdl -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 1s
	go test ./fdl -run '^$$' -fuzz '^FuzzPath$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 1s
	go test ./fdl -run '^$$' -fuzz '^FuzzCondition$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 1s

bench:
	go test -run '^$$' -bench . -benchtime 200x ./bench/ ./devserver/
