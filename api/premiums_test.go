package api

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"gongji/domain"
	"gongji/external"
)

// Premium payment tests run through HTTP against the package's PostgreSQL
// and the real Temporal dev server and worker (see main_test.go). Each test
// uses fresh people and ends with checkSettlementInvariants and
// checkPremiumInvariants.

// The tests pay next year's premium (premiumYear), as holders pay ahead,
// and this year's (thisPremiumYear) where they need a second one; the
// premium of both is 400.00 (seedTestPremiums). noPremiumYear has none.
var (
	premiumYear     = testToday.Year + 1
	thisPremiumYear = testToday.Year
	noPremiumYear   = testToday.Year + 50
)

// seedTestPremiums sets the premium of the tests' years, policy data the
// migrations hold sample rows of for a few years only: the suite must pass
// in any year (see testclock).
func seedTestPremiums(ctx context.Context, conn *sqlx.DB) error {
	_, err := conn.ExecContext(ctx, `INSERT INTO sim.resident_premiums (year, amount, note) VALUES ($1, 400.00, 'test'), ($2, 400.00, 'test')
		ON CONFLICT (year) DO UPDATE SET amount = EXCLUDED.amount, note = EXCLUDED.note`, thisPremiumYear, premiumYear)
	return err
}

// premiumSagaWait bounds the wait for a payment to end: the collection
// system is tried 5 times, about 15 s apart in all, before a reversal.
const premiumSagaWait = 45 * time.Second

func newPremiumAPI(t *testing.T) *testAPI {
	t.Helper()
	a := newTestAPI(t)
	t.Cleanup(func() {
		checkSettlementInvariants(t, a.store)
		checkPremiumInvariants(t, a)
	})
	return a
}

// checkPremiumInvariants asserts, over the whole database, that money is
// conserved for premiums: a completed payment took exactly its amount once
// and is booked with the collection system; a reversed one took nothing
// net and is not booked; every binding's usage is its settlements' plus
// its premiums' net ledger entries of the year.
func checkPremiumInvariants(t *testing.T, a *testAPI) {
	t.Helper()
	checks := []struct{ what, query string }{
		{"completed premium payment whose ledger entries are not minus its amount", `
			SELECT p.id || ': ' || p.amount FROM premium_payments p WHERE p.status = 'completed'
				AND -COALESCE((SELECT sum(e.amount) FROM ledger_entries e WHERE e.reference = p.id AND e.kind LIKE 'premium_%'), 0) <> p.amount`},
		{"completed premium payment with other than one debit", `
			SELECT p.id FROM premium_payments p WHERE p.status = 'completed'
				AND (SELECT count(*) FROM ledger_entries e WHERE e.reference = p.id AND e.kind = 'premium_debit') <> 1`},
		{"completed premium payment not booked with the collection system", `
			SELECT p.id FROM premium_payments p WHERE p.status = 'completed'
				AND NOT EXISTS (SELECT 1 FROM sim.premium_postings x WHERE x.payment_id = p.id AND x.status = 'posted' AND x.amount = p.amount)`},
		{"reversed premium payment whose ledger entries do not sum to zero", `
			SELECT p.id FROM premium_payments p WHERE p.status = 'reversed'
				AND COALESCE((SELECT sum(e.amount) FROM ledger_entries e WHERE e.reference = p.id AND e.kind LIKE 'premium_%'), 0) <> 0`},
		{"reversed premium payment still booked", `
			SELECT p.id FROM premium_payments p JOIN sim.premium_postings x ON x.payment_id = p.id
			WHERE p.status = 'reversed' AND x.status = 'posted'`},
		{"binding with premiums whose usage differs from its settlements' and premiums' net ledger entries", `
			SELECT u.binding_id || ' ' || u.year || ': used ' || u.used FROM binding_usage u
			WHERE EXISTS (SELECT 1 FROM premium_payments p WHERE p.binding_id = u.binding_id)
				AND u.used <> -COALESCE((SELECT sum(e.amount) FROM ledger_entries e JOIN settlements s ON s.id = e.settlement_id
						WHERE e.binding_id = u.binding_id AND extract(year FROM s.service_date)::int = u.year), 0)
					- COALESCE((SELECT sum(e.amount) FROM ledger_entries e JOIN premium_payments p ON p.id = e.reference
						WHERE e.kind LIKE 'premium_%' AND p.binding_id = u.binding_id AND p.usage_year = u.year), 0)`},
	}
	for _, c := range checks {
		var bad []string
		if err := a.store.DB().SelectContext(context.Background(), &bad, c.query); err != nil {
			t.Errorf("%s: %v", c.what, err)
			continue
		}
		for _, b := range bad {
			t.Errorf("invariant broken: %s: %s", c.what, b)
		}
	}
}

// premiumPaymentBody decodes a premium payment response.
type premiumPaymentBody struct {
	ID                  string `json:"id"`
	Status              string `json:"status"`
	HolderIDNumber      string `json:"holder_id_number"`
	BeneficiaryIDNumber string `json:"beneficiary_id_number"`
	BindingID           string `json:"binding_id"`
	Year                int    `json:"year"`
	Amount              string `json:"amount"`
	Refusal             *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"refusal"`
}

func premiumBody(beneficiary domain.IDNumber, year int, amount string) map[string]any {
	return map[string]any{"beneficiary_id_number": string(beneficiary), "year": year, "amount": amount}
}

func (a *testAPI) postPremium(token string, body any) response {
	a.t.Helper()
	return a.do(request{method: "POST", path: "/v1/premium-payments", token: token, body: body})
}

// payPremium posts a payment, expects 201 (ended) or 202 (with Location)
// and waits until it is in status want.
func (a *testAPI) payPremium(token string, body map[string]any, want string) premiumPaymentBody {
	a.t.Helper()
	res := a.postPremium(token, body)
	if res.status != 201 && res.status != 202 {
		a.t.Fatalf("POST /v1/premium-payments: %d %s", res.status, res.body)
	}
	var p premiumPaymentBody
	res.json(a.t, &p)
	if res.status == 202 && (p.Status != "processing" || res.header.Get("Location") != "/v1/premium-payments/"+p.ID) {
		a.t.Fatalf("202 %s with Location %q", p.Status, res.header.Get("Location"))
	}
	if res.status == 201 && p.Status == "processing" {
		a.t.Fatal("201 for a payment still processing")
	}
	return a.waitPremium(token, p.ID, want)
}

func (a *testAPI) getPremiumPayment(token, id string) premiumPaymentBody {
	a.t.Helper()
	res := a.do(request{method: "GET", path: "/v1/premium-payments/" + id, token: token})
	res.expect(a.t, 200, "")
	var p premiumPaymentBody
	res.json(a.t, &p)
	return p
}

// waitPremium polls the payment until it is in status want.
func (a *testAPI) waitPremium(token, id, want string) premiumPaymentBody {
	a.t.Helper()
	deadline := time.Now().Add(premiumSagaWait)
	for {
		p := a.getPremiumPayment(token, id)
		if p.Status == want {
			return p
		}
		if p.Status != "processing" {
			a.t.Fatalf("premium payment %s ended %s (%+v), want %s", id, p.Status, p.Refusal, want)
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("premium payment %s still %s, want %s", id, p.Status, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// premiumEntry is one ledger row of a premium payment.
type premiumEntry struct {
	Account     string        `db:"account_id_number"`
	Amount      domain.Amount `db:"amount"`
	Kind        string        `db:"kind"`
	BindingID   string        `db:"binding_id"`
	Beneficiary string        `db:"beneficiary_id_number"`
}

func (a *testAPI) premiumEntries(paymentID string) []premiumEntry {
	a.t.Helper()
	var out []premiumEntry
	if err := a.store.DB().SelectContext(context.Background(), &out, `
		SELECT account_id_number, amount, kind, COALESCE(binding_id, '') AS binding_id,
			COALESCE(beneficiary_id_number, '') AS beneficiary_id_number
		FROM ledger_entries WHERE reference = $1 AND kind LIKE 'premium_%' ORDER BY id`, paymentID); err != nil {
		a.t.Fatal(err)
	}
	return out
}

func kinds(es []premiumEntry) string {
	var out []string
	for _, e := range es {
		out = append(out, e.Kind+" "+e.Amount.String())
	}
	return strings.Join(out, ", ")
}

// premiumNotice reads the holder's notice about a payment once it is there.
func (a *testAPI) premiumNotice(holder domain.IDNumber, paymentID, event string) (kind, body string, amount domain.Amount, bindingID string) {
	a.t.Helper()
	key := "premium:" + paymentID + ":" + event
	a.eventually("the holder's premium notice", func() bool {
		return a.count(`SELECT count(*) FROM notifications WHERE recipient_id_number = $1 AND dedup_key = $2`, holder, key) == 1
	})
	var n struct {
		Kind      string        `db:"kind"`
		Body      string        `db:"body"`
		Amount    domain.Amount `db:"amount"`
		BindingID string        `db:"binding_id"`
	}
	if err := a.store.DB().GetContext(context.Background(), &n, `SELECT kind, body, amount, binding_id FROM notifications
		WHERE dedup_key = $1`, key); err != nil {
		a.t.Fatal(err)
	}
	return n.Kind, n.Body, n.Amount, n.BindingID
}

// ---------------------------------------------------------------------------

func TestPremium_ReadTheYearsPremium_AnyRole(t *testing.T) {
	a := newPremiumAPI(t)
	for _, role := range domain.Roles {
		res := a.do(request{method: "GET", path: "/v1/premiums/" + strconv.Itoa(premiumYear), token: a.token(role, subjectOf[role])})
		res.expect(t, 200, "")
		var p struct {
			Year   int    `json:"year"`
			Amount string `json:"amount"`
		}
		res.json(t, &p)
		if p.Year != premiumYear || p.Amount != "400.00" {
			t.Fatalf("as %s: %+v", role, p)
		}
	}
	tok := a.admin()
	a.do(request{method: "GET", path: "/v1/premiums/" + strconv.Itoa(noPremiumYear), token: tok}).expect(t, 404, domain.CodePremiumNotFound)
	for _, bad := range []string{"27", "0202", "2027x", "twenty"} {
		a.do(request{method: "GET", path: "/v1/premiums/" + bad, token: tok}).expect(t, 400, domain.CodeInvalidRequest)
	}
	a.do(request{method: "GET", path: "/v1/premiums/" + strconv.Itoa(premiumYear)}).expect(t, 401, domain.CodeUnauthenticated)
}

func TestPremiumPayment_PaysFromTheSharedAccount_CompletesAndTellsTheHolder(t *testing.T) {
	a := newPremiumAPI(t)
	f, b := a.boundFamily("1000.00", map[string]any{"annual_limit": "3000.00"})

	p := a.payPremium(f.holderToken, premiumBody(f.beneficiary, premiumYear, "400.00"), "completed")
	if p.HolderIDNumber != string(f.holder) || p.BeneficiaryIDNumber != string(f.beneficiary) || p.BindingID != b.ID ||
		p.Year != premiumYear || p.Amount != "400.00" || p.Refusal != nil {
		t.Fatalf("payment %+v", p)
	}

	// The balance and the binding's usage drop by the premium.
	if got := a.balance(f.holder); got != "600.00" {
		t.Fatalf("holder balance %s, want 600.00", got)
	}
	if got := a.getBinding(f.holderToken, b.ID); got.UsedThisYear != "400.00" {
		t.Fatalf("used_this_year %s, want 400.00", got.UsedThisYear)
	}
	entries := a.premiumEntries(p.ID)
	if len(entries) != 1 || entries[0].Kind != string(domain.EntryPremiumDebit) || entries[0].Amount.String() != "-400.00" ||
		entries[0].Account != string(f.holder) || entries[0].BindingID != b.ID || entries[0].Beneficiary != string(f.beneficiary) {
		t.Fatalf("ledger entries %+v", entries)
	}
	if n := a.count(`SELECT count(*) FROM sim.premium_postings WHERE payment_id = $1 AND status = 'posted' AND year = $2`, p.ID, premiumYear); n != 1 {
		t.Fatalf("%d postings with the collection system, want 1", n)
	}

	// The holder is told whose premium, which year, how much, the balance left.
	kind, body, amount, bindingID := a.premiumNotice(f.holder, p.ID, "debit")
	if kind != string(domain.NoticePremiumPaid) || amount.String() != "400.00" || bindingID != b.ID ||
		!strings.Contains(body, strconv.Itoa(premiumYear)) || !strings.Contains(body, "400.00") || !strings.Contains(body, "600.00") ||
		!strings.Contains(body, f.beneficiary.Masked()) {
		t.Fatalf("notice %s %q %s %s", kind, body, amount, bindingID)
	}
	if got := a.getPremiumPayment(f.holderToken, p.ID); got.Status != "completed" || got.ID != p.ID {
		t.Fatalf("GET: %+v", got)
	}
}

func TestPremiumPayment_Refusals_SayWhyAndChangeNothing(t *testing.T) {
	a := newPremiumAPI(t)
	admin := a.admin()
	tests := []struct {
		name   string
		setup  func(t *testing.T, a *testAPI) (token string, holder domain.IDNumber, body map[string]any)
		status int
		code   domain.Code
	}{
		{"no premium for the year", func(t *testing.T, a *testAPI) (string, domain.IDNumber, map[string]any) {
			f, _ := a.boundFamily("1000.00", nil)
			return f.holderToken, f.holder, premiumBody(f.beneficiary, noPremiumYear, "400.00")
		}, 404, domain.CodePremiumNotFound},
		{"amount not the year's premium", func(t *testing.T, a *testAPI) (string, domain.IDNumber, map[string]any) {
			f, _ := a.boundFamily("1000.00", nil)
			return f.holderToken, f.holder, premiumBody(f.beneficiary, premiumYear, "380.00")
		}, 422, domain.CodePremiumAmountMismatch},
		{"no binding to the person", func(t *testing.T, a *testAPI) (string, domain.IDNumber, map[string]any) {
			h := a.syncInsured("310", "652701", "normal", false, "1000.00", "normal")
			stranger := a.syncInsured("390", "652701", "normal", false, "", "")
			return a.token(domain.RoleInsured, string(h)), h, premiumBody(stranger, premiumYear, "400.00")
		}, 422, domain.CodeNoActiveBinding},
		{"binding not active yet", func(t *testing.T, a *testAPI) (string, domain.IDNumber, map[string]any) {
			f := a.newFamily()
			a.requestBinding(f, nil)
			return f.holderToken, f.holder, premiumBody(f.beneficiary, premiumYear, "400.00")
		}, 422, domain.CodeNoActiveBinding},
		{"the beneficiary paying for the holder", func(t *testing.T, a *testAPI) (string, domain.IDNumber, map[string]any) {
			f, _ := a.boundFamily("1000.00", nil)
			return f.beneficiaryToken, f.holder, premiumBody(f.holder, premiumYear, "400.00")
		}, 422, domain.CodeNoActiveBinding},
		{"holder's account frozen", func(t *testing.T, a *testAPI) (string, domain.IDNumber, map[string]any) {
			f, _ := a.boundFamily("1000.00", nil)
			a.do(request{method: "PUT", path: "/v1/persons/" + string(f.holder) + "/account", token: admin,
				body: map[string]any{"balance": "1000.00", "status": "frozen"}}).expect(t, 200, "")
			return f.holderToken, f.holder, premiumBody(f.beneficiary, premiumYear, "400.00")
		}, 422, domain.CodeHolderAccountFrozen},
		{"beneficiary under employee insurance", func(t *testing.T, a *testAPI) (string, domain.IDNumber, map[string]any) {
			h := a.syncInsured("310", "652701", "normal", false, "1000.00", "normal")
			spouse := a.syncInsured("310", "652701", "normal", false, "500.00", "normal")
			f := family{holder: h, beneficiary: spouse, holderToken: a.token(domain.RoleInsured, string(h))}
			a.activeBinding(f, map[string]any{"relation": "spouse"})
			return f.holderToken, f.holder, premiumBody(spouse, premiumYear, "400.00")
		}, 422, domain.CodeBeneficiaryNotResidentInsured},
		{"balance short of the premium", func(t *testing.T, a *testAPI) (string, domain.IDNumber, map[string]any) {
			f, _ := a.boundFamily("399.99", nil)
			return f.holderToken, f.holder, premiumBody(f.beneficiary, premiumYear, "400.00")
		}, 422, domain.CodeInsufficientBalance},
		{"limit below the premium", func(t *testing.T, a *testAPI) (string, domain.IDNumber, map[string]any) {
			f, _ := a.boundFamily("1000.00", map[string]any{"annual_limit": "300.00"})
			return f.holderToken, f.holder, premiumBody(f.beneficiary, premiumYear, "400.00")
		}, 422, domain.CodeLimitExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := a.in(t)
			token, holder, body := tt.setup(t, a)
			before := a.balance(holder)
			res := a.postPremium(token, body)
			res.expect(t, tt.status, tt.code)
			if tt.code == domain.CodePremiumAmountMismatch {
				var env struct {
					Error struct {
						Details map[string]any `json:"details"`
					} `json:"error"`
				}
				res.json(t, &env)
				if env.Error.Details["expected"] != "400.00" {
					t.Fatalf("details %v, want expected 400.00", env.Error.Details)
				}
			}
			beneficiary := body["beneficiary_id_number"]
			if n := a.count(`SELECT count(*) FROM premium_payments WHERE beneficiary_id_number = $1 OR holder_id_number = $2`, beneficiary, holder); n != 0 {
				t.Fatalf("%d premium payments written for a refused request", n)
			}
			if n := a.count(`SELECT count(*) FROM ledger_entries WHERE account_id_number = $1 AND kind LIKE 'premium_%'`, holder); n != 0 {
				t.Fatalf("%d ledger entries written for a refused request", n)
			}
			if got := a.balance(holder); got != before {
				t.Fatalf("balance %s, was %s", got, before)
			}
		})
	}
}

func TestPremiumPayment_BadInput_Is400AndWritesNothing(t *testing.T) {
	a := newPremiumAPI(t)
	f, _ := a.boundFamily("1000.00", nil)
	ben := string(f.beneficiary)
	tests := []struct {
		name string
		body any
		code domain.Code
	}{
		{"no beneficiary", map[string]any{"year": premiumYear, "amount": "400.00"}, domain.CodeInvalidRequest},
		{"no year", map[string]any{"beneficiary_id_number": ben, "amount": "400.00"}, domain.CodeInvalidRequest},
		{"no amount", map[string]any{"beneficiary_id_number": ben, "year": premiumYear}, domain.CodeInvalidRequest},
		{"year as a string", map[string]any{"beneficiary_id_number": ben, "year": strconv.Itoa(premiumYear), "amount": "400.00"}, domain.CodeInvalidRequest},
		{"year with a fraction", `{"beneficiary_id_number":"` + ben + `","year":2027.5,"amount":"400.00"}`, domain.CodeInvalidRequest},
		{"two-digit year", map[string]any{"beneficiary_id_number": ben, "year": 27, "amount": "400.00"}, domain.CodeInvalidRequest},
		{"amount as a number", map[string]any{"beneficiary_id_number": ben, "year": premiumYear, "amount": 400}, domain.CodeInvalidAmount},
		{"amount with three decimals", map[string]any{"beneficiary_id_number": ben, "year": premiumYear, "amount": "400.001"}, domain.CodeInvalidAmount},
		{"negative amount", map[string]any{"beneficiary_id_number": ben, "year": premiumYear, "amount": "-400.00"}, domain.CodeInvalidAmount},
		{"zero amount", map[string]any{"beneficiary_id_number": ben, "year": premiumYear, "amount": "0.00"}, domain.CodeInvalidAmount},
		{"bad ID number", map[string]any{"beneficiary_id_number": "652701201605010332", "year": premiumYear, "amount": "400.00"}, domain.CodeInvalidIDNumber},
		{"unknown field", map[string]any{"beneficiary_id_number": ben, "year": premiumYear, "amount": "400.00", "note": "x"}, domain.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a.in(t).postPremium(f.holderToken, tt.body).expect(t, 400, tt.code)
		})
	}
	if n := a.count(`SELECT count(*) FROM premium_payments WHERE holder_id_number = $1`, f.holder); n != 0 {
		t.Fatalf("%d payments written", n)
	}
}

func TestPremiumPayment_SecondPaymentForTheSamePersonAndYear_Is409(t *testing.T) {
	a := newPremiumAPI(t)
	f, _ := a.boundFamily("2000.00", nil)
	a.payPremium(f.holderToken, premiumBody(f.beneficiary, premiumYear, "400.00"), "completed")

	a.postPremium(f.holderToken, premiumBody(f.beneficiary, premiumYear, "400.00")).expect(t, 409, domain.CodePremiumAlreadyPaid)
	// The other parent, bound to the same child, is refused too.
	other := a.syncInsured("310", "652701", "normal", false, "1000.00", "normal")
	g := family{holder: other, beneficiary: f.beneficiary, holderToken: a.token(domain.RoleInsured, string(other))}
	a.activeBinding(g, nil)
	a.postPremium(g.holderToken, premiumBody(f.beneficiary, premiumYear, "400.00")).expect(t, 409, domain.CodePremiumAlreadyPaid)
	if got := a.balance(other); got != "1000.00" {
		t.Fatalf("the other parent's balance %s, want 1000.00", got)
	}
	// Another year is another premium.
	a.payPremium(f.holderToken, premiumBody(f.beneficiary, thisPremiumYear, "400.00"), "completed")
	if got := a.balance(f.holder); got != "1200.00" {
		t.Fatalf("holder balance %s, want 1200.00", got)
	}
}

func TestPremiumPayment_OnlyTheHolderMayReadIt(t *testing.T) {
	a := newPremiumAPI(t)
	f, _ := a.boundFamily("1000.00", nil)
	p := a.payPremium(f.holderToken, premiumBody(f.beneficiary, premiumYear, "400.00"), "completed")
	path := "/v1/premium-payments/" + p.ID

	stranger := a.syncInsured("310", "652701", "normal", false, "100.00", "normal")
	// The beneficiary, another holder, and the other roles.
	for _, tok := range []string{
		f.beneficiaryToken, a.token(domain.RoleInsured, string(stranger)),
		a.admin(), a.token(domain.RoleInstitution, "H65270100001"), a.reviewer(),
	} {
		a.do(request{method: "GET", path: path, token: tok}).expect(t, 403, domain.CodeForbidden)
	}
	a.do(request{method: "GET", path: "/v1/premium-payments/no-such-payment", token: f.holderToken}).expect(t, 404, domain.CodePremiumNotFound)
}

func TestPremiumPayment_CollectionSystemDown_ReversesAndRestoresEverything(t *testing.T) {
	a := newPremiumAPI(t)
	t.Cleanup(testFaults.Clear)
	f, b := a.boundFamily("1000.00", map[string]any{"annual_limit": "1000.00"})

	// Every booking fails: five attempts, then the debit is refunded.
	testFaults.Fail(external.OpPremiumPost, -1)
	res := a.postPremium(f.holderToken, premiumBody(f.beneficiary, premiumYear, "400.00"))
	res.expect(t, 202, "")
	var p premiumPaymentBody
	res.json(t, &p)
	if p.Status != "processing" || res.header.Get("Location") != "/v1/premium-payments/"+p.ID {
		t.Fatalf("202 %s with Location %q", p.Status, res.header.Get("Location"))
	}
	// While it runs, the premium is taken and counted.
	if got := a.balance(f.holder); got != "600.00" {
		t.Fatalf("balance while the collection system is down %s, want 600.00", got)
	}
	p = a.waitPremium(f.holderToken, p.ID, "reversed")
	testFaults.Clear()
	if p.Refusal == nil || p.Refusal.Code != string(domain.CodeUnavailable) || p.Refusal.Message == "" {
		t.Fatalf("refusal %+v", p.Refusal)
	}
	if got := a.balance(f.holder); got != "1000.00" {
		t.Fatalf("balance %s, want 1000.00 restored", got)
	}
	if got := a.getBinding(f.holderToken, b.ID); got.UsedThisYear != "0.00" {
		t.Fatalf("used_this_year %s, want 0.00 restored", got.UsedThisYear)
	}
	if got := kinds(a.premiumEntries(p.ID)); got != "premium_debit -400.00, premium_refund 400.00" {
		t.Fatalf("ledger entries: %s", got)
	}
	if n := a.count(`SELECT count(*) FROM sim.premium_postings WHERE payment_id = $1 AND status = 'posted'`, p.ID); n != 0 {
		t.Fatalf("%d postings left standing", n)
	}
	kind, body, _, _ := a.premiumNotice(f.holder, p.ID, "refund")
	if kind != string(domain.NoticePremiumReversed) || !strings.Contains(body, "退回") || !strings.Contains(body, "1000.00") {
		t.Fatalf("notice %s %q", kind, body)
	}

	// The year is free again; with the collection system back it is paid.
	again := a.payPremium(f.holderToken, premiumBody(f.beneficiary, premiumYear, "400.00"), "completed")
	if again.ID == p.ID {
		t.Fatal("the new payment reused the reversed one's id")
	}
	if got := a.balance(f.holder); got != "600.00" {
		t.Fatalf("balance %s, want 600.00", got)
	}
}

func TestPremiumPayment_TransientCollectionFailure_IsRetriedAndPaysOnce(t *testing.T) {
	a := newPremiumAPI(t)
	t.Cleanup(testFaults.Clear)
	f, _ := a.boundFamily("1000.00", nil)
	testFaults.Fail(external.OpPremiumPost, 2)
	p := a.payPremium(f.holderToken, premiumBody(f.beneficiary, premiumYear, "400.00"), "completed")
	if got := kinds(a.premiumEntries(p.ID)); got != "premium_debit -400.00" {
		t.Fatalf("ledger entries: %s", got)
	}
	if got := a.balance(f.holder); got != "600.00" {
		t.Fatalf("balance %s, want 600.00", got)
	}
}

func TestPremiumPayment_CollectionSystemHasItBooked_IsReversedAtOnce(t *testing.T) {
	a := newPremiumAPI(t)
	f, _ := a.boundFamily("1000.00", nil)
	// Paid at a tax office counter, say: the collection system has the
	// premium booked under another payment.
	if _, err := a.store.DB().ExecContext(context.Background(), `INSERT INTO sim.premium_postings
		(payment_id, beneficiary_id_number, year, amount, status) VALUES ($1, $2, $3, 400.00, 'posted')`,
		"counter-"+string(f.beneficiary), f.beneficiary, premiumYear); err != nil {
		t.Fatal(err)
	}
	p := a.payPremium(f.holderToken, premiumBody(f.beneficiary, premiumYear, "400.00"), "reversed")
	if p.Refusal == nil || p.Refusal.Code != string(domain.CodePremiumAlreadyPaid) {
		t.Fatalf("refusal %+v", p.Refusal)
	}
	if got := a.balance(f.holder); got != "1000.00" {
		t.Fatalf("balance %s, want 1000.00", got)
	}
}

func TestPremiumPayment_SamePaymentPostedTwiceAtOnce_DebitsOnce(t *testing.T) {
	a := newPremiumAPI(t)
	f, b := a.boundFamily("2000.00", nil)
	race := func(body map[string]any, headers map[string]string) []response {
		const n = 6
		results := make([]response, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i] = a.do(request{method: "POST", path: "/v1/premium-payments", token: f.holderToken, body: body, headers: headers})
			}()
		}
		close(start)
		wg.Wait()
		return results
	}

	// Without a key: one payment, the others PREMIUM_ALREADY_PAID.
	var id string
	for i, res := range race(premiumBody(f.beneficiary, premiumYear, "400.00"), nil) {
		switch {
		case (res.status == 201 || res.status == 202) && id == "":
			var p premiumPaymentBody
			res.json(t, &p)
			id = p.ID
		case res.status == 409 && res.errorCode() == domain.CodePremiumAlreadyPaid:
		default:
			t.Fatalf("POST %d: %d %s", i, res.status, res.body)
		}
	}
	if id == "" {
		t.Fatal("no request was accepted")
	}
	a.waitPremium(f.holderToken, id, "completed")

	// With one Idempotency-Key: one payment, the others its replay or
	// IDEMPOTENCY_IN_PROGRESS.
	key := map[string]string{"Idempotency-Key": "premium-this-year-" + string(f.beneficiary)}
	var keyed string
	for i, res := range race(premiumBody(f.beneficiary, thisPremiumYear, "400.00"), key) {
		switch res.status {
		case 201, 202:
			var p premiumPaymentBody
			res.json(t, &p)
			if keyed != "" && p.ID != keyed {
				t.Fatalf("POST %d answered payment %s, another %s", i, p.ID, keyed)
			}
			keyed = p.ID
		case 409:
			if res.errorCode() != domain.CodeIdempotencyInProgress {
				t.Fatalf("POST %d: %s", i, res.body)
			}
		default:
			t.Fatalf("POST %d: %d %s", i, res.status, res.body)
		}
	}
	a.waitPremium(f.holderToken, keyed, "completed")

	if n := a.count(`SELECT count(*) FROM premium_payments WHERE beneficiary_id_number = $1`, f.beneficiary); n != 2 {
		t.Fatalf("%d payments, want 2", n)
	}
	if n := a.count(`SELECT count(*) FROM ledger_entries WHERE account_id_number = $1 AND kind = 'premium_debit'`, f.holder); n != 2 {
		t.Fatalf("%d premium debits, want one per payment", n)
	}
	if got := a.balance(f.holder); got != "1200.00" {
		t.Fatalf("balance %s, want 1200.00", got)
	}
	if got := a.getBinding(f.holderToken, b.ID); got.UsedThisYear != "800.00" {
		t.Fatalf("used_this_year %s, want 800.00", got.UsedThisYear)
	}
}

// refusingTemporal is the real Temporal client, except that it refuses to
// start workflows as an unreachable frontend does.
type refusingTemporal struct{ Temporal }

func (refusingTemporal) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, serviceerror.NewUnavailable("the frontend is down")
}

func TestPremiumPayment_WorkflowServiceDown_Is503AndKeepsNothing(t *testing.T) {
	up := newPremiumAPI(t)
	down := newTestAPIWith(t, func(d *Deps) { d.Temporal = refusingTemporal{d.Temporal} })
	f, _ := up.boundFamily("1000.00", nil)
	body := premiumBody(f.beneficiary, premiumYear, "400.00")

	down.postPremium(f.holderToken, body).expect(t, 503, domain.CodeUnavailable)
	if n := up.count(`SELECT count(*) FROM premium_payments WHERE beneficiary_id_number = $1`, f.beneficiary); n != 0 {
		t.Fatalf("%d payments kept after a refused start", n)
	}
	// Sent again once the service is back, it is paid (not 409).
	up.payPremium(f.holderToken, body, "completed")
	if got := up.balance(f.holder); got != "600.00" {
		t.Fatalf("balance %s, want 600.00", got)
	}
}
