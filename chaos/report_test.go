package chaos

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"gongji/internal/invariants"
)

// runReport is what `make test-chaos` prints: what the run did, then the
// invariants.
type runReport struct {
	params     params
	wall, prep time.Duration
	pop        population
	results    []visitResult
	worker     workerStats
	faults     faultStats
	retries    int64
	invariants invariants.Report
}

func (r runReport) write(w io.Writer) error {
	fmt.Fprintf(w, "chaos run: seed %d (rerun: -chaos.seed=%d), %s wall, %s set-up; GONGJI_TOPUP_TIMEOUT %s\n",
		r.params.Seed, r.params.Seed, r.wall.Round(time.Second), r.prep.Round(time.Second), r.params.TopupTimeout)
	fmt.Fprintf(w, "population: %d holders, %d patients, %d active bindings, %d institutions\n\n",
		len(r.pop.holders), len(r.pop.patients), r.pop.bindings, len(r.pop.institutions))
	status := map[string]int{}
	flows := [flowCount]int{}
	var accepted, cancels, resends, unfinished int
	for _, v := range r.results {
		flows[v.plan.flow]++
		switch {
		case v.err != nil:
			unfinished++
		default:
			status[v.final.Status]++
		}
		if v.topupAccepted {
			accepted++
		}
		if v.cancelRequested {
			cancels++
		}
		if v.plan.resend {
			resends++
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(what string, n any) { fmt.Fprintf(tw, "%s\t%v\t\n", what, n) }
	row("settlements started", len(r.results))
	for _, s := range []string{"completed", "reversed", "cancelled", "failed"} {
		row("  ended "+s, status[s])
	}
	row("  not followed to the end", unfinished)
	for f, n := range flows {
		row("  flow: "+flowNames[f], n)
	}
	row("cash top-ups accepted", accepted)
	row("cancellations (退费) asked", cancels)
	row("visits sent twice", resends)
	row("worker SIGKILLs", r.worker.Kills)
	row("worker starts", r.worker.Starts)
	row("worker exits on its own", r.worker.OwnExits)
	row("Temporal restarts", r.faults.TemporalRestarts)
	row("PostgreSQL terminate rounds", r.faults.PGRounds)
	row("PostgreSQL connections ended", r.faults.PGBackends)
	row("requests sent again (5xx, no answer)", r.retries)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nfaults:")
	for _, l := range r.faults.Log {
		fmt.Fprintln(w, "  "+l)
	}
	for _, e := range r.worker.Exits {
		fmt.Fprintln(w, "  worker exited on its own: "+e)
	}
	fmt.Fprintln(w)
	return r.invariants.WriteTable(w)
}
