package api

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"gongji/db"
	"gongji/db/dbtest"
	"gongji/external"
	"gongji/internal/invariants"
	"gongji/internal/temporaltest"
	"gongji/worker"
)

// testTaskQueue is where the API tests start workflows and run a worker.
const testTaskQueue = "gongji-api-test"

var (
	// testFaults arms failures in the worker's built-in adapters.
	testFaults   = &external.Faults{}
	testURL      string
	testTemporal *testsuite.DevServer
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

// run starts a Temporal dev server, creates the package's database and
// runs a worker with the real activities against both.
func run(m *testing.M) int {
	flag.Parse()
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		// A fuzzing worker runs only the fuzz target, which needs neither
		// Temporal nor PostgreSQL; a killed worker must leave no server.
		return m.Run()
	}
	ctx := context.Background()
	srv, err := temporaltest.Start(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "temporal dev server:", err)
		return 1
	}
	defer srv.Stop()
	testTemporal = srv
	if err := worker.EnsureSearchAttributes(ctx, srv.Client(), "default"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	u, drop, err := dbtest.Create(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbtest:", err)
		return 1
	}
	defer drop()
	testURL = u
	conn, err := db.Open(ctx, u)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer conn.Close()
	if err := seedTestPremiums(ctx, conn); err != nil {
		fmt.Fprintln(os.Stderr, "premiums:", err)
		return 1
	}
	store := db.NewStore(conn)
	w := worker.New(srv.Client(), testTaskQueue, worker.BuiltinDeps(store, testFaults))
	if err := w.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	defer w.Stop()
	code := m.Run()
	if code == 0 && !noLiveBindingWithoutWorkflow(ctx, store) {
		code = 1
	}
	return code
}

// noLiveBindingWithoutWorkflow checks, once every test has run, that no
// binding row the tests left live has lost its workflow, and prints any
// that has.
func noLiveBindingWithoutWorkflow(ctx context.Context, store *db.Store) bool {
	res, err := invariants.CheckWorkflows(ctx, store, invariants.Workflows{Client: testTemporal.Client()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "invariants:", err)
		return false
	}
	for _, v := range res.Violations {
		fmt.Fprintf(os.Stderr, "invariant broken: %s: %s\n", res.Name, v)
	}
	return len(res.Violations) == 0
}
