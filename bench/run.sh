#!/usr/bin/env bash
# Runs the measurements of docs/benchmarks.md into bench/results/.
#
# Each variant runs in a process of its own (a fresh embedded Temporal server,
# so one variant's executions do not sit in the caches the next one measures),
# and the variants take turns, ROUNDS (6) times, so that a noisy moment of the
# machine hurts both sides alike. Compare with benchstat:
#
#   go run golang.org/x/perf/cmd/benchstat@latest bench/results/callback.txt
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
rounds=${ROUNDS:-6}
out=bench/results
mkdir -p "$out"
rm -f "$out"/*.txt

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go test -c -o "$bin/bench.test" ./bench/
go test -c -o "$bin/devserver.test" ./devserver/
go test -c -o "$bin/fdl.test" ./fdl/

# run DIR BINARY RESULTS ARGS... runs BINARY in package directory DIR and
# appends its benchmark lines to bench/results/RESULTS.
run() {
	local dir=$1 binary=$2 file=$3
	shift 3
	(cd "$dir" && "$bin/$binary" -test.run '^$' -test.benchmem "$@") 2>/dev/null |
		grep -E '^(goos|goarch|pkg|cpu|Benchmark)' >>"$out/$file"
}

for round in $(seq "$rounds"); do
	echo "round $round of $rounds" >&2
	for variant in fnflow handwritten-temporal; do
		run bench bench.test callback.txt -test.bench "^BenchmarkCallbackFlow/$variant\$" -test.benchtime 100x
		run bench bench.test waiting.txt -test.bench "^BenchmarkWaitingExecution/$variant\$" -test.benchtime 500x
	done
	for variant in mns-gateway raw-temporal-activities raw-temporal-grouped raw-standalone-activities; do
		run bench bench.test queue.txt -test.bench "^BenchmarkQueue/$variant\$" -test.benchtime 1000x
	done
	for variant in tuned default-transfer-poll-rps; do
		run devserver devserver.test devserver.txt -test.bench "^BenchmarkCallbackToNextStep/$variant\$" -test.benchtime 200x
	done
	# The server's own ceilings, which the figures above are read against.
	run devserver devserver.test ceiling.txt -test.bench '^BenchmarkCallbackThroughput$' -test.benchtime 300x
	run devserver devserver.test ceiling.txt -test.bench '^BenchmarkServerWrites$' -test.benchtime 3000x
	run fdl fdl.test fdl.txt -test.bench . -test.count 2
done
# Each polling step takes a poll interval whatever the machine does: one run says it.
run bench bench.test polling.txt -test.bench '^BenchmarkCallbackFlow/polling' -test.benchtime 5x
