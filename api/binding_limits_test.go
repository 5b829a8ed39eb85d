package api

import (
	"context"
	"testing"

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
		t.Fatalf("after a refused PATCH: limit %v used %s, want 500.00 and 120.50", got.AnnualLimit, got.UsedThisYear)
	}
	a.do(request{method: "PATCH", path: "/v1/bindings/" + b.ID, token: f.holderToken, body: map[string]any{"annual_limit": "120.50"}}).expect(t, 200, "")
}
