// Package bench holds fnflow's end-to-end benchmarks and the baselines they
// are measured against in the same run: a hand-written Temporal workflow
// doing the same asynchronous activities, and a workflow that polls for the
// outcome instead of being called back. Results go into docs/benchmarks.md.
//
//	make bench    (bench/run.sh: every variant against its baseline, six rounds)
//
// bench/postgres.sh (make bench-postgres) starts the production shape on one
// machine (PostgreSQL, a Temporal server, separate fnflow worker and
// gateway processes) and runs a command against it.
package bench
