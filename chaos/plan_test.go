package chaos

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"gongji/domain"
	"gongji/internal/testclock"
)

// testPopulation is a population as setUp builds it, without a server:
// families of two parents and one to three children, each child bound by
// the first parent and, one time in two, the second.
func testPopulation(families int) population {
	var pop population
	pop.institutions = []institution{{code: "H65270100011", kind: domain.InstitutionHospital},
		{code: "P65270100011", kind: domain.InstitutionPharmacy}}
	for f := range families {
		parents := []domain.IDNumber{
			domain.ComposeIDNumber("652701", domain.NewDate(1980, 1, 1).AddDays(40*f), 11),
			domain.ComposeIDNumber("652701", domain.NewDate(1981, 1, 1).AddDays(40*f), 13),
		}
		pop.holders = append(pop.holders, parents...)
		for ch := range 1 + f%3 {
			p := patient{id: domain.ComposeIDNumber("652722", domain.NewDate(2012, 1, 1).AddDays(40*(3*f+ch)), 21)}
			for j, parent := range parents {
				if j == 0 || (f+ch)%2 == 0 {
					p.payers = append(p.payers, payer{holder: parent, bindingID: fmt.Sprintf("b-%d-%d-%d", f, ch, j), limited: (f+j)%3 != 0})
				}
			}
			pop.bindings += len(p.payers)
			pop.patients = append(pop.patients, p)
		}
	}
	return pop
}

// testYears are a run's premium years, from the run's clock.
func testYears() []premium {
	y := domain.DateOf(testclock.Now()).Year
	return []premium{{Year: y, Amount: "400.00"}, {Year: y + 1, Amount: "400.00"}}
}

// The plan is the seed's: the same seed draws the same plan, another seed
// another one.
func TestPlanRun_SameSeedSamePlan(t *testing.T) {
	pop, years, p := testPopulation(12), testYears(), longParams
	draw := func(seed uint64) runPlan { return planRun(rand.New(rand.NewPCG(seed, 0)), pop, years, p) }
	a, b := draw(7), draw(7)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("seed 7 drew two different plans")
	}
	if c := draw(8); reflect.DeepEqual(a.premiums, c.premiums) && reflect.DeepEqual(a.changes, c.changes) {
		t.Fatal("seeds 7 and 8 drew the same premium payments and changes")
	}
}

// The long run's plan pays premiums of every year, by the children's own
// holders, some sent again or twice at once with one Idempotency-Key and
// some booked at the counter first; it changes HolderChanges distinct
// holders with an unlimited binding, every kind of change as often as any
// other, mid-stream; each changed holder who pays a premium sends it at
// the change; every holder is credited once in each round, mid-stream.
func TestPlanRun_MixesPremiumsAndHolderChanges(t *testing.T) {
	pop, years, p := testPopulation(24), testYears(), longParams
	plan := planRun(rand.New(rand.NewPCG(11, 0)), pop, years, p)

	pairs := len(pop.patients) * len(years)
	if n := len(plan.premiums); n < pairs/2 || n > pairs {
		t.Fatalf("%d premium payments for %d (child, year) pairs, want about three in four", n, pairs)
	}
	payers := map[domain.IDNumber][]domain.IDNumber{}
	for _, pt := range pop.patients {
		for _, py := range pt.payers {
			payers[pt.id] = append(payers[pt.id], py.holder)
		}
	}
	seen := map[string]bool{}
	repeats := [repeatCount]int{}
	perYear := map[int]int{}
	counter := 0
	for _, pr := range plan.premiums {
		if seen[pr.key()] {
			t.Fatalf("two payments of %s", pr.key())
		}
		seen[pr.key()] = true
		if !slices.Contains(payers[pr.beneficiary], pr.holder) {
			t.Fatalf("%s paid by %s, not one of the child's holders %v", pr.key(), pr.holder, payers[pr.beneficiary])
		}
		if pr.after < 0 || pr.after >= p.Settlements {
			t.Fatalf("%s sent after %d visits, outside the stream of %d", pr.key(), pr.after, p.Settlements)
		}
		repeats[pr.repeat]++
		perYear[pr.premium.Year]++
		if pr.counterBooked {
			counter++
		}
	}
	for k, n := range repeats {
		if n == 0 {
			t.Errorf("no premium payment sent %s", repeatNames[k])
		}
	}
	for _, y := range years {
		if perYear[y.Year] == 0 {
			t.Errorf("no premium of %d paid", y.Year)
		}
	}
	if counter == 0 || counter == len(plan.premiums) {
		t.Errorf("%d of %d premiums booked at the counter first, want some", counter, len(plan.premiums))
	}

	if len(plan.changes) != p.HolderChanges {
		t.Fatalf("%d changes, want %d", len(plan.changes), p.HolderChanges)
	}
	unlimited := map[domain.IDNumber]bool{}
	for _, pt := range pop.patients {
		for _, py := range pt.payers {
			unlimited[py.holder] = unlimited[py.holder] || !py.limited
		}
	}
	kinds := map[changeKind]int{}
	holders := map[domain.IDNumber]bool{}
	for _, c := range plan.changes {
		if !unlimited[c.holder] {
			t.Errorf("holder %s changed has only limited bindings; %d holders have an unlimited one", c.holder, len(unlimited))
		}
		kinds[c.kind]++
		if holders[c.holder] {
			t.Fatalf("holder %s changed twice", c.holder)
		}
		holders[c.holder] = true
		if len(c.bindings) == 0 {
			t.Fatalf("holder %s pays for no one", c.holder)
		}
		if c.after < p.Settlements/5 || c.after > p.Settlements*7/10 {
			t.Fatalf("holder %s changed after visit %d, outside the middle of %d visits", c.holder, c.after, p.Settlements)
		}
		var pays []int
		for _, pr := range plan.premiums {
			if pr.holder == c.holder {
				pays = append(pays, pr.after)
			}
		}
		if len(pays) > 0 && pays[0] != c.after {
			t.Fatalf("holder %s changed after visit %d, first premium sent after %d", c.holder, c.after, pays[0])
		}
	}
	for k := range changeKindCount {
		if kinds[k] != p.HolderChanges/int(changeKindCount) {
			t.Errorf("%d changes %q of %d, want each kind as often", kinds[k], changeNames[k], p.HolderChanges)
		}
	}

	if len(plan.credits) != creditRounds*len(pop.holders) {
		t.Fatalf("%d contributions, want %d rounds of %d holders", len(plan.credits), creditRounds, len(pop.holders))
	}
	credited := map[string]bool{}
	for _, cr := range plan.credits {
		key := string(cr.holder) + " " + cr.reference
		if credited[key] {
			t.Fatalf("contribution %s twice", key)
		}
		credited[key] = true
		if cr.after <= 0 || cr.after >= p.Settlements {
			t.Fatalf("contribution %s after visit %d, outside the stream of %d", key, cr.after, p.Settlements)
		}
		if a := domain.MustAmount(cr.amount); !a.IsPositive() {
			t.Fatalf("contribution %s of %s", key, a)
		}
	}
}

// schedule sends each visit once, in order, and each premium payment once
// `after` visits are out.
func TestSchedule_InterleavesPremiumsAtTheirTurn(t *testing.T) {
	premiums := []premiumPlan{{after: 3}, {after: 0}, {after: 3}, {after: 9}}
	got := schedule(10, premiums)
	want := []task{{-1, 1}, {0, -1}, {1, -1}, {2, -1}, {-1, 0}, {-1, 2}, {3, -1}, {4, -1}, {5, -1}, {6, -1}, {7, -1},
		{8, -1}, {-1, 3}, {9, -1}}
	if !slices.Equal(got, want) {
		t.Fatalf("schedule %v, want %v", got, want)
	}
}

// A patient counts as unbound once every one of its holders had a change
// that ends bindings (not a suspension), from the last of them on.
func TestUnboundSince_OnlyWhenEveryHolderIsGone(t *testing.T) {
	pop := testPopulation(3)
	t0 := testclock.Now()
	var changes []changeResult
	kinds := []changeKind{changeDeath, changeSuspended, changeMoved, changeTerminated, changeDeathOrphaned, changeDeath}
	for i, h := range pop.holders {
		changes = append(changes, changeResult{change: holderChange{holder: h, kind: kinds[i]}, sent: t0.Add(time.Duration(i) * time.Second)})
	}
	got := unboundSince(pop, changes)
	for f, pt := range pop.patients {
		want, unbound := time.Time{}, true
		for _, py := range pt.payers {
			i := slices.Index(pop.holders, py.holder)
			if kinds[i] == changeSuspended {
				unbound = false
			}
			if s := t0.Add(time.Duration(i) * time.Second); s.After(want) {
				want = s
			}
		}
		since, ok := got[pt.id]
		if ok != unbound || (ok && !since.Equal(want)) {
			t.Errorf("patient %d (%s): unbound %v since %s, want %v since %s", f, pt.id, ok, since, unbound, want)
		}
	}
	if len(got) == 0 || len(got) == len(pop.patients) {
		t.Fatalf("%d of %d patients unbound: the case does not tell", len(got), len(pop.patients))
	}
}
