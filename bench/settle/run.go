package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"gongji/api"
	"gongji/db"
	"gongji/db/dbtest"
	"gongji/domain"
	"gongji/internal/demo"
	"gongji/internal/temporaltest"
	"gongji/sim"
	"gongji/worker"
)

const taskQueue = "gongji-bench"

// run sets up the servers and data, measures every kind at every level and
// reports. The worker and the API run in this process, as `gongji dev`
// runs them for `make run`: one binary to start and stop, one database
// pool, and the HTTP calls still go through a real loopback socket.
func run(ctx context.Context, p params) error {
	started := time.Now().UTC()
	say("starting the Temporal dev server")
	srv, err := temporaltest.Start(ctx)
	if err != nil {
		return fmt.Errorf("temporal dev server: %w", err)
	}
	defer func() { _ = srv.Stop() }()
	tc := srv.Client()

	say("creating and migrating a database on %s", redact(dbtest.AdminURL()))
	dbURL, drop, err := dbtest.Create(ctx)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer drop()
	conn, err := db.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close()
	store := db.NewStore(conn)
	today := domain.DateOf(time.Now())

	t0 := time.Now()
	families, err := loadFamilies(ctx, store, p.Families, today)
	if err != nil {
		return err
	}
	say("loaded %d families in %s", len(families), time.Since(t0).Round(time.Millisecond))

	deps := worker.BuiltinDeps(store, nil)
	w := worker.New(tc, taskQueue, deps)
	w.RegisterWorkflow(Empty)
	if err := w.Start(); err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	defer w.Stop()

	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	handler := api.NewHandler(api.Deps{Store: store, Temporal: tc, Premiums: sim.Premiums{DB: store.DB()}, TaskQueue: taskQueue, JWTSecret: secret,
		Logger: slog.New(slog.DiscardHandler)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	token, err := api.IssueToken(secret, domain.RoleInstitution, string(demo.Hospital), 24*time.Hour, time.Now())
	if err != nil {
		return err
	}

	runID := runLabel()
	st := &settler{
		base: "http://" + ln.Addr().String(), token: token, families: families, today: today, run: runID,
		http: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 0}},
	}
	floorA := newStepsFloor(deps, families, today, runID)
	floorB := &emptyRunner{client: tc, taskQueue: taskQueue, run: runID}

	var seq atomic.Int64
	next := func() int64 { return seq.Add(1) }
	measure := func(name string, o op, c int) (Stats, error) {
		lat, errs, elapsed, firstErr := drive(ctx, o, c, p.Warmup, p.Duration, next)
		s := summarise(lat, errs, elapsed)
		say("%-10s c=%-3d n=%-6d p50=%.1fms p95=%.1fms p99=%.1fms %.1f/s errors=%d", name, c, s.Count, s.P50Ms, s.P95Ms, s.P99Ms, s.Throughput, errs)
		if firstErr != nil {
			say("  first error: %v", firstErr)
		}
		if ctx.Err() != nil {
			return s, ctx.Err()
		}
		if s.Count == 0 {
			return s, fmt.Errorf("%s at concurrency %d: nothing succeeded: %v", name, c, firstErr)
		}
		return s, nil
	}

	res := result{StartedAt: started, Params: p, Host: host(), Commit: commit()}
	for _, c := range p.Concurrency {
		var lr levelResult
		lr.Concurrency = c
		if lr.Settlement, err = measure("settlement", st.settle, c); err != nil {
			return err
		}
		if lr.FloorSteps, err = measure("floor-a", floorA.settle, c); err != nil {
			return err
		}
		if lr.FloorWorkflow, err = measure("floor-b", floorB.roundTrip, c); err != nil {
			return err
		}
		lr.setRatios()
		res.Levels = append(res.Levels, lr)
	}
	if res.History, err = settlementHistory(ctx, tc, demo.Hospital, st.visitNo(st.last.Load())); err != nil {
		say("could not read a settlement's history: %v", err)
	}
	if res.Invariants, err = checkLedger(ctx, store); err != nil {
		return err
	}
	printTable(os.Stdout, res)
	path, err := writeJSON(p.Out, res)
	if err != nil {
		return err
	}
	say("wrote %s", path)
	if res.Invariants != "" {
		return errors.New(res.Invariants)
	}
	return nil
}

// checkLedger fails the run if the ledger does not add up afterwards.
func checkLedger(ctx context.Context, store *db.Store) (string, error) {
	bad, err := store.LedgerMismatches(ctx)
	if err != nil {
		return "", err
	}
	if len(bad) > 0 {
		return fmt.Sprintf("%d accounts do not equal opening balance + entries", len(bad)), nil
	}
	return "", nil
}

// redact hides a password in a database URL.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// commit names the checkout the bench ran on, "+dirty" when it has changes.
func commit() string {
	out, err := exec.Command("git", "describe", "--always", "--dirty=+dirty").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func runLabel() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func host() hostInfo {
	name, _ := os.Hostname()
	return hostInfo{Name: name, CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version()}
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "settle: "+format+"\n", args...)
}
