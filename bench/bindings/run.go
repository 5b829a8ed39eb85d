package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"gongji/db"
	"gongji/db/dbtest"
	"gongji/domain"
	"gongji/worker"
)

const taskQueue = "gongji-bench-bindings"

// phase is the memory of the worker (this process) and of the server at
// one point of the run.
type phase struct {
	Name   string `json:"name"`
	Worker memory `json:"worker"`
	Server memory `json:"server"`
}

// result is what a run measured; it is written as JSON.
type result struct {
	Params         params    `json:"params"`
	StartedAt      time.Time `json:"started_at"`
	Host           host      `json:"host"`
	LoadS          float64   `json:"load_s"`
	StartS         float64   `json:"start_s"`
	StartRate      float64   `json:"start_rate_per_s"`
	DueAt          time.Time `json:"due_at"`
	IdleBeforeDueS float64   `json:"idle_before_due_s"`
	AllExpiredS    float64   `json:"all_expired_after_due_s"`
	ExpiryLag      lags      `json:"expiry_visible_lag"`
	NoticeLag      lags      `json:"notice_visible_lag"`
	Phases         []phase   `json:"phases"`
	ServerDBMiB    float64   `json:"server_sqlite_mib"`
}

type host struct {
	CPUs     int    `json:"cpus"`
	Go       string `json:"go"`
	Postgres string `json:"postgres"`
	Temporal string `json:"temporal_cli"`
	Commit   string `json:"commit"`
}

func run(ctx context.Context, p params) error {
	r := result{Params: p, StartedAt: time.Now().UTC()}
	r.Host = host{CPUs: runtime.NumCPU(), Go: runtime.Version(), Temporal: commandLine(p.TemporalCLI, "--version"),
		Commit: commandLine("git", "describe", "--always", "--dirty=+dirty")}

	say("starting the Temporal dev server (%s)", map[bool]string{false: "in memory", true: "SQLite file"}[p.DBFile])
	srv, err := startDevServer(ctx, p.TemporalCLI, p.DBFile)
	if err != nil {
		return err
	}
	defer srv.stop()
	tc, err := srv.client()
	if err != nil {
		return err
	}
	defer tc.Close()

	dbURL, drop, err := dbtest.CreateOn(ctx, p.Postgres)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer drop()
	conn, err := db.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.GetContext(ctx, &r.Host.Postgres, `SHOW server_version`); err != nil {
		return err
	}

	now := time.Now()
	until := domain.DateOf(now).AddDays(1)
	say("loading %d families and active bindings", p.N)
	fams, err := loadFamilies(ctx, conn, p.N, until, now)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	r.LoadS = time.Since(now).Seconds()
	snap := func(name string) {
		w, _ := selfMemory()
		s, _ := processMemory(srv.pid())
		r.Phases = append(r.Phases, phase{Name: name, Worker: w, Server: s})
	}
	snap("loaded")

	if p.StickyCache > 0 {
		sdkworker.SetStickyWorkflowCacheSize(p.StickyCache)
	}
	w := newWorker(tc, taskQueue, worker.BuiltinDeps(db.NewStore(conn), nil), p.Pollers)
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()

	due := time.Now().Add(p.ExpireIn).Truncate(time.Second)
	r.DueAt = due.UTC()
	say("starting %d workflows, %d at a time, %d of them due to expire at %s, the others a year later",
		p.N, p.Concurrency, p.Batch, due.Format(time.TimeOnly))
	took, err := startWorkflows(ctx, tc, taskQueue, fams[:p.Batch], until, due, now, p.Concurrency)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	later, err := startWorkflows(ctx, tc, taskQueue, fams[p.Batch:], until, due.AddDate(1, 0, 0), now, p.Concurrency)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	took += later
	r.StartS, r.StartRate = took.Seconds(), float64(p.N)/took.Seconds()
	snap("started")
	r.IdleBeforeDueS = time.Until(due).Seconds()
	if r.IdleBeforeDueS < 10 {
		say("warning: the starts ended %.0fs before the due instant; raise -expire-in", r.IdleBeforeDueS)
	}
	if err := sleepUntil(ctx, due.Add(-2*time.Second)); err != nil {
		return err
	}
	snap("waiting: all timers armed")

	if err := awaitExpiry(ctx, conn, p.Batch, due, p.ExpiryTimeout); err != nil {
		return err
	}
	snap("all expired")
	if r.ExpiryLag, r.NoticeLag, err = expiryLags(ctx, conn, due); err != nil {
		return err
	}
	r.AllExpiredS = r.ExpiryLag.Max
	r.ServerDBMiB = srv.dbFileMiB()
	report(os.Stdout, r)
	return writeJSON(p.Out, r)
}

// newWorker is the worker as `gongji worker` runs it, or with the given
// number of pollers of each kind.
func newWorker(c client.Client, queue string, deps worker.Deps, pollers int) sdkworker.Worker {
	if pollers == 0 {
		return worker.New(c, queue, deps)
	}
	w := sdkworker.New(c, queue, sdkworker.Options{
		MaxConcurrentWorkflowTaskPollers: pollers, MaxConcurrentActivityTaskPollers: pollers,
	})
	worker.Register(w, deps)
	return w
}

func sleepUntil(ctx context.Context, t time.Time) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(t)):
		return nil
	}
}

// commandLine is the first line a command prints, or "" when it fails.
func commandLine(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}
