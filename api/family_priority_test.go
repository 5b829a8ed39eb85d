package api

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"gongji/domain"
)

// newMinorID returns an ID number no other test uses, of a child aged 10
// to 14 on the run's clock (under 16: no consent of their own is asked).
func newMinorID() domain.IDNumber {
	n := int(nextSeq.Add(1))
	birth := domain.DateOf(testNow).AddDays(-(3660 + n%1500))
	return domain.ComposeIDNumber("652722", birth, n%1000)
}

// syncMinor syncs a resident-insured child in 精河县.
func (a *testAPI) syncMinor() domain.IDNumber {
	a.t.Helper()
	id := newMinorID()
	if !id.IsMinorOn(domain.DateOf(testNow)) {
		a.t.Fatalf("%s is %d on %s", id, id.AgeOn(domain.DateOf(testNow)), domain.DateOf(testNow))
	}
	tok := a.admin()
	a.do(request{method: "PUT", path: "/v1/persons/" + string(id), token: tok, body: map[string]any{"name": "孩子" + string(id[14:])}}).expect(a.t, 200, "")
	a.do(request{method: "PUT", path: "/v1/persons/" + string(id) + "/enrolment", token: tok,
		body: map[string]any{"insutype": "390", "admdvs": "652722", "status": "normal", "arrears": false}}).expect(a.t, 200, "")
	return id
}

// sameDayAPIs are two APIs over the package's database whose clocks are a
// minute apart and both on settleDay (Beijing): of two bindings approved
// through them, the first's is the older, and both are active on
// settleDay, whatever the hour of the run.
func sameDayAPIs(t *testing.T) (first, second *testAPI) {
	t.Helper()
	at := func(now time.Time) *testAPI {
		return newTestAPIWith(t, func(d *Deps) { d.Now = func() time.Time { return now } })
	}
	if domain.DateOf(testNow.Add(time.Minute)) == settleDay {
		return at(testNow), at(testNow.Add(time.Minute))
	}
	return at(testNow.Add(-time.Minute)), at(testNow)
}

func familyPriorityPath(beneficiary domain.IDNumber) string {
	return "/v1/family/" + string(beneficiary) + "/priority"
}

// familyPriority reads a family member's payer order as the caller.
func (a *testAPI) familyPriority(token string, beneficiary domain.IDNumber) []string {
	a.t.Helper()
	res := a.do(request{method: "GET", path: familyPriorityPath(beneficiary), token: token})
	res.expect(a.t, 200, "")
	var p mePriorityBody
	res.json(a.t, &p)
	return p.BindingIDs
}

func (a *testAPI) putFamilyPriority(token string, beneficiary domain.IDNumber, body any) response {
	a.t.Helper()
	return a.do(request{method: "PUT", path: familyPriorityPath(beneficiary), token: token, body: body})
}

// priorityChanges is the recorded changes of the beneficiary's payer
// order, as "by [ids]" at its instant.
func (a *testAPI) priorityChanges(beneficiary domain.IDNumber) []string {
	a.t.Helper()
	changes, err := a.store.PriorityChanges(context.Background(), beneficiary)
	if err != nil {
		a.t.Fatal(err)
	}
	out := make([]string, len(changes))
	for i, c := range changes {
		out[i] = fmt.Sprintf("%s %v at %s", c.By, []string(c.BindingIDs), c.At.In(domain.Beijing).Format(time.RFC3339))
	}
	return out
}

// Both parents hold a binding to a child with no login: one sets the
// order, the other reads it, the settlement pays in it, and the change
// names who made it.
func TestFamilyPriority_AParentSetsAMinorsPayerOrder(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	inst := a.hospital()
	child := a.syncMinor()
	father := a.syncInsured("310", "652701", "normal", false, "1000.00", "normal")
	mother := a.syncInsured("310", "652701", "normal", false, "1000.00", "normal")
	// The mother's binding is requested a minute after the father's: his
	// is the older, first by default.
	first, second := sameDayAPIs(t)
	fathers := first.activeBinding(family{holder: father, beneficiary: child, holderToken: first.token(domain.RoleInsured, string(father))}, nil)
	mothers := second.activeBinding(family{holder: mother, beneficiary: child, holderToken: second.token(domain.RoleInsured, string(mother))}, nil)
	ff := family{holder: father, beneficiary: child, holderToken: a.token(domain.RoleInsured, string(father))}
	fm := family{holder: mother, beneficiary: child, holderToken: a.token(domain.RoleInsured, string(mother))}

	if got := a.familyPriority(ff.holderToken, child); !slices.Equal(got, []string{fathers.ID, mothers.ID}) {
		t.Fatalf("default order %v, want the father's (older) first: [%s %s]", got, fathers.ID, mothers.ID)
	}

	res := a.putFamilyPriority(fm.holderToken, child, map[string]any{"binding_ids": []string{mothers.ID}})
	res.expect(t, 200, "")
	var p mePriorityBody
	res.json(t, &p)
	want := []string{mothers.ID, fathers.ID}
	if !slices.Equal(p.BindingIDs, want) {
		t.Fatalf("PUT answered %v, want %v", p.BindingIDs, want)
	}
	if got := a.familyPriority(ff.holderToken, child); !slices.Equal(got, want) {
		t.Fatalf("the father reads %v, want the mother's order %v", got, want)
	}
	if got := a.mePriority(a.token(domain.RoleInsured, string(child))); !slices.Equal(got, want) {
		t.Fatalf("the child's own order reads %v, want %v", got, want)
	}
	if got, want := a.priorityChanges(child), []string{
		fmt.Sprintf("insured:%s [%s] at %s", mother, mothers.ID, testNow.Format(time.RFC3339)),
	}; !slices.Equal(got, want) {
		t.Fatalf("recorded changes %v, want %v", got, want)
	}

	// Medical 120.00: fund 10.00, personal 110.00, all from the first payer:
	// the mother, though the father's binding is older.
	s := a.settle(inst, visit(newVisitNo(), child, true, cashTopup(), billItem("D001", "drug", "120.00")), "completed")
	if len(s.Payers) != 1 || s.Payers[0].BindingID != mothers.ID || s.Payers[0].HolderIDNumber != string(mother) {
		t.Fatalf("payers %+v, want only the mother's binding %s", s.Payers, mothers.ID)
	}
	if got := a.balance(father); got != "1000.00" {
		t.Errorf("the father's balance %s, want 1000.00", got)
	}
	if got := a.balance(mother); got != "890.00" {
		t.Errorf("the mother's balance %s, want 890.00", got)
	}
}

func TestFamilyPriority_Refusals(t *testing.T) {
	a := newTestAPI(t)
	child := a.syncMinor()
	father := a.syncInsured("310", "652701", "normal", false, "1000.00", "normal")
	ff := family{holder: father, beneficiary: child, holderToken: a.token(domain.RoleInsured, string(father))}
	fathers := a.requestBinding(ff, nil) // awaiting documents: live
	// The father also asks to bind an adult (his own mother, say): live,
	// but an adult orders her own payers.
	adult := a.syncInsured("390", "652722", "normal", false, "", "")
	if adult.IsMinorOn(domain.DateOf(testNow)) {
		t.Fatalf("%s is a minor", adult)
	}
	a.requestBinding(family{holder: father, beneficiary: adult, holderToken: ff.holderToken}, map[string]any{"relation": "parent"})
	stranger := a.syncInsured("310", "652701", "normal", false, "1000.00", "normal")
	strangerToken := a.token(domain.RoleInsured, string(stranger))
	other := a.meOtherBinding(t)

	before := a.familyPriority(ff.holderToken, child)
	if !slices.Equal(before, []string{fathers.ID}) {
		t.Fatalf("order %v, want [%s]", before, fathers.ID)
	}
	body := map[string]any{"binding_ids": []string{fathers.ID}}
	for _, tt := range []struct {
		name   string
		req    request
		status int
		code   domain.Code
	}{
		{"a caller with no binding to the child reads", request{method: "GET", path: familyPriorityPath(child), token: strangerToken}, 403, domain.CodeForbidden},
		{"a caller with no binding to the child sets", request{method: "PUT", path: familyPriorityPath(child), token: strangerToken, body: body}, 403, domain.CodeForbidden},
		{"the child's own token on the family route", request{method: "GET", path: familyPriorityPath(child), token: a.token(domain.RoleInsured, string(child))}, 403, domain.CodeForbidden},
		{"a holder reads an adult's order", request{method: "GET", path: familyPriorityPath(adult), token: ff.holderToken}, 403, domain.CodeForbidden},
		{"a holder sets an adult's order", request{method: "PUT", path: familyPriorityPath(adult), token: ff.holderToken, body: map[string]any{"binding_ids": []string{}}}, 403, domain.CodeForbidden},
		{"a wrong check digit", request{method: "GET", path: familyPriorityPath(wrongCheck(child)), token: ff.holderToken}, 400, domain.CodeInvalidIDNumber},
		{"a malformed id number, PUT", request{method: "PUT", path: "/v1/family/not-an-id/priority", token: ff.holderToken, body: body}, 400, domain.CodeInvalidIDNumber},
		{"another child's binding", request{method: "PUT", path: familyPriorityPath(child), token: ff.holderToken, body: map[string]any{"binding_ids": []string{other}}}, 422, domain.CodePriorityBindingNotYours},
		{"a binding named twice", request{method: "PUT", path: familyPriorityPath(child), token: ff.holderToken, body: map[string]any{"binding_ids": []string{fathers.ID, fathers.ID}}}, 400, domain.CodeInvalidRequest},
		{"an institution", request{method: "GET", path: familyPriorityPath(child), token: a.token(domain.RoleInstitution, "H65270100001")}, 403, domain.CodeForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := a.in(t).do(tt.req)
			res.expect(t, tt.status, tt.code)
			for _, secret := range []string{fathers.ID, string(father)} {
				if tt.status == 403 && bytes.Contains(res.body, []byte(secret)) {
					t.Errorf("the refusal tells %q of the child's bindings: %s", secret, res.body)
				}
			}
		})
	}
	if got := a.familyPriority(ff.holderToken, child); !slices.Equal(got, before) {
		t.Fatalf("order %v after the refusals, want %v", got, before)
	}
	if got := a.priorityChanges(child); len(got) != 0 {
		t.Fatalf("refused changes were recorded: %v", got)
	}
	if got := a.priorityChanges(adult); len(got) != 0 {
		t.Fatalf("refused changes were recorded for the adult: %v", got)
	}

	// The adult sets her own order; it is recorded as hers.
	adultToken := a.token(domain.RoleInsured, string(adult))
	a.mePutPriority(adultToken, map[string]any{"binding_ids": []string{}}).expect(t, 200, "")
	if got := a.priorityChanges(adult); len(got) != 1 || got[0] != fmt.Sprintf("insured:%s [] at %s", adult, testNow.Format(time.RFC3339)) {
		t.Fatalf("the adult's change recorded as %v", got)
	}

	// Once the father's binding has ended, the child's order is no longer his.
	a.unbind(ff.holderToken, fathers.ID).expect(t, 200, "")
	a.do(request{method: "GET", path: familyPriorityPath(child), token: ff.holderToken}).expect(t, 403, domain.CodeForbidden)
	a.putFamilyPriority(ff.holderToken, child, map[string]any{"binding_ids": []string{}}).expect(t, 403, domain.CodeForbidden)
}

// wrongCheck is id with another check character.
func wrongCheck(id domain.IDNumber) domain.IDNumber {
	last := byte('0')
	if id[17] == '0' {
		last = '1'
	}
	return id[:17] + domain.IDNumber(last)
}
