// Command bindings benchmarks many live bindings: it starts its own
// Temporal dev server (a child process, so that its memory can be read),
// creates its own PostgreSQL database, loads N active bindings in bulk,
// starts N BindingLifecycle workflows in state active (as an import of
// existing bindings would) all due to expire at the same instant, runs the
// worker in this process, and measures the start rate, the worker's and
// the server's memory, and the lag between the due instant and each
// expiry being visible in PostgreSQL. It prints a table and writes JSON to
// bench/results/bindings-<N>-<UTC time>.json. `make bench-bindings` runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// params are the bench's settings, as given on the command line.
type params struct {
	N             int           `json:"n"`
	Batch         int           `json:"expiring_batch"`
	Concurrency   int           `json:"start_concurrency"`
	StickyCache   int           `json:"sticky_cache_size"`
	Pollers       int           `json:"pollers"`
	ExpireIn      time.Duration `json:"-"`
	ExpireInS     float64       `json:"expire_in_s"`
	ExpiryTimeout time.Duration `json:"-"`
	Postgres      string        `json:"-"`
	TemporalCLI   string        `json:"-"`
	DBFile        bool          `json:"temporal_sqlite_file"`
	Label         string        `json:"label"`
	Out           string        `json:"-"`
}

func main() {
	var p params
	flag.IntVar(&p.N, "n", 10000, "bindings (and workflows) to start")
	flag.IntVar(&p.Batch, "batch", 0, "how many of the bindings expire together at the due instant; the others a year later (0: all)")
	flag.IntVar(&p.Concurrency, "concurrency", 32, "workflow starts in flight at once")
	flag.IntVar(&p.StickyCache, "sticky-cache", 0, "worker sticky workflow cache size (0: the SDK default)")
	flag.IntVar(&p.Pollers, "pollers", 0, "workflow and activity task pollers each (0: as `gongji worker`)")
	flag.DurationVar(&p.ExpireIn, "expire-in", 0, "due instant of every expiry, from the first start (0: 90s + 6ms per binding)")
	flag.DurationVar(&p.ExpiryTimeout, "expiry-timeout", 20*time.Minute, "give up when not all have expired this long after the due instant")
	flag.StringVar(&p.Postgres, "postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		"a URL of the PostgreSQL server; the bench creates and drops a database of its own there")
	flag.StringVar(&p.TemporalCLI, "temporal", "bin/temporal", "the temporal CLI that runs the dev server")
	flag.BoolVar(&p.DBFile, "temporal-db-file", false, "keep the dev server's state in a SQLite file in a temp dir instead of in memory")
	flag.StringVar(&p.Label, "label", "", "what this run measures; stored in the JSON")
	flag.StringVar(&p.Out, "out", "bench/results", "directory for the JSON result")
	flag.Parse()
	if p.N < 1 || p.Concurrency < 1 || p.StickyCache < 0 || p.Pollers < 0 || p.Batch < 0 || p.Batch > p.N {
		fmt.Fprintln(os.Stderr, "bindings:", errors.New("-n and -concurrency must be positive, -sticky-cache and -pollers not negative, -batch at most -n"))
		os.Exit(2)
	}
	if p.Batch == 0 {
		p.Batch = p.N
	}
	if p.ExpireIn == 0 {
		p.ExpireIn = 90*time.Second + time.Duration(p.N)*6*time.Millisecond
	}
	p.ExpireInS = p.ExpireIn.Seconds()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, p); err != nil {
		fmt.Fprintln(os.Stderr, "bindings:", err)
		os.Exit(1)
	}
}

// say prints a progress line on stderr.
func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s bindings: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
