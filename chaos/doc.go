// Package chaos holds the fault-injection suite (chaos_test.go): a stream
// of settlements, interleaved with premium payments and (with
// -chaos.holder-changes) holders who die, move out of Bortala or lose
// cover, runs against a Temporal dev server and a `gongji worker` process
// while the suite SIGKILLs the worker, restarts Temporal and terminates
// PostgreSQL connections; at the end every settlement and payment must
// have ended, no changed holder may have been debited after the change,
// and internal/invariants must find nothing broken. `make test` runs a
// short version, `make test-chaos` the long one with a report.
package chaos
