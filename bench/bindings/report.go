package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
)

// report prints the run as a table.
func report(out io.Writer, r result) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "bindings\t%d\n", r.Params.N)
	fmt.Fprintf(tw, "load (SQL, set-based)\t%.1f s\n", r.LoadS)
	fmt.Fprintf(tw, "start\t%.1f s, %.0f workflows/s (%d in flight)\n", r.StartS, r.StartRate, r.Params.Concurrency)
	fmt.Fprintf(tw, "idle before due\t%.0f s\n", r.IdleBeforeDueS)
	l := r.ExpiryLag
	fmt.Fprintf(tw, "expiry visible after due\tp50 %.2f s  p95 %.2f s  p99 %.2f s  max %.2f s (min %.2f s)\n", l.P50, l.P95, l.P99, l.Max, l.Min)
	l = r.NoticeLag
	fmt.Fprintf(tw, "notice visible after due\tp50 %.2f s  p95 %.2f s  p99 %.2f s  max %.2f s\n", l.P50, l.P95, l.P99, l.Max)
	fmt.Fprintf(tw, "server SQLite files\t%.0f MiB\n", r.ServerDBMiB)
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "memory (MiB)\tworker RSS\tworker peak\tGo heap\tgoroutines\tserver RSS\tserver peak")
	for _, p := range r.Phases {
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.0f\t%d\t%.0f\t%.0f\n", p.Name, p.Worker.RSS, p.Worker.PeakRSS,
			p.Worker.GoHeapInuse, p.Worker.GoGoroutines, p.Server.RSS, p.Server.PeakRSS)
	}
	_ = tw.Flush()
}

// writeJSON stores the result as bindings-<N>-<UTC time>.json in dir.
func writeJSON(dir string, r result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, fmt.Sprintf("bindings-%d-%s.json", r.Params.N, r.StartedAt.Format("20060102T150405Z")))
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return err
	}
	say("wrote %s", path)
	return nil
}
