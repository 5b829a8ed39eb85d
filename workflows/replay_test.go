package workflows_test

import (
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	. "gongji/workflows"
)

// recordedHistories are the BindingLifecycle histories in testdata/,
// recorded on a real dev server by record_test.go.
func recordedHistories(t *testing.T) []string {
	t.Helper()
	files := historyFiles(t, "binding_*.json")
	if len(files) < 3 {
		t.Fatalf("found %d recorded binding histories, want at least 3", len(files))
	}
	return files
}

func TestReplay_RecordedHistoriesOfEveryWorkflowStillReplay(t *testing.T) {
	files := historyFiles(t, "*.json")
	for _, prefix := range []string{"binding_", "settlement_completed", "settlement_reversed", "settlement_cancel", "premium_completed", "premium_reversed"} {
		if !slices.ContainsFunc(files, func(f string) bool { return strings.HasPrefix(filepath.Base(f), prefix) }) {
			t.Errorf("no recorded history named %s*", prefix)
		}
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflow(BindingLifecycle)
			r.RegisterWorkflow(Settlement)
			r.RegisterWorkflow(SettlementCancel)
			r.RegisterWorkflow(PremiumPayment)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, file); err != nil {
				t.Fatalf("replay: %v", err)
			}
		})
	}
}

// sleepFirstLifecycle is BindingLifecycle changed without versioning: it
// sleeps before anything else, a command the recorded histories lack.
func sleepFirstLifecycle(ctx workflow.Context, in BindingInput) error {
	if err := workflow.Sleep(ctx, time.Minute); err != nil {
		return err
	}
	return BindingLifecycle(ctx, in)
}

func TestReplay_UnversionedChangeIsCaughtAsNonDeterministic(t *testing.T) {
	for _, file := range recordedHistories(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(sleepFirstLifecycle, workflow.RegisterOptions{Name: BindingWorkflowName})
			quiet := log.NewStructuredLogger(slog.New(slog.DiscardHandler))
			err := r.ReplayWorkflowHistoryFromJSONFile(quiet, file)
			if err == nil || !strings.Contains(strings.ToLower(err.Error()), "nondeterministic") {
				t.Fatalf("replay of a non-deterministic change: %v, want a nondeterminism error", err)
			}
		})
	}
}
