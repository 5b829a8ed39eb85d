package api

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"gongji/domain"
)

// Holder self-service through HTTP against the package's PostgreSQL and
// the real Temporal dev server and worker: the account statement, the
// inbox, and the beneficiary's payer order.

// meStatementBody decodes GET /v1/me/account.
type meStatementBody struct {
	Balance string `json:"balance"`
	Status  string `json:"status"`
	Entries struct {
		Items []struct {
			ID                  string  `json:"id"`
			At                  string  `json:"at"`
			Amount              string  `json:"amount"`
			Kind                string  `json:"kind"`
			SettlementID        *string `json:"settlement_id"`
			BindingID           *string `json:"binding_id"`
			BeneficiaryIDNumber *string `json:"beneficiary_id_number"`
			InstitutionCode     *string `json:"institution_code"`
			Reference           string  `json:"reference"`
		} `json:"items"`
		NextCursor *string `json:"next_cursor"`
	} `json:"entries"`
}

func (a *testAPI) meStatement(token, query string) meStatementBody {
	a.t.Helper()
	res := a.do(request{method: "GET", path: "/v1/me/account" + query, token: token})
	res.expect(a.t, 200, "")
	var s meStatementBody
	res.json(a.t, &s)
	return s
}

// meContribution posts a contribution to the person's account through sync.
func (a *testAPI) meContribution(id domain.IDNumber, amount, reference string) {
	a.t.Helper()
	a.do(request{method: "POST", path: "/v1/persons/" + string(id) + "/account/entries", token: a.admin(),
		body: map[string]any{"amount": amount, "kind": "contribution", "reference": reference}}).expect(a.t, 201, "")
}

func strOrNull(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

func TestMyAccount_StatementNewestFirstPagedWithDebitAndRefund(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	f, b := a.boundFamily("1000.00", nil)
	inst := a.hospital()
	a.meContribution(f.holder, "50.00", "C-1")
	// A settlement that stands (account pays 200.00) and one that is
	// cancelled: its debit and its refund both show.
	kept := a.settle(inst, visit(newVisitNo(), f.beneficiary, true, cashTopup(), billItem("D001", "drug", "300.00")), "completed")
	cancelled := a.settle(inst, visit(newVisitNo(), f.beneficiary, true, cashTopup(), billItem("D001", "drug", "100.00")), "completed")
	if kept.FamilyAccountPay != "200.00" || cancelled.FamilyAccountPay != "50.00" {
		t.Fatalf("settled: %s; %s", kept.amounts(), cancelled.amounts())
	}
	a.cancelSettlement(inst, cancelled.ID).expect(t, 200, "")
	a.meContribution(f.holder, "10.00", "C-2")

	type line struct{ amount, kind, settlement string }
	want := []line{
		{"10.00", "contribution", "<null>"},
		{"50.00", "settlement_refund", cancelled.ID},
		{"-50.00", "settlement_debit", cancelled.ID},
		{"-200.00", "settlement_debit", kept.ID},
		{"50.00", "contribution", "<null>"},
	}
	var got []line
	seen := map[string]bool{}
	lastID := int64(1) << 62
	query := "?limit=2"
	for page := 0; ; page++ {
		s := a.meStatement(f.holderToken, query)
		wantBalance := "861.00" // after the posting between the pages
		if page == 0 {
			wantBalance = "860.00"
		}
		if s.Balance != wantBalance || s.Status != "normal" {
			t.Fatalf("page %d: balance %s %s, want %s normal", page, s.Balance, s.Status, wantBalance)
		}
		for _, e := range s.Entries.Items {
			var id int64
			fmt.Sscan(e.ID, &id)
			if seen[e.ID] || id >= lastID {
				t.Fatalf("entry %s shown twice or out of order", e.ID)
			}
			seen[e.ID], lastID = true, id
			at, err := time.Parse(time.RFC3339, e.At)
			if err != nil || !strings.HasSuffix(e.At, "+08:00") || at.IsZero() {
				t.Fatalf("at %q is not RFC 3339 in Beijing time", e.At)
			}
			got = append(got, line{e.Amount, e.Kind, strOrNull(e.SettlementID)})
			if e.SettlementID != nil && (strOrNull(e.BindingID) != b.ID || strOrNull(e.BeneficiaryIDNumber) != string(f.beneficiary) ||
				strOrNull(e.InstitutionCode) != inst.code || e.Reference != "") {
				t.Fatalf("settlement entry %+v", e)
			}
			if e.SettlementID == nil && (e.BindingID != nil || e.BeneficiaryIDNumber != nil || e.InstitutionCode != nil || e.Reference == "") {
				t.Fatalf("sync entry %+v", e)
			}
		}
		if s.Entries.NextCursor == nil {
			break
		}
		if page == 0 {
			// A posting between two pages moves nothing on the next page.
			a.meContribution(f.holder, "1.00", "C-between")
		}
		query = "?limit=2&cursor=" + url.QueryEscape(*s.Entries.NextCursor)
		if page > 5 {
			t.Fatal("the pages do not end")
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("entries %v\nwant    %v", got, want)
	}
	if first := a.meStatement(f.holderToken, "?limit=1"); first.Balance != "861.00" || first.Entries.Items[0].Amount != "1.00" {
		t.Fatalf("after the posting: %s, newest %+v", first.Balance, first.Entries.Items)
	}

	// Only the caller's own account; a person without one is 404.
	a.do(request{method: "GET", path: "/v1/me/account", token: f.beneficiaryToken}).expect(t, 404, domain.CodeAccountNotFound)
	for _, q := range []string{"?limit=0", "?limit=101", "?cursor=nonsense", "?cursor=" + *encodeCursor(time.Time{}, "x1")} {
		a.do(request{method: "GET", path: "/v1/me/account" + q, token: f.holderToken}).expect(t, 400, domain.CodeInvalidRequest)
	}
}

// meNotificationBody decodes one notice.
type meNotificationBody struct {
	ID           string  `json:"id"`
	At           string  `json:"at"`
	Kind         string  `json:"kind"`
	Title        string  `json:"title"`
	Body         string  `json:"body"`
	Read         bool    `json:"read"`
	BindingID    *string `json:"binding_id"`
	SettlementID *string `json:"settlement_id"`
	Amount       *string `json:"amount"`
}

type meNotificationPage struct {
	Items      []meNotificationBody `json:"items"`
	NextCursor *string              `json:"next_cursor"`
}

func (a *testAPI) meNotifications(token, query string, headers map[string]string) (meNotificationPage, response) {
	a.t.Helper()
	res := a.do(request{method: "GET", path: "/v1/me/notifications" + query, token: token, headers: headers})
	res.expect(a.t, 200, "")
	var p meNotificationPage
	res.json(a.t, &p)
	return p, res
}

func noticeKinds(p meNotificationPage) []string {
	var out []string
	for _, n := range p.Items {
		out = append(out, n.Kind)
	}
	return out
}

func TestMyNotifications_NewestFirstReadUnreadAndLanguage(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	f, b := a.boundFamily("1000.00", nil)
	// The approval notice is queued after the approval: wait for it, so that
	// the debit's notice is the newer one.
	a.eventually("the approval notice", func() bool {
		return a.count(`SELECT count(*) FROM notifications WHERE recipient_id_number = $1`, f.holder) == 1
	})
	inst := a.hospital()
	s := a.settle(inst, visit(newVisitNo(), f.beneficiary, true, cashTopup(), billItem("D001", "drug", "300.00")), "completed")
	if n := a.count(`SELECT count(*) FROM notifications WHERE recipient_id_number = $1`, f.holder); n != 2 {
		t.Fatalf("%d notices after the debit, want 2", n)
	}

	all, res := a.meNotifications(f.holderToken, "", nil)
	if fmt.Sprint(noticeKinds(all)) != "[shared_account_debited binding_approved]" || all.NextCursor != nil || res.header.Get("Content-Language") != "zh" {
		t.Fatalf("inbox %v (%s)", noticeKinds(all), res.body)
	}
	debit, approval := all.Items[0], all.Items[1]
	if debit.Title != "家庭共济支付提醒" || !strings.Contains(debit.Body, inst.name) || !strings.Contains(debit.Body, "200.00") ||
		!strings.Contains(debit.Body, "800.00") || strOrNull(debit.SettlementID) != s.ID || strOrNull(debit.BindingID) != b.ID ||
		strOrNull(debit.Amount) != "200.00" || debit.Read || !strings.HasSuffix(debit.At, "+08:00") {
		t.Fatalf("debit notice %+v", debit)
	}
	if approval.Title != "家庭共济已生效" || strOrNull(approval.BindingID) != b.ID || approval.SettlementID != nil || approval.Amount != nil {
		t.Fatalf("approval notice %+v", approval)
	}
	if strings.Contains(string(res.body), `"settlement_id":null`) {
		t.Fatalf("absent fields are left out, not null: %s", res.body)
	}

	// English: by ?lang=en, or by an Accept-Language preferring English.
	for _, tt := range []struct {
		name    string
		query   string
		headers map[string]string
		lang    string
	}{
		{"lang=en", "?lang=en", nil, "en"},
		{"lang=zh beats the header", "?lang=zh", map[string]string{"Accept-Language": "en"}, "zh"},
		{"Accept-Language en-US", "", map[string]string{"Accept-Language": "en-US,en;q=0.9"}, "en"},
		{"Accept-Language preferring Chinese", "", map[string]string{"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}, "zh"},
		{"Accept-Language preferring English by weight", "", map[string]string{"Accept-Language": "zh;q=0.3,en-GB;q=0.8"}, "en"},
		{"Accept-Language naming neither", "", map[string]string{"Accept-Language": "fr-FR"}, "zh"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, res := a.in(t).meNotifications(f.holderToken, tt.query, tt.headers)
			wantTitle := map[string]string{"zh": "家庭共济支付提醒", "en": "Family mutual-aid payment"}[tt.lang]
			if res.header.Get("Content-Language") != tt.lang || p.Items[0].Title != wantTitle {
				t.Fatalf("%s: %q %q", res.header.Get("Content-Language"), p.Items[0].Title, p.Items[0].Body)
			}
			if tt.lang == "en" && (!strings.Contains(p.Items[0].Body, "200.00") || !strings.Contains(p.Items[0].Body, "800.00") ||
				!strings.Contains(p.Items[0].Body, inst.name) || p.Items[1].Title != "Family mutual aid is active") {
				t.Fatalf("English notices %+v", p.Items)
			}
		})
	}
	a.do(request{method: "GET", path: "/v1/me/notifications?lang=fr", token: f.holderToken}).expect(t, 400, domain.CodeInvalidEnumValue)
	a.do(request{method: "GET", path: "/v1/me/notifications?unread=yes", token: f.holderToken}).expect(t, 400, domain.CodeInvalidEnumValue)

	// Pages of one.
	first, _ := a.meNotifications(f.holderToken, "?limit=1", nil)
	second, _ := a.meNotifications(f.holderToken, "?limit=1&cursor="+url.QueryEscape(*first.NextCursor), nil)
	if len(first.Items) != 1 || first.Items[0].ID != debit.ID || len(second.Items) != 1 || second.Items[0].ID != approval.ID {
		t.Fatalf("pages %+v / %+v", first.Items, second.Items)
	}

	// Read one: it leaves the unread list; reading it again is fine.
	for range 2 {
		res := a.post(f.holderToken, "/v1/me/notifications/"+approval.ID+"/read", nil)
		res.expect(t, 200, "")
		var n meNotificationBody
		res.json(t, &n)
		if n.ID != approval.ID || !n.Read || n.Kind != "binding_approved" {
			t.Fatalf("read: %+v", n)
		}
	}
	if unread, _ := a.meNotifications(f.holderToken, "?unread=true", nil); fmt.Sprint(noticeKinds(unread)) != "[shared_account_debited]" {
		t.Fatalf("unread %v", noticeKinds(unread))
	}
	if all, _ := a.meNotifications(f.holderToken, "?unread=false", nil); len(all.Items) != 2 || !all.Items[1].Read || all.Items[0].Read {
		t.Fatalf("all %+v", all.Items)
	}
	res = a.do(request{method: "POST", path: "/v1/me/notifications/" + debit.ID + "/read?lang=en", token: f.holderToken})
	res.expect(t, 200, "")
	if !strings.Contains(string(res.body), "Family mutual-aid payment") {
		t.Fatalf("read in English: %s", res.body)
	}

	// Nobody reads or marks another person's notices.
	if other, _ := a.meNotifications(f.beneficiaryToken, "", nil); len(other.Items) != 0 {
		t.Fatalf("the beneficiary sees %v", noticeKinds(other))
	}
	for _, id := range []string{debit.ID, "999999999999", "abc", "-1"} {
		a.post(f.beneficiaryToken, "/v1/me/notifications/"+id+"/read", nil).expect(t, 404, domain.CodeNotificationNotFound)
	}
	if n := a.count(`SELECT count(*) FROM notifications WHERE recipient_id_number = $1 AND read`, f.holder); n != 2 {
		t.Fatalf("%d read, want 2", n)
	}

	// A notice written before the English text existed is shown in Chinese.
	if _, err := a.store.DB().ExecContext(context.Background(), `INSERT INTO notifications (recipient_id_number, kind, title, body, dedup_key)
		VALUES ($1, 'binding_expired', '家庭共济已到期', '旧消息', $2)`, f.holder, "old:"+string(f.holder)); err != nil {
		t.Fatal(err)
	}
	if p, _ := a.meNotifications(f.holderToken, "?lang=en&limit=1", nil); p.Items[0].Title != "家庭共济已到期" || p.Items[0].Body != "旧消息" {
		t.Fatalf("old notice in English: %+v", p.Items[0])
	}
}

type mePriorityBody struct {
	BindingIDs []string `json:"binding_ids"`
}

func (a *testAPI) mePriority(token string) []string {
	a.t.Helper()
	res := a.do(request{method: "GET", path: "/v1/me/priority", token: token})
	res.expect(a.t, 200, "")
	var p mePriorityBody
	res.json(a.t, &p)
	return p.BindingIDs
}

func (a *testAPI) mePutPriority(token string, body any) response {
	a.t.Helper()
	return a.do(request{method: "PUT", path: "/v1/me/priority", token: token, body: body})
}

func TestPriority_TheBeneficiarysOrderDecidesWhoPays(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	inst := a.hospital()
	// Father (bound a minute before the API's clock, 1000.00) and mother
	// (bound on it, 1000.00) of one child. Earlier, not later: a minute on
	// from 23:59:30 the mother's binding would start after the visit's day.
	earlier := newTestAPIWith(t, func(d *Deps) { d.Now = func() time.Time { return testNow.Add(-time.Minute) } })
	f1, father := earlier.boundFamily("1000.00", nil)
	mother := a.syncInsured("310", "652701", "normal", false, "1000.00", "normal")
	f2 := family{holder: mother, beneficiary: f1.beneficiary, holderToken: a.token(domain.RoleInsured, string(mother)),
		beneficiaryToken: f1.beneficiaryToken}
	mothers := a.activeBinding(f2, nil)
	child := f1.beneficiaryToken

	if got := a.mePriority(child); fmt.Sprint(got) != fmt.Sprint([]string{father.ID, mothers.ID}) {
		t.Fatalf("default order %v, want the father's (older) first", got)
	}
	// Medical 120.00: fund 10.00, personal 110.00, all from the first payer.
	s := a.settle(inst, visit(newVisitNo(), f1.beneficiary, true, cashTopup(), billItem("D001", "drug", "120.00")), "completed")
	if len(s.Payers) != 1 || s.Payers[0].BindingID != father.ID {
		t.Fatalf("default payers %+v", s.Payers)
	}

	// The child puts the mother first; the answer is the order in force.
	res := a.mePutPriority(child, map[string]any{"binding_ids": []string{mothers.ID}})
	res.expect(t, 200, "")
	var p mePriorityBody
	res.json(t, &p)
	if want := fmt.Sprint([]string{mothers.ID, father.ID}); fmt.Sprint(p.BindingIDs) != want || fmt.Sprint(a.mePriority(child)) != want {
		t.Fatalf("order %v / %v, want %s", p.BindingIDs, a.mePriority(child), want)
	}
	s = a.settle(inst, visit(newVisitNo(), f1.beneficiary, true, cashTopup(), billItem("D001", "drug", "120.00")), "completed")
	if len(s.Payers) != 1 || s.Payers[0].BindingID != mothers.ID || s.Payers[0].HolderIDNumber != string(mother) {
		t.Fatalf("payers after the change %+v", s.Payers)
	}
	if a.balance(mother) == "1000.00" {
		t.Fatal("the mother's account did not pay")
	}

	// Refusals change nothing.
	before := fmt.Sprint(a.mePriority(child))
	for _, tt := range []struct {
		name   string
		token  string
		body   any
		status int
		code   domain.Code
	}{
		{"a binding named twice", child, map[string]any{"binding_ids": []string{mothers.ID, mothers.ID}}, 400, domain.CodeInvalidRequest},
		{"an empty id", child, map[string]any{"binding_ids": []string{""}}, 400, domain.CodeInvalidRequest},
		{"no binding_ids", child, map[string]any{}, 400, domain.CodeInvalidRequest},
		{"binding_ids null", child, map[string]any{"binding_ids": nil}, 400, domain.CodeInvalidRequest},
		{"an unknown field", child, map[string]any{"binding_ids": []string{}, "x": 1}, 400, domain.CodeInvalidRequest},
		{"an unknown binding", child, map[string]any{"binding_ids": []string{"00000000-0000-4000-8000-000000000009"}}, 422, domain.CodePriorityBindingNotYours},
		{"the holder naming his own binding as holder", f1.holderToken, map[string]any{"binding_ids": []string{father.ID}}, 422, domain.CodePriorityBindingNotYours},
		{"another child's binding", child, map[string]any{"binding_ids": []string{a.meOtherBinding(t)}}, 422, domain.CodePriorityBindingNotYours},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a.in(t).mePutPriority(tt.token, tt.body).expect(t, tt.status, tt.code)
			if got := fmt.Sprint(a.in(t).mePriority(child)); got != before {
				t.Fatalf("order %s after a refusal, want %s", got, before)
			}
		})
	}

	// An ended binding leaves the order and can no longer be named.
	a.unbind(f2.holderToken, mothers.ID).expect(t, 200, "")
	if got := a.mePriority(child); fmt.Sprint(got) != fmt.Sprint([]string{father.ID}) {
		t.Fatalf("after the mother unbound: %v", got)
	}
	a.mePutPriority(child, map[string]any{"binding_ids": []string{mothers.ID, father.ID}}).expect(t, 422, domain.CodePriorityBindingNotYours)
	a.mePutPriority(child, map[string]any{"binding_ids": []string{}}).expect(t, 200, "")
	if got := a.mePriority(f1.holderToken); len(got) != 0 {
		t.Fatalf("the father is nobody's beneficiary: %v", got)
	}
}

// meOtherBinding binds a fresh child to a fresh holder and returns the binding id.
func (a *testAPI) meOtherBinding(t *testing.T) string {
	t.Helper()
	_, b := a.in(t).boundFamily("10.00", nil)
	return b.ID
}
