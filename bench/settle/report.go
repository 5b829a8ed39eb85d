package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"gongji/domain"
	"gongji/workflows"
)

// result is what a bench run writes to bench/results.
type result struct {
	StartedAt  time.Time     `json:"started_at"`
	Commit     string        `json:"commit"`
	Host       hostInfo      `json:"host"`
	Params     params        `json:"params"`
	Levels     []levelResult `json:"levels"`
	History    historyCount  `json:"settlement_history"`
	Invariants string        `json:"invariant_violation,omitempty"`
}

type hostInfo struct {
	Name       string `json:"name"`
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Go         string `json:"go"`
}

// levelResult is one concurrency level: the settlement and both floors.
type levelResult struct {
	Concurrency   int    `json:"concurrency"`
	Settlement    Stats  `json:"settlement"`
	FloorSteps    Stats  `json:"floor_a_activities"`
	FloorWorkflow Stats  `json:"floor_b_empty_workflow"`
	Ratios        ratios `json:"ratios"`
}

// ratios compare the settlement with floor (b): the targets are
// p50 ≤ 3 and throughput ≥ 1/3.
type ratios struct {
	P50VsEmptyWorkflow        float64 `json:"p50_settlement_over_floor_b"`
	ThroughputVsEmptyWorkflow float64 `json:"throughput_settlement_over_floor_b"`
	P50VsSteps                float64 `json:"p50_settlement_over_floor_a"`
}

func (l *levelResult) setRatios() {
	div := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return round2(a / b)
	}
	l.Ratios = ratios{
		P50VsEmptyWorkflow:        div(l.Settlement.P50Ms, l.FloorWorkflow.P50Ms),
		ThroughputVsEmptyWorkflow: div(l.Settlement.Throughput, l.FloorWorkflow.Throughput),
		P50VsSteps:                div(l.Settlement.P50Ms, l.FloorSteps.P50Ms),
	}
}

// historyCount says where a settlement's round trips go: its workflow
// tasks, activity tasks and local activities (markers).
type historyCount struct {
	WorkflowID      string `json:"workflow_id"`
	Events          int    `json:"events"`
	WorkflowTasks   int    `json:"workflow_tasks"`
	Activities      int    `json:"activities"`
	LocalActivities int    `json:"local_activities"`
	// Timeline is each event with its milliseconds since the first.
	Timeline []string `json:"timeline"`
}

// localActivityMarker names the marker the SDK records for a local activity.
const localActivityMarker = "LocalActivity"

func settlementHistory(ctx context.Context, tc client.Client, inst domain.InstitutionCode, visitNo string) (historyCount, error) {
	h := historyCount{WorkflowID: workflows.SettlementWorkflowID(inst, visitNo)}
	it := tc.GetWorkflowHistory(ctx, h.WorkflowID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var first time.Time
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return h, err
		}
		at := e.GetEventTime().AsTime()
		if h.Events == 0 {
			first = at
		}
		h.Events++
		name := strings.TrimPrefix(e.GetEventType().String(), "EVENT_TYPE_")
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
			name += " " + a.GetActivityType().GetName()
		}
		if m := e.GetMarkerRecordedEventAttributes(); m != nil {
			name += " " + m.GetMarkerName()
		}
		h.Timeline = append(h.Timeline, fmt.Sprintf("%7.1f %s", float64(at.Sub(first).Microseconds())/1000, name))
		switch e.GetEventType() {
		case enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			h.WorkflowTasks++
		case enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			h.Activities++
		case enums.EVENT_TYPE_MARKER_RECORDED:
			if e.GetMarkerRecordedEventAttributes().GetMarkerName() == localActivityMarker {
				h.LocalActivities++
			}
		}
	}
	return h, nil
}

func printTable(w io.Writer, r result) {
	fmt.Fprintf(w, "\nsettlement bench %s  commit %s  %d CPUs  %d families  %gs per run (+%gs warm-up)  %s\n\n",
		r.StartedAt.Format(time.RFC3339), r.Commit, r.Host.CPUs, r.Params.Families, r.Params.DurationS, r.Params.WarmupS, r.Params.Label)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "conc\tkind\tn\terr\tp50 ms\tp95 ms\tp99 ms\tper s\t")
	for _, l := range r.Levels {
		for _, k := range []struct {
			name string
			s    Stats
		}{{"settlement", l.Settlement}, {"floor a: activities", l.FloorSteps}, {"floor b: empty wf", l.FloorWorkflow}} {
			fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t\n", l.Concurrency, k.name, k.s.Count, k.s.Errors, k.s.P50Ms, k.s.P95Ms, k.s.P99Ms, k.s.Throughput)
		}
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "conc\tp50 settlement/floor b (target ≤ 3)\tthroughput settlement/floor b (target ≥ 0.33)\tp50 settlement/floor a\t")
	for _, l := range r.Levels {
		fmt.Fprintf(tw, "%d\t%.2f\t%.2f\t%.2f\t\n", l.Concurrency, l.Ratios.P50VsEmptyWorkflow, l.Ratios.ThroughputVsEmptyWorkflow, l.Ratios.P50VsSteps)
	}
	_ = tw.Flush()
	h := r.History
	fmt.Fprintf(w, "\none settlement (%s): %d events, %d workflow tasks, %d activities, %d local activities\n\n",
		h.WorkflowID, h.Events, h.WorkflowTasks, h.Activities, h.LocalActivities)
	for _, e := range h.Timeline {
		fmt.Fprintln(w, "  "+e)
	}
	fmt.Fprintln(w)
}

// writeJSON writes r to dir/settle-<UTC time>.json and returns the path.
func writeJSON(dir string, r result) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "settle-"+r.StartedAt.Format("20060102T150405Z")+".json")
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, append(raw, '\n'), 0o644)
}
