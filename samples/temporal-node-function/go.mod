// This directory holds no Go code. The go.mod fences it off from the fnflow
// module: npm ci puts Go source files of Temporal's core under
// node_modules/@temporalio/core-bridge, which `go build ./...` and
// `go vet ./...` at the repository root would otherwise try to build.
module github.com/fnflow/fnflow/samples/temporal-node-function

go 1.26.8
