// Command settle benchmarks settlements end to end: it starts its own
// Temporal dev server and PostgreSQL database, loads thousands of families,
// runs the worker and the API in this process, and drives settlements
// through HTTP at several concurrency levels for a fixed time each. In the
// same run it measures two floors: (a) the same database work without
// Temporal or HTTP (the settlement row, then the saga's activities called as
// plain functions), (b) an empty workflow's start-to-result round trip on
// the same server and worker. It prints a table and writes
// JSON to bench/results/settle-<UTC time>.json. `make bench` runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// params are the bench's settings, as given on the command line.
type params struct {
	Families    int           `json:"families"`
	Concurrency []int         `json:"concurrency"`
	Duration    time.Duration `json:"-"`
	Warmup      time.Duration `json:"-"`
	DurationS   float64       `json:"duration_s"`
	WarmupS     float64       `json:"warmup_s"`
	Label       string        `json:"label"`
	Out         string        `json:"-"`
}

func main() {
	var p params
	var levels string
	flag.IntVar(&p.Families, "families", 5000, "families (holder + bound child) to load, at most 25000")
	flag.StringVar(&levels, "concurrency", "1,8,32", "comma-separated concurrency levels")
	flag.DurationVar(&p.Duration, "duration", 20*time.Second, "measured time per kind and concurrency level")
	flag.DurationVar(&p.Warmup, "warmup", 3*time.Second, "unmeasured warm-up before each measurement")
	flag.StringVar(&p.Label, "label", "", "what this run measures (e.g. the change under test); stored in the JSON")
	flag.StringVar(&p.Out, "out", "bench/results", "directory for the JSON result")
	flag.Parse()
	var err error
	if p.Concurrency, err = parseLevels(levels); err == nil && (p.Families < 1 || p.Families > 25000) {
		err = errors.New("-families must be 1 to 25000")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "settle:", err)
		os.Exit(2)
	}
	p.DurationS, p.WarmupS = p.Duration.Seconds(), p.Warmup.Seconds()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, p); err != nil {
		fmt.Fprintln(os.Stderr, "settle:", err)
		os.Exit(1)
	}
}

func parseLevels(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-concurrency: %q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}
