package activities

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"gongji/db"
	"gongji/domain"
)

// fakeRepairStore lists live binding ids in id order and records
// closures.
type fakeRepairStore struct {
	live   []string
	closed []db.Closure
}

func (f *fakeRepairStore) LiveBindingsIdle(_ context.Context, after string, _ time.Duration, limit int) ([]string, error) {
	var out []string
	for _, id := range f.live {
		if id > after && len(out) < limit {
			out = append(out, id)
		}
	}
	return out, nil
}

func (f *fakeRepairStore) CloseBindingWithoutWorkflow(_ context.Context, c db.Closure) (bool, error) {
	f.closed = append(f.closed, c)
	return true, nil
}

// fakeTemporal knows the status of some workflows; the others are
// missing.
type fakeTemporal struct {
	client.Client // unused methods panic
	status        map[string]enums.WorkflowExecutionStatus
}

func (f fakeTemporal) DescribeWorkflowExecution(_ context.Context, id, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	st, ok := f.status[id]
	if !ok {
		return nil, serviceerror.NewNotFound("workflow not found")
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{
		WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{Status: st},
	}, nil
}

func TestBindingRepair_ClosesTheBindingsWhoseWorkflowIsNotRunning(t *testing.T) {
	store := &fakeRepairStore{live: []string{"a", "b", "c"}}
	a := &BindingRepair{
		Store: store, WorkflowID: func(id string) string { return "wf-" + id },
		Temporal: fakeTemporal{status: map[string]enums.WorkflowExecutionStatus{
			"wf-a": enums.WORKFLOW_EXECUTION_STATUS_RUNNING,
			"wf-c": enums.WORKFLOW_EXECUTION_STATUS_TERMINATED,
		}},
	}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	v, err := env.ExecuteActivity(a.CloseOrphanBindings, domain.RepairRequest{Idle: time.Minute, BatchSize: 2})
	if err != nil {
		t.Fatalf("CloseOrphanBindings: %v", err)
	}
	var res domain.RepairResult
	if err := v.Get(&res); err != nil {
		t.Fatal(err)
	}
	if res != (domain.RepairResult{Checked: 3, Closed: 2}) {
		t.Fatalf("result %+v, want 3 checked, 2 closed", res)
	}
	type closure struct{ id, by, reason, key string }
	var got []closure
	for _, c := range store.closed {
		got = append(got, closure{c.BindingID, c.By, c.Reason, c.EventKey})
	}
	want := []closure{
		{"b", RepairActor, NoWorkflowReason + ": no workflow", "b:terminated:no-workflow"},
		{"c", RepairActor, NoWorkflowReason + ": " + enums.WORKFLOW_EXECUTION_STATUS_TERMINATED.String(), "c:terminated:no-workflow"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("closed %+v, want %+v", got, want)
	}
}
