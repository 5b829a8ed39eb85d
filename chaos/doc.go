// Package chaos holds the fault-injection suite (chaos_test.go): a stream
// of settlements runs against a Temporal dev server and a `gongji worker`
// process while the suite SIGKILLs the worker, restarts Temporal and
// terminates PostgreSQL connections; at the end every settlement must have
// ended and internal/invariants must find nothing broken. `make test`
// runs a short version, `make test-chaos` the long one with a report.
package chaos
