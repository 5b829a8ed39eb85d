package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"gongji/domain"
)

// The repair runs its one activity with the schedule's idle time and
// returns what it closed; a failing activity is retried, and a run that
// keeps failing ends in error for the next scheduled run to take over.
func TestBindingRepair(t *testing.T) {
	for _, tt := range []struct {
		name     string
		failures int
		want     domain.RepairResult
		wantErr  bool
		attempts int
	}{
		{"closes what it finds", 0, domain.RepairResult{Checked: 7, Closed: 2}, false, 1},
		{"retried after a failure", 2, domain.RepairResult{Checked: 7, Closed: 2}, false, 3},
		{"gives up after five attempts", 99, domain.RepairResult{}, true, 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ts testsuite.WorkflowTestSuite
			env := ts.NewTestWorkflowEnvironment()
			attempts := 0
			var got domain.RepairRequest
			env.RegisterActivityWithOptions(func(_ context.Context, r domain.RepairRequest) (domain.RepairResult, error) {
				attempts++
				got = r
				if attempts <= tt.failures {
					return domain.RepairResult{}, errors.New("temporal unavailable")
				}
				return domain.RepairResult{Checked: 7, Closed: 2}, nil
			}, activity.RegisterOptions{Name: "CloseOrphanBindings"})
			env.ExecuteWorkflow(BindingRepair, BindingRepairInput{Idle: 10 * time.Minute})

			if !env.IsWorkflowCompleted() {
				t.Fatal("the repair did not end")
			}
			err := env.GetWorkflowError()
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if attempts != tt.attempts || got.Idle != 10*time.Minute {
				t.Fatalf("%d attempts with %+v, want %d with idle 10m", attempts, got, tt.attempts)
			}
			if !tt.wantErr {
				var out domain.RepairResult
				if err := env.GetWorkflowResult(&out); err != nil || out != tt.want {
					t.Fatalf("result %+v (%v), want %+v", out, err, tt.want)
				}
			}
		})
	}
}
