package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"gongji/domain"
)

// flow is how the counter pays what is left after the fund and the shared
// accounts.
type flow int

const (
	flowCard         flow = iota // a tok_… card given with the request
	flowCash                     // cash, confirmed with POST …/topup
	flowDeclinedCash             // a tok_decline… card, then cash
	flowCashNever                // cash never collected: times out, reversed
	flowDeclinedLeft             // a tok_decline… card and nothing else: times out
	flowCardTimeout              // a tok_timeout… card the gateway never answers
	flowCount
)

var flowNames = [flowCount]string{"card", "cash", "card declined, then cash", "cash never collected",
	"card declined, nothing more", "card gateway never answers"}

// flowWeights is the mix of flows, out of their sum.
var flowWeights = [flowCount]int{30, 30, 14, 12, 8, 6}

func (f flow) paysCash() bool { return f == flowCash || f == flowDeclinedCash }

// visitPlan is one settlement the run sends, decided up front from the seed.
type visitPlan struct {
	visitNo     string
	inst        institution
	patient     domain.IDNumber
	medicalType string
	items       []map[string]any
	useFamily   bool
	flow        flow
	// resend sends the same request again once it is answered, as a
	// cashier pressing twice would.
	resend bool
	// cancel asks for 退费 once the settlement has completed.
	cancel     bool
	topupDelay time.Duration
}

// runPlan is what a run sends and injects, drawn from its seed.
type runPlan struct {
	visits   []visitPlan
	premiums []premiumPlan
	changes  []holderChange
	credits  []credit
	faults   []fault
}

// planRun draws the run's plan: the visits, the premium payments of the
// years that have a premium, the holders' changes (with a premium payment
// of each changed holder sent as the change is recorded), the faults and
// the holders' contributions.
func planRun(rng *rand.Rand, pop population, years []premium, p params) runPlan {
	plan := runPlan{visits: planVisits(rng, pop, p.Settlements), premiums: planPremiums(rng, pop, years, p.Settlements),
		changes: planChanges(rng, pop, p.HolderChanges, p.Settlements)}
	alignPremiums(plan.changes, plan.premiums)
	plan.faults = planFaults(rng, p)
	plan.credits = planCredits(rng, pop, p.Settlements)
	return plan
}

// planVisits draws n visits of the population's patients.
func planVisits(rng *rand.Rand, pop population, n int) []visitPlan {
	plans := make([]visitPlan, n)
	for i := range plans {
		v := visitPlan{
			visitNo:    fmt.Sprintf("CHAOS%05d", i+1),
			inst:       pop.institutions[rng.IntN(len(pop.institutions))],
			patient:    pop.patients[rng.IntN(len(pop.patients))].id,
			useFamily:  rng.IntN(10) != 0,
			flow:       pickFlow(rng),
			resend:     rng.IntN(100) < 15,
			cancel:     rng.IntN(100) < 25,
			topupDelay: time.Duration(rng.IntN(1500)) * time.Millisecond,
		}
		categories := []string{"drug", "service", "consumable", "drug", "non_medical"}
		v.medicalType = []string{"outpatient", "outpatient", "chronic_outpatient", "inpatient"}[rng.IntN(4)]
		if v.inst.kind == domain.InstitutionPharmacy {
			categories = []string{"drug", "device", "consumable", "drug", "non_medical"}
			v.medicalType = "pharmacy"
		}
		for j := range 1 + rng.IntN(3) {
			v.items = append(v.items, map[string]any{"code": fmt.Sprintf("X%03d", j+1), "name": "项目" + fmt.Sprint(j+1),
				"category": categories[rng.IntN(len(categories))], "amount": cents(rng, 500, 60000)})
		}
		plans[i] = v
	}
	return plans
}

func pickFlow(rng *rand.Rand) flow {
	total := 0
	for _, w := range flowWeights {
		total += w
	}
	n := rng.IntN(total)
	for f, w := range flowWeights {
		if n < w {
			return flow(f)
		}
		n -= w
	}
	return flowCard
}

func (v visitPlan) request(serviceDate domain.Date) map[string]any {
	topup := map[string]any{"method": "cash"}
	switch v.flow {
	case flowCard:
		topup = map[string]any{"method": "bank_card", "card_token": "tok_chaos_" + v.visitNo}
	case flowDeclinedCash, flowDeclinedLeft:
		topup = map[string]any{"method": "bank_card", "card_token": "tok_decline_" + v.visitNo}
	case flowCardTimeout:
		topup = map[string]any{"method": "bank_card", "card_token": "tok_timeout_" + v.visitNo}
	}
	return map[string]any{"visit_no": v.visitNo, "patient_id_number": string(v.patient), "cert_type": "e_voucher",
		"medical_type": v.medicalType, "service_date": serviceDate.String(), "items": v.items,
		"use_family_account": v.useFamily, "topup": topup}
}

// settlement is a settlement as the API answers it.
type settlement struct {
	ID               string `json:"id"`
	Status           string `json:"status"`
	Total            string `json:"total"`
	FundPay          string `json:"fund_pay"`
	FamilyAccountPay string `json:"family_account_pay"`
	TopupPay         string `json:"topup_pay"`
	TopupDue         string `json:"topup_due"`
	Refusal          *struct {
		Code string `json:"code"`
	} `json:"refusal"`
}

func (s settlement) final() bool {
	switch s.Status {
	case "completed", "reversed", "cancelled", "failed":
		return true
	}
	return false
}

// visitResult is what the client saw of one visit.
type visitResult struct {
	plan visitPlan
	// ids are the settlement ids the API answered for the visit.
	ids             map[string]bool
	final           settlement
	topupAccepted   bool
	cancelRequested bool
	// err is set when the visit could not be followed to its end or got
	// an answer it should not have.
	err error
	// refused is NO_ACTIVE_BINDING when the visit was refused at once:
	// the patient's holders no longer pay for them. Then there is no
	// settlement.
	refused string
	// begun and ended are when the visit was first sent and when it was
	// seen final.
	begun, ended time.Time
}

// task is one item of the stream: the visit or the premium payment of
// that index (the other is -1).
type task struct{ visit, premium int }

// schedule interleaves the premium payments with the visits: each is
// sent once `after` visits have been handed out.
func schedule(visits int, premiums []premiumPlan) []task {
	order := make([]int, len(premiums))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return premiums[a].after - premiums[b].after })
	out := make([]task, 0, visits+len(premiums))
	for v := 0; v <= visits; v++ {
		for len(order) > 0 && (premiums[order[0]].after <= v || v == visits) {
			out = append(out, task{visit: -1, premium: order[0]})
			order = order[1:]
		}
		if v < visits {
			out = append(out, task{visit: v, premium: -1})
		}
	}
	return out
}

// workload is what the stream sends and to whom.
type workload struct {
	visits   []visitPlan
	premiums []premiumPlan
	tokens   tokens
	// day is the service date of every visit.
	day domain.Date
}

// runWorkload sends the visits and premium payments in schedule order,
// concurrency at a time, counting each visit in started as it begins.
func runWorkload(ctx context.Context, c *apiClient, w workload, concurrency int, deadline time.Duration, started *atomic.Int64) ([]visitResult, []premiumResult) {
	visits := make([]visitResult, len(w.visits))
	premiums := make([]premiumResult, len(w.premiums))
	tasks := schedule(len(w.visits), w.premiums)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(tasks) {
					return
				}
				tctx, cancel := context.WithTimeout(ctx, deadline)
				if v := tasks[i].visit; v >= 0 {
					started.Add(1)
					visits[v] = runVisit(tctx, c, w.visits[v], w.day)
				} else {
					p := w.premiums[tasks[i].premium]
					premiums[tasks[i].premium] = runPremium(tctx, c, w.tokens.sign(domain.RoleInsured, string(p.holder)), p)
				}
				cancel()
			}
		})
	}
	wg.Wait()
	return visits, premiums
}

// runVisit follows one visit to its end: post it, pay cash when the plan
// says so, wait until it is final, cancel it if planned.
func runVisit(ctx context.Context, c *apiClient, v visitPlan, serviceDate domain.Date) (r visitResult) {
	r = visitResult{plan: v, ids: map[string]bool{}, begun: time.Now()}
	defer func() { r.ended = time.Now() }()
	post := func() (settlement, error) {
		var st settlement
		a, err := c.do(ctx, "POST", "/v1/settlements", v.inst.token, v.request(serviceDate), "")
		switch {
		case err != nil:
		case a.status == 422 && a.code() == string(domain.CodeNoActiveBinding) && len(r.ids) == 0:
			r.refused = a.code()
			return st, nil
		case a.status != 200 && a.status != 202:
			err = fmt.Errorf("POST /v1/settlements: %d %s, want 200 or 202", a.status, a.body)
		default:
			err = a.decode(&st)
		}
		r.ids[st.ID] = true
		return st, err
	}
	st, err := post()
	if r.refused != "" {
		return r
	}
	if err != nil {
		r.err = err
		return r
	}
	if v.resend {
		if st, err = post(); err != nil {
			r.err = err
			return r
		}
	}
	cashSettled := false
	for !st.final() {
		if st.Status == "awaiting_topup" && v.flow.paysCash() && !cashSettled && st.TopupDue != "0.00" {
			time.Sleep(v.topupDelay)
			if cashSettled, err = payCash(ctx, c, v, st, &r); err != nil {
				r.err = err
				return r
			}
		} else {
			time.Sleep(250 * time.Millisecond)
		}
		if st, err = get(ctx, c, v, st.ID); err != nil {
			r.err = err
			return r
		}
	}
	if st.Status == "completed" && v.cancel {
		r.cancelRequested = true
		if _, err := c.expect(ctx, "POST", "/v1/settlements/"+st.ID+"/cancel", v.inst.token, map[string]any{"reason": "患者退费"}, 200, 202); err != nil {
			r.err = err
			return r
		}
		for st.Status != "cancelled" {
			time.Sleep(250 * time.Millisecond)
			if st, err = get(ctx, c, v, st.ID); err != nil {
				r.err = fmt.Errorf("waiting for the cancellation: %w", err)
				return r
			}
		}
	}
	r.final = st
	return r
}

// payCash sends the cash top-up of what is due. It returns true once the
// top-up was accepted or can no longer be (the window closed, the
// settlement moved on), false to try again after a fresh read.
func payCash(ctx context.Context, c *apiClient, v visitPlan, st settlement, r *visitResult) (bool, error) {
	a, err := c.do(ctx, "POST", "/v1/settlements/"+st.ID+"/topup", v.inst.token,
		map[string]any{"method": "cash", "amount": st.TopupDue, "receipt_no": "R-" + v.visitNo}, "")
	if err != nil {
		return false, err
	}
	switch {
	case a.status == 200 || a.status == 202:
		r.topupAccepted = true
		return true, nil
	case a.status == 409 && (a.code() == "TOPUP_WINDOW_CLOSED" || a.code() == "SETTLEMENT_WRONG_STATE"):
		return true, nil
	case a.status == 409 && a.code() == "TOPUP_AMOUNT_MISMATCH":
		return false, nil
	}
	return false, fmt.Errorf("cash top-up of %s: %d %s", st.ID, a.status, a.body)
}

func get(ctx context.Context, c *apiClient, v visitPlan, id string) (settlement, error) {
	var st settlement
	a, err := c.expect(ctx, "GET", "/v1/settlements/"+id, v.inst.token, nil, 200)
	if err == nil {
		err = a.decode(&st)
	}
	return st, err
}
