package chaos

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"gongji/domain"
	"gongji/internal/invariants"
)

// runReport is what `make test-chaos` prints: what the run did, then the
// invariants.
type runReport struct {
	params     params
	wall, prep time.Duration
	pop        population
	years      []premium
	results    []visitResult
	premiums   []premiumResult
	changes    []changeResult
	late       map[domain.IDNumber][]lateDebit
	credits    int
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
	var accepted, cancels, resends, unfinished, refused int
	for _, v := range r.results {
		flows[v.plan.flow]++
		switch {
		case v.refused != "":
			refused++
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
	row("  refused NO_ACTIVE_BINDING (its holders changed)", refused)
	row("  not followed to the end", unfinished)
	for f, n := range flows {
		row("  flow: "+flowNames[f], n)
	}
	row("cash top-ups accepted", accepted)
	row("cancellations (退费) asked", cancels)
	row("visits sent twice", resends)
	row(fmt.Sprintf("contributions credited (%d rounds)", creditRounds), r.credits)
	r.premiumRows(row)
	if len(r.changes) == 0 {
		row("holder changes recorded", "none (-chaos.holder-changes=N)")
	} else {
		row("holder changes recorded", len(r.changes))
		kinds := [changeKindCount]int{}
		for _, c := range r.changes {
			kinds[c.change.kind]++
		}
		for k, n := range kinds {
			row("  "+changeNames[k], n)
		}
	}
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
	if len(r.changes) > 0 {
		fmt.Fprintln(w, "\nholder changes (visits of the holder's children ended before / in flight / begun after; debits begun after):")
		for _, c := range r.changes {
			fmt.Fprintln(w, "  "+r.changeLine(c))
		}
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

// premiumRows adds the premium payments' rows: the years' premiums, how
// each payment ended, how it was sent.
func (r runReport) premiumRows(row func(string, any)) {
	var years []string
	for _, y := range r.years {
		years = append(years, fmt.Sprintf("%d: %s", y.Year, y.Amount))
	}
	row("premiums of the run's years", strings.Join(years, ", "))
	var completed, reversed, unfinished, counter, inProgress int
	refused := map[string]int{}
	reversedFor := map[string]int{}
	repeats := [repeatCount]int{}
	for _, p := range r.premiums {
		repeats[p.plan.repeat]++
		inProgress += p.inProgress
		if p.plan.counterBooked {
			counter++
		}
		switch {
		case p.err != nil:
			unfinished++
		case p.refused != "":
			refused[p.refused]++
		case p.final.Status == "completed":
			completed++
		case p.final.Status == "reversed":
			reversed++
			if p.final.Refusal != nil {
				reversedFor[p.final.Refusal.Code]++
			}
		}
	}
	row("premium payments sent", len(r.premiums))
	row("  paid (completed)", completed)
	row("  reversed", reversed)
	for _, code := range slices.Sorted(maps.Keys(reversedFor)) {
		row("    reversed "+code, reversedFor[code])
	}
	for _, code := range slices.Sorted(maps.Keys(refused)) {
		row("  refused "+code, refused[code])
	}
	row("  not followed to the end", unfinished)
	for k, n := range repeats {
		row("  one Idempotency-Key, sent "+repeatNames[k], n)
	}
	row("  repeats answered IDEMPOTENCY_IN_PROGRESS", inProgress)
	row("  booked at the counter first", counter)
}

// changeLine says when a holder's change was recorded and what ran for
// the holder's children around it.
func (r runReport) changeLine(c changeResult) string {
	children := map[domain.IDNumber]bool{}
	for _, pt := range r.pop.patients {
		for _, py := range pt.payers {
			if py.holder == c.change.holder {
				children[pt.id] = true
			}
		}
	}
	var before, during, after int
	for _, v := range r.results {
		switch {
		case !children[v.plan.patient] || c.at.IsZero():
		case v.ended.Before(c.at):
			before++
		case v.begun.After(c.at):
			after++
		default:
			during++
		}
	}
	at := "not recorded: " + fmt.Sprint(c.err)
	if c.err == nil {
		at = fmt.Sprintf("%s (+%.1fs, after visit %d)", c.at.In(domain.Beijing).Format("15:04:05.000"), c.sinceStart.Seconds(), c.startedBefore)
	}
	return fmt.Sprintf("%s %s, %d binding(s): %s; visits %d / %d / %d; debits after %d", c.change.holder, changeNames[c.change.kind],
		len(c.change.bindings), at, before, during, after, len(r.late[c.change.holder]))
}
