package api

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"gongji/domain"
)

func TestPatchBinding_LimitBelowThisYearsUsage_IsRefusedAndChangesNothing(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.approvedBinding(f, map[string]any{"annual_limit": "500.00"})
	if _, err := a.store.DB().ExecContext(context.Background(),
		`INSERT INTO binding_usage (binding_id, year, used) VALUES ($1, $2, 120.50)`, b.ID, testNow.Year()); err != nil {
		t.Fatal(err)
	}
	res := a.do(request{method: "PATCH", path: "/v1/bindings/" + b.ID, token: f.holderToken, body: map[string]any{"annual_limit": "120.49"}})
	res.expect(t, 422, domain.CodeLimitBelowUsage)
	got := a.getBinding(f.holderToken, b.ID)
	if got.AnnualLimit == nil || *got.AnnualLimit != "500.00" || got.UsedThisYear != "120.50" {
		t.Fatalf("after a refused PATCH: limit %s used %s, want 500.00 and 120.50", strPtr(got.AnnualLimit), got.UsedThisYear)
	}
	a.do(request{method: "PATCH", path: "/v1/bindings/" + b.ID, token: f.holderToken, body: map[string]any{"annual_limit": "120.50"}}).expect(t, 200, "")
}

// plantUsage records a binding's usage of a calendar year.
func (a *testAPI) plantUsage(bindingID string, year int, used string) {
	a.t.Helper()
	if _, err := a.store.DB().ExecContext(context.Background(),
		`INSERT INTO binding_usage (binding_id, year, used) VALUES ($1, $2, $3)`, bindingID, year, used); err != nil {
		a.t.Fatal(err)
	}
}

// A new limit is compared with the usage of the API's year, the year of the
// change: last year's usage, however high, does not count.
func TestPatchBinding_LimitIsComparedWithThisYearsUsageNotLastYears(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.approvedBinding(f, map[string]any{"annual_limit": "1000.00"})
	a.plantUsage(b.ID, testNow.Year()-1, "900.00")
	a.plantUsage(b.ID, testNow.Year(), "100.00")

	patch := func(limit string) response {
		return a.do(request{method: "PATCH", path: "/v1/bindings/" + b.ID, token: f.holderToken, body: map[string]any{"annual_limit": limit}})
	}
	patch("99.99").expect(t, 422, domain.CodeLimitBelowUsage)
	res := patch("500.00")
	res.expect(t, 200, "")
	var got bindingBody
	res.json(t, &got)
	if got.AnnualLimit == nil || *got.AnnualLimit != "500.00" || got.UsedThisYear != "100.00" {
		t.Fatalf("after a limit below last year's usage only: limit %s used %s, want 500.00 and 100.00", strPtr(got.AnnualLimit), got.UsedThisYear)
	}
}

// The workflow's write checks the usage of the year the API's clock gives
// it, not of the year of the workflow's own clock: a year after the real
// one, last (the real) year's usage does not refuse the change.
func TestPatchBinding_WorkflowComparesWithTheAPIsYear(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.approvedBinding(f, map[string]any{"annual_limit": "1000.00"})
	nextYear := testNow.AddDate(1, 0, 0)
	a.plantUsage(b.ID, testNow.Year(), "900.00")
	a.plantUsage(b.ID, domain.DateOf(nextYear).Year, "100.00")

	later := newTestAPIWith(t, func(d *Deps) { d.Now = func() time.Time { return nextYear } })
	holder, err := IssueToken(testSecret, domain.RoleInsured, string(f.holder), time.Hour, nextYear)
	if err != nil {
		t.Fatal(err)
	}
	patch := func(limit string) response {
		return later.do(request{method: "PATCH", path: "/v1/bindings/" + b.ID, token: holder, body: map[string]any{"annual_limit": limit}})
	}
	patch("500.00").expect(t, 200, "")
	patch("99.99").expect(t, 422, domain.CodeLimitBelowUsage)
	if got := later.getBinding(holder, b.ID); got.AnnualLimit == nil || *got.AnnualLimit != "500.00" || got.UsedThisYear != "100.00" {
		t.Fatalf("limit %s used %s, want 500.00 and 100.00", strPtr(got.AnnualLimit), got.UsedThisYear)
	}
}

// usageLandsBeforeUpdates is the real Temporal client, except that before
// it sends a workflow update it runs land: a settlement's usage landing
// between the API's check and the workflow's change.
type usageLandsBeforeUpdates struct {
	Temporal
	land func()
}

func (u usageLandsBeforeUpdates) UpdateWorkflow(ctx context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	u.land()
	return u.Temporal.UpdateWorkflow(ctx, o)
}

// A limit the API let through is still refused, with the same code and
// nothing changed, when this year's usage rose above it before the
// workflow wrote it.
func TestPatchBinding_UsageRisesAfterTheAPIsCheck_WorkflowRefusesWithTheSameCode(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.approvedBinding(f, map[string]any{"annual_limit": "1000.00"})
	a.plantUsage(b.ID, testNow.Year()-1, "900.00")
	a.plantUsage(b.ID, testNow.Year(), "100.00")
	racing := newTestAPIWith(t, func(d *Deps) {
		d.Temporal = usageLandsBeforeUpdates{Temporal: d.Temporal, land: func() {
			if _, err := a.store.DB().ExecContext(context.Background(),
				`UPDATE binding_usage SET used = 300.00 WHERE binding_id = $1 AND year = $2`, b.ID, testNow.Year()); err != nil {
				t.Error(err)
			}
		}}
	})
	res := racing.do(request{method: "PATCH", path: "/v1/bindings/" + b.ID, token: f.holderToken, body: map[string]any{"annual_limit": "200.00"}})
	res.expect(t, 422, domain.CodeLimitBelowUsage)
	got := a.getBinding(f.holderToken, b.ID)
	if got.AnnualLimit == nil || *got.AnnualLimit != "1000.00" || got.UsedThisYear != "300.00" {
		t.Fatalf("after a refused change: limit %s used %s, want 1000.00 and 300.00", strPtr(got.AnnualLimit), got.UsedThisYear)
	}
	a.do(request{method: "PATCH", path: "/v1/bindings/" + b.ID, token: f.holderToken, body: map[string]any{"annual_limit": "300.00"}}).expect(t, 200, "")
}
