// Package bench holds fnflow's end-to-end benchmarks and the baselines they
// are measured against in the same run: a hand-written Temporal workflow
// doing the same asynchronous activities, and a workflow that polls for the
// outcome instead of being called back. Results go into docs/benchmarks.md.
//
//	go test -run '^$' -bench . -benchtime 20x ./bench/
package bench
