package api

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"gongji/domain"
)

// The authorisation matrix: every /v1 route × every role × the caller's own
// resource and someone else's, against one set of real fixtures (DESIGN.md
// invariant 5). The API's rule, read from the handlers: a resource that
// exists but is not the caller's is 403 FORBIDDEN, except a notice, which
// is 404 NOTIFICATION_NOT_FOUND; a wrong role is 403 FORBIDDEN before
// anything is looked up. A refused request that would change something
// changes nothing, and a refusal says nothing of the other's resource.

// authzActor is who calls: one per role, and the beneficiary as a second
// insured caller.
type authzActor string

const (
	asHolder      authzActor = "holder"      // insured: holds the own bindings
	asBeneficiary authzActor = "beneficiary" // insured: named by the holder's active binding
	asReviewer    authzActor = "reviewer"
	asInstitution authzActor = "institution"
	asAdmin       authzActor = "admin"
)

var authzRoleOf = map[authzActor]domain.Role{
	asHolder: domain.RoleInsured, asBeneficiary: domain.RoleInsured, asReviewer: domain.RoleReviewer,
	asInstitution: domain.RoleInstitution, asAdmin: domain.RoleAdmin,
}

// authzActorOf is the caller of the generated wrong-role rows.
var authzActorOf = map[domain.Role]authzActor{
	domain.RoleInsured: asHolder, domain.RoleReviewer: asReviewer, domain.RoleInstitution: asInstitution, domain.RoleAdmin: asAdmin,
}

// authzWhose says whose resource a row addresses.
type authzWhose string

const (
	whoseOwn   authzWhose = "own"   // the caller's (for a list: the caller's must show, another's must not)
	whoseOther authzWhose = "other" // someone else's of the same kind; for a reviewer, a binding never submitted
	whoseNone  authzWhose = "none"  // the route names nobody's resource
)

// authzRow is one expected outcome; code is "" for a 2xx.
type authzRow struct {
	route  string
	as     authzActor
	whose  authzWhose
	status int
	code   domain.Code
}

// authzRows lists the allowed roles' outcomes; the wrong roles' 403s are
// generated from allowedRoles (roles_test.go).
var authzRows = []authzRow{
	// Core-system sync and the webhook outbox: admins only, over everyone.
	{"PUT /v1/persons/:id_number", asAdmin, whoseNone, 200, ""},
	{"GET /v1/persons/:id_number", asAdmin, whoseNone, 200, ""},
	{"PUT /v1/persons/:id_number/enrolment", asAdmin, whoseNone, 200, ""},
	{"PUT /v1/persons/:id_number/account", asAdmin, whoseNone, 200, ""},
	{"POST /v1/persons/:id_number/account/entries", asAdmin, whoseNone, 201, ""},
	{"PUT /v1/persons/:id_number/filings/:filing_no", asAdmin, whoseNone, 200, ""},
	{"POST /v1/persons/:id_number/death", asAdmin, whoseNone, 200, ""},
	{"PUT /v1/institutions/:code", asAdmin, whoseNone, 200, ""},
	{"GET /v1/admin/webhooks/parked", asAdmin, whoseNone, 200, ""},
	{"POST /v1/admin/webhooks/:webhook_id/replay", asAdmin, whoseNone, 200, ""},

	// Bindings: the holder changes, holder and beneficiary read, a reviewer
	// reads what was submitted, an admin reads all.
	{"POST /v1/bindings", asHolder, whoseNone, 201, ""},
	{"GET /v1/bindings", asHolder, whoseOwn, 200, ""},
	{"GET /v1/bindings", asBeneficiary, whoseOwn, 200, ""},
	{"GET /v1/bindings/:binding_id", asHolder, whoseOwn, 200, ""},
	{"GET /v1/bindings/:binding_id", asHolder, whoseOther, 403, domain.CodeForbidden},
	{"GET /v1/bindings/:binding_id", asBeneficiary, whoseOwn, 200, ""},
	{"GET /v1/bindings/:binding_id", asBeneficiary, whoseOther, 403, domain.CodeForbidden},
	{"GET /v1/bindings/:binding_id", asReviewer, whoseOwn, 200, ""},
	{"GET /v1/bindings/:binding_id", asReviewer, whoseOther, 403, domain.CodeForbidden},
	{"GET /v1/bindings/:binding_id", asAdmin, whoseOwn, 200, ""},
	{"GET /v1/bindings/:binding_id", asAdmin, whoseOther, 200, ""},
	{"GET /v1/bindings/:binding_id/documents/:doc_id", asHolder, whoseOwn, 200, ""},
	{"GET /v1/bindings/:binding_id/documents/:doc_id", asHolder, whoseOther, 403, domain.CodeForbidden},
	{"GET /v1/bindings/:binding_id/documents/:doc_id", asBeneficiary, whoseOwn, 403, domain.CodeForbidden},
	{"GET /v1/bindings/:binding_id/documents/:doc_id", asReviewer, whoseOwn, 200, ""},
	{"GET /v1/bindings/:binding_id/documents/:doc_id", asReviewer, whoseOther, 403, domain.CodeForbidden},
	{"POST /v1/bindings/:binding_id/documents", asHolder, whoseOwn, 201, ""},
	{"POST /v1/bindings/:binding_id/documents", asHolder, whoseOther, 403, domain.CodeForbidden},
	{"POST /v1/bindings/:binding_id/documents", asBeneficiary, whoseOwn, 403, domain.CodeForbidden},
	{"POST /v1/bindings/:binding_id/submit", asHolder, whoseOwn, 200, ""},
	{"POST /v1/bindings/:binding_id/submit", asHolder, whoseOther, 403, domain.CodeForbidden},
	{"POST /v1/bindings/:binding_id/submit", asBeneficiary, whoseOwn, 403, domain.CodeForbidden},
	{"PATCH /v1/bindings/:binding_id", asHolder, whoseOwn, 200, ""},
	{"PATCH /v1/bindings/:binding_id", asHolder, whoseOther, 403, domain.CodeForbidden},
	{"PATCH /v1/bindings/:binding_id", asBeneficiary, whoseOwn, 403, domain.CodeForbidden},
	{"POST /v1/bindings/:binding_id/unbind", asHolder, whoseOwn, 200, ""},
	{"POST /v1/bindings/:binding_id/unbind", asHolder, whoseOther, 403, domain.CodeForbidden},
	{"POST /v1/bindings/:binding_id/unbind", asBeneficiary, whoseOwn, 403, domain.CodeForbidden},
	// Consent: the beneficiary answers a binding that waits for them; the
	// holder may not answer for them.
	{"POST /v1/bindings/:binding_id/consent", asBeneficiary, whoseOwn, 200, ""},
	{"POST /v1/bindings/:binding_id/consent", asBeneficiary, whoseOther, 403, domain.CodeForbidden},
	{"POST /v1/bindings/:binding_id/consent", asHolder, whoseOwn, 403, domain.CodeForbidden},
	{"POST /v1/bindings/:binding_id/consent", asHolder, whoseOther, 403, domain.CodeForbidden},
	{"GET /v1/reviews", asReviewer, whoseOwn, 200, ""},
	{"POST /v1/bindings/:binding_id/review", asReviewer, whoseOwn, 200, ""},
	// Reviewing a binding never submitted is the wrong state, as for any
	// binding not under review (TestBindingReview_NotUnderReview_IsWrongState).
	{"POST /v1/bindings/:binding_id/review", asReviewer, whoseOther, 409, domain.CodeBindingWrongState},

	// Settlements: an institution's own visits only.
	{"POST /v1/settlements", asInstitution, whoseOwn, 200, ""},
	{"POST /v1/settlements", asInstitution, whoseOther, 200, ""}, // another's visit number is a visit of its own
	{"GET /v1/settlements", asInstitution, whoseOwn, 200, ""},
	{"GET /v1/settlements/:settlement_id", asInstitution, whoseOwn, 200, ""},
	{"GET /v1/settlements/:settlement_id", asInstitution, whoseOther, 403, domain.CodeForbidden},
	{"POST /v1/settlements/:settlement_id/topup", asInstitution, whoseOwn, 200, ""},
	{"POST /v1/settlements/:settlement_id/topup", asInstitution, whoseOther, 403, domain.CodeForbidden},
	{"POST /v1/settlements/:settlement_id/cancel", asInstitution, whoseOwn, 200, ""},
	{"POST /v1/settlements/:settlement_id/cancel", asInstitution, whoseOther, 403, domain.CodeForbidden},

	// Self-service: the caller's own account, inbox and payer order.
	{"GET /v1/me/account", asHolder, whoseOwn, 200, ""},
	{"GET /v1/me/account", asBeneficiary, whoseOwn, 404, domain.CodeAccountNotFound},
	{"GET /v1/me/notifications", asHolder, whoseOwn, 200, ""},
	{"GET /v1/me/notifications", asBeneficiary, whoseOwn, 200, ""},
	{"POST /v1/me/notifications/:notification_id/read", asHolder, whoseOwn, 200, ""},
	{"POST /v1/me/notifications/:notification_id/read", asHolder, whoseOther, 404, domain.CodeNotificationNotFound},
	{"GET /v1/me/priority", asHolder, whoseNone, 200, ""},
	{"GET /v1/me/priority", asBeneficiary, whoseOwn, 200, ""},
	{"PUT /v1/me/priority", asBeneficiary, whoseOwn, 200, ""},
	{"PUT /v1/me/priority", asBeneficiary, whoseOther, 422, domain.CodePriorityBindingNotYours},
	{"PUT /v1/me/priority", asHolder, whoseOwn, 422, domain.CodePriorityBindingNotYours}, // his binding as holder
	{"PUT /v1/me/priority", asHolder, whoseOther, 422, domain.CodePriorityBindingNotYours},
	// A minor's payer order: a holder with a live binding to the minor;
	// own is the holder's bound child, other another holder's child. The
	// beneficiary actor (an adult) on their own id holds no binding to
	// themselves, and an adult uses /v1/me/priority anyway.
	{"GET /v1/family/:beneficiary_id_number/priority", asHolder, whoseOwn, 200, ""},
	{"GET /v1/family/:beneficiary_id_number/priority", asHolder, whoseOther, 403, domain.CodeForbidden},
	{"GET /v1/family/:beneficiary_id_number/priority", asBeneficiary, whoseOwn, 403, domain.CodeForbidden},
	{"PUT /v1/family/:beneficiary_id_number/priority", asHolder, whoseOwn, 200, ""},
	{"PUT /v1/family/:beneficiary_id_number/priority", asHolder, whoseOther, 403, domain.CodeForbidden},
	{"PUT /v1/family/:beneficiary_id_number/priority", asBeneficiary, whoseOwn, 403, domain.CodeForbidden},

	// Premiums: anyone reads the price; only the paying holder reads a payment.
	{"GET /v1/premiums/:year", asHolder, whoseNone, 200, ""},
	{"GET /v1/premiums/:year", asReviewer, whoseNone, 200, ""},
	{"GET /v1/premiums/:year", asInstitution, whoseNone, 200, ""},
	{"GET /v1/premiums/:year", asAdmin, whoseNone, 200, ""},
	{"POST /v1/premium-payments", asHolder, whoseOwn, 201, ""},
	{"POST /v1/premium-payments", asHolder, whoseOther, 422, domain.CodeNoActiveBinding},
	{"GET /v1/premium-payments/:payment_id", asHolder, whoseOwn, 200, ""},
	{"GET /v1/premium-payments/:payment_id", asHolder, whoseOther, 403, domain.CodeForbidden},
	{"GET /v1/premium-payments/:payment_id", asBeneficiary, whoseOwn, 403, domain.CodeForbidden}, // paid for him, not by him
}

// authzOwned says whether a route names one party's resource, in the path
// or the body: every role allowed on it but admin needs an own and an
// other row.
func authzOwned(route string) bool {
	for _, p := range []string{":binding_id", ":settlement_id", ":notification_id", ":payment_id", ":beneficiary_id_number"} {
		if strings.Contains(route, p) {
			return true
		}
	}
	return slices.Contains([]string{"POST /v1/settlements", "PUT /v1/me/priority", "POST /v1/premium-payments"}, route)
}

// authzFinishesLater are the routes that answer 202 with Location when
// their saga outlasts the wait; that answer counts as the success it
// becomes.
var authzFinishesLater = []string{"POST /v1/settlements", "POST /v1/settlements/:settlement_id/topup",
	"POST /v1/settlements/:settlement_id/cancel", "POST /v1/premium-payments"}

// checkAuthzCoverage fails unless every route of the router has a row for
// every role, with own and other rows where it names a resource.
func checkAuthzCoverage(t *testing.T, routes []string) {
	t.Helper()
	have := map[string][]authzWhose{}
	for _, r := range authzRows {
		if !slices.Contains(routes, r.route) {
			t.Errorf("row for %s, which the router lacks", r.route)
		}
		if !slices.Contains(allowedRoles[r.route], authzRoleOf[r.as]) {
			t.Errorf("row for %s as %s, a role the route refuses: the generated rows cover it", r.route, r.as)
		}
		k := r.route + " " + string(authzRoleOf[r.as])
		have[k] = append(have[k], r.whose)
	}
	for _, route := range routes {
		allowed, ok := allowedRoles[route]
		if !ok {
			t.Errorf("route %s has no entry in allowedRoles", route)
		}
		for _, role := range allowed {
			got := have[route+" "+string(role)]
			switch {
			case len(got) == 0:
				t.Errorf("route %s has no row for the role %s", route, role)
			case authzOwned(route) && role != domain.RoleAdmin && (!slices.Contains(got, whoseOwn) || !slices.Contains(got, whoseOther)):
				t.Errorf("route %s as %s needs an own and an other row, has %v", route, role, got)
			}
		}
	}
}

// authzWrongRoleRows are a 403 for every role a route refuses, on the own
// and the other resource where the route names one.
func authzWrongRoleRows(routes []string) []authzRow {
	var out []authzRow
	for _, route := range routes {
		for _, role := range domain.Roles {
			if slices.Contains(allowedRoles[route], role) {
				continue
			}
			ws := []authzWhose{whoseNone}
			if authzOwned(route) {
				ws = []authzWhose{whoseOwn, whoseOther}
			}
			for _, w := range ws {
				out = append(out, authzRow{route, authzActorOf[role], w, 403, domain.CodeForbidden})
			}
		}
	}
	return out
}

func TestAuthz_EveryRouteRoleAndOwner(t *testing.T) {
	a := newTestAPIWith(t, func(d *Deps) { d.TopupTimeout = 10 * time.Minute })
	routes := v1Routes(a)
	checkAuthzCoverage(t, routes)
	if t.Failed() {
		t.FailNow()
	}
	w := newAuthzWorld(a)

	rows := append(authzWrongRoleRows(routes), authzRows...)
	// Refusals first, while every fixture is as built; then the allowed
	// requests, in table order (some of them change their own resource).
	refused := func(r authzRow) bool { return r.status >= 300 }
	for _, pass := range []func(authzRow) bool{refused, func(r authzRow) bool { return !refused(r) }} {
		for _, row := range rows {
			if !pass(row) {
				continue
			}
			t.Run(fmt.Sprintf("%s as %s on %s", row.route, row.as, row.whose), func(t *testing.T) { w.in(t).check(row) })
		}
	}
	checkSettlementInvariants(t, a.store)
}

// ---------------------------------------------------------------------------
// Fixtures

// authzWorld is everything the rows address, built once.
type authzWorld struct {
	a      *testAPI
	tokens map[authzActor]string
	// persons and institutions are everyone the fixtures made: what a
	// refused request must leave unchanged.
	persons      []string
	institutions []string

	h1, h2 family       // h1: the holder and beneficiary actors; h2: another family
	b1, b2 authzBinding // active: h1's and h2's
	draft  authzBinding // h1's, with a proof, never submitted: a reviewer's "other"
	// toSubmit (a proof, not submitted), toReview (under review) and
	// toUnbind (requested) are h1's, for the allowed actions.
	toSubmit, toReview, toUnbind string
	// toConsent names h1's beneficiary and is held by another holder; it
	// waits for the beneficiary's consent.
	toConsent      string
	consenter      family
	asked          string // h2's, submitted once and sent back for documents
	newBeneficiary domain.IDNumber
	// m1 and m2 are minors, bound (awaiting documents) by h1's and h2's
	// holder through m1Binding and m2Binding.
	m1, m2               domain.IDNumber
	m1Binding, m2Binding string

	instA, instB  institution
	s1, sb, sDue  settlementBody // instA's completed, instB's completed, instA's awaiting a cash top-up
	sbBody        map[string]any
	n1, n2        string // h1's and h2's debit notices
	p1, p2        string // h1's and h2's premium payments
	synced, dying domain.IDNumber
	parked        string // a parked webhook message
}

// authzBinding is a binding, its proof and what a refusal must not tell
// of it.
type authzBinding struct {
	id, doc string
	secrets []string
}

// authzBindingOf reads what the matrix needs of a binding of f.
func (a *testAPI) authzBindingOf(b bindingBody, f family) authzBinding {
	a.t.Helper()
	if len(b.Documents) == 0 {
		b = a.getBinding(f.holderToken, b.ID)
	}
	return authzBinding{id: b.ID, doc: b.Documents[0].ID, secrets: []string{string(f.holder), string(f.beneficiary), b.Status}}
}

func newAuthzWorld(a *testAPI) *authzWorld {
	a.t.Helper()
	w := &authzWorld{a: a, instA: a.hospital(), instB: a.hospital()}
	var b1, b2 bindingBody
	w.h1, b1 = a.boundFamily("2000.00", nil)
	w.h2, b2 = a.boundFamily("2000.00", nil)
	w.b1, w.b2 = a.authzBindingOf(b1, w.h1), a.authzBindingOf(b2, w.h2)

	f := a.withBeneficiary(w.h1)
	draft := a.requestBinding(f, nil)
	a.upload(f.holderToken, draft.ID, "birth_certificate", pdfProof).expect(a.t, 201, "")
	w.draft = a.authzBindingOf(draft, f)
	g := a.withBeneficiary(w.h1)
	w.toSubmit = a.requestBinding(g, nil).ID
	a.upload(g.holderToken, w.toSubmit, "birth_certificate", pdfProof).expect(a.t, 201, "")
	r := a.withBeneficiary(w.h1)
	w.toReview = a.submitted(r).ID
	u := a.withBeneficiary(w.h1)
	w.toUnbind = a.requestBinding(u, nil).ID
	second := a.syncInsured("310", "652701", "normal", false, "500.00", "normal")
	w.consenter = family{holder: second, holderToken: a.token(domain.RoleInsured, string(second)),
		beneficiary: w.h1.beneficiary, beneficiaryToken: w.h1.beneficiaryToken}
	w.toConsent = a.requestBinding(w.consenter, nil).ID
	k := a.withBeneficiary(w.h2)
	w.asked = a.submitted(k).ID
	a.review(w.asked, "request_documents", "请补充户口簿").expect(a.t, 200, "")
	w.newBeneficiary = a.syncInsured("390", "652722", "normal", false, "", "")
	w.m1, w.m2 = a.syncMinor(), a.syncMinor()
	w.m1Binding = a.requestBinding(family{holder: w.h1.holder, beneficiary: w.m1, holderToken: w.h1.holderToken}, nil).ID
	w.m2Binding = a.requestBinding(family{holder: w.h2.holder, beneficiary: w.m2, holderToken: w.h2.holderToken}, nil).ID

	w.s1 = a.settle(w.instA, visit(newVisitNo(), w.h1.beneficiary, true, cardTopup("tok_authz_a"),
		billItem("D001", "drug", "300.00"), billItem("N001", "non_medical", "10.00")), "completed")
	w.sDue = a.awaitingTopup(w.instA, visit(newVisitNo(), w.h1.beneficiary, true, cashTopup(),
		billItem("D001", "drug", "50.00"), billItem("N001", "non_medical", "5.00")))
	w.sbBody = visit(newVisitNo(), w.h2.beneficiary, true, cardTopup("tok_authz_b"), billItem("D001", "drug", "300.00"))
	w.sb = a.settle(w.instB, w.sbBody, "completed")
	w.n1 = a.authzNoticeOf(w.h1.holder, w.s1.ID)
	w.n2 = a.authzNoticeOf(w.h2.holder, w.sb.ID)
	w.p1 = a.payPremium(w.h1.holderToken, premiumBody(w.h1.beneficiary, premiumYear, "400.00"), "completed").ID
	w.p2 = a.payPremium(w.h2.holderToken, premiumBody(w.h2.beneficiary, premiumYear, "400.00"), "completed").ID

	w.synced = a.syncInsured("310", "652701", "normal", false, "500.00", "normal")
	w.dying = a.syncInsured("310", "652701", "normal", false, "500.00", "normal")
	if err := a.store.DB().GetContext(context.Background(), &w.parked, `
		INSERT INTO webhook_outbox (notification_id, recipient_id_number, payload, attempts, status, last_error, parked_at)
		VALUES ($1, $2, '{}', 8, 'parked', 'HTTP 500', now()) RETURNING id::text`, w.n1, w.h1.holder); err != nil {
		a.t.Fatal(err)
	}
	// No dispatcher runs here; a replayed message must not wait for the
	// next one that does.
	a.t.Cleanup(func() {
		_, _ = a.store.DB().ExecContext(context.Background(), `UPDATE webhook_outbox
			SET status = 'delivered', delivered_at = now(), parked_at = NULL WHERE id = $1`, w.parked)
	})

	w.tokens = map[authzActor]string{
		asHolder: w.h1.holderToken, asBeneficiary: w.h1.beneficiaryToken, asReviewer: a.reviewer(),
		asInstitution: w.instA.token, asAdmin: a.admin(),
	}
	w.institutions = []string{w.instA.code, w.instB.code}
	w.persons = []string{string(w.synced), string(w.dying), string(w.newBeneficiary), string(w.m1), string(w.m2)}
	for _, fam := range []family{w.h1, w.h2, f, g, r, u, k, w.consenter} {
		w.persons = append(w.persons, string(fam.holder), string(fam.beneficiary))
	}
	// The binding notices are written after their status change; wait for
	// them so that nothing moves under the refusals but the request.
	a.eventually("the binding notices", func() bool {
		return a.count(`SELECT count(*) FROM notifications WHERE binding_id = ANY($1) AND kind LIKE 'binding\_%'`,
			pq.StringArray{w.b1.id, w.b2.id, w.asked}) == 3
	})
	return w
}

// authzNoticeOf returns the id of the holder's notice about a settlement.
func (a *testAPI) authzNoticeOf(holder domain.IDNumber, settlementID string) string {
	a.t.Helper()
	var id string
	if err := a.store.DB().GetContext(context.Background(), &id, `SELECT id::text FROM notifications
		WHERE recipient_id_number = $1 AND settlement_id = $2`, holder, settlementID); err != nil {
		a.t.Fatalf("notice of %s about %s: %v", holder, settlementID, err)
	}
	return id
}

// in returns a copy of w whose helpers report to t.
func (w *authzWorld) in(t *testing.T) *authzWorld {
	c := *w
	c.a = w.a.in(t)
	return &c
}

// ---------------------------------------------------------------------------
// Rows to requests

// authzTarget is a row's request with what its answer must show (when
// 2xx), must never show, and must not show when refused (the other
// resource's details).
type authzTarget struct {
	req            request
	shows, hides   []string
	refusalSecrets []string
}

// binding picks the binding a row addresses: the holder acts on the one
// fit for the action, a reviewer's other is the binding never submitted.
func (w *authzWorld) binding(route string, as authzActor, wh authzWhose) authzBinding {
	if wh == whoseOther {
		if as == asReviewer {
			return w.draft
		}
		return w.b2
	}
	switch {
	case as == asHolder && route == "POST /v1/bindings/:binding_id/documents":
		return w.draft
	case as == asHolder && route == "POST /v1/bindings/:binding_id/submit":
		return authzBinding{id: w.toSubmit}
	case as == asHolder && route == "POST /v1/bindings/:binding_id/unbind":
		return authzBinding{id: w.toUnbind}
	case route == "POST /v1/bindings/:binding_id/consent" && as == asBeneficiary:
		return authzBinding{id: w.toConsent}
	case route == "POST /v1/bindings/:binding_id/review":
		return authzBinding{id: w.toReview}
	}
	return w.b1
}

func (w *authzWorld) target(route string, as authzActor, wh authzWhose) authzTarget {
	method, path, _ := strings.Cut(route, " ")
	mine := wh != whoseOther
	b := w.binding(route, as, wh)
	settlement, notice, payment := w.s1, w.n1, w.p1
	if route == "POST /v1/settlements/:settlement_id/topup" {
		settlement = w.sDue
	}
	if !mine {
		settlement, notice, payment = w.sb, w.n2, w.p2
	}
	person := w.synced
	if route == "POST /v1/persons/:id_number/death" {
		person = w.dying
	}
	minor, minorsBinding := w.m1, w.m1Binding
	switch {
	case !mine:
		minor, minorsBinding = w.m2, w.m2Binding
	case as == asBeneficiary:
		minor = w.h1.beneficiary
	}
	path = strings.NewReplacer(":binding_id", b.id, ":doc_id", b.doc, ":settlement_id", settlement.ID,
		":notification_id", notice, ":payment_id", payment, ":webhook_id", w.parked, ":id_number", string(person),
		":filing_no", "BA-AUTHZ", ":code", w.instA.code, ":year", strconv.Itoa(premiumYear), ":beneficiary_id_number", string(minor)).Replace(path)
	t := authzTarget{req: request{method: method, path: path, token: w.tokens[as]}}

	switch {
	case strings.Contains(route, ":binding_id"):
		t.refusalSecrets = b.secrets
	case strings.Contains(route, ":settlement_id"):
		t.refusalSecrets = []string{settlement.PatientIDNumber, settlement.VisitNo, settlement.Status}
	case strings.Contains(route, ":payment_id"):
		t.refusalSecrets = []string{string(w.h2.beneficiary), string(w.h2.holder)}
	}

	switch route {
	case "PUT /v1/persons/:id_number":
		t.req.body = map[string]any{"name": "测试" + string(person[14:])}
	case "GET /v1/persons/:id_number":
		t.shows = []string{string(person)}
	case "PUT /v1/persons/:id_number/enrolment":
		t.req.body = map[string]any{"insutype": "310", "admdvs": "652701", "status": "normal", "arrears": false}
	case "PUT /v1/persons/:id_number/account":
		t.req.body = map[string]any{"balance": "500.00", "status": "normal"}
	case "POST /v1/persons/:id_number/account/entries":
		t.req.body = map[string]any{"amount": "1.00", "kind": "contribution", "reference": "authz-" + string(newID())}
	case "PUT /v1/persons/:id_number/filings/:filing_no":
		t.req.body = map[string]any{"admdvs_to": "110105", "valid_from": daysFromToday(-23), "valid_until": daysFromToday(340)}
	case "POST /v1/persons/:id_number/death":
		t.req.body = map[string]any{"date": daysFromToday(-4)}
	case "PUT /v1/institutions/:code":
		t.req.body = map[string]any{"name": w.instA.name, "kind": "hospital", "admdvs": "652701", "designated": true}
	case "GET /v1/admin/webhooks/parked":
		t.shows = []string{`"id":"` + w.parked + `"`}

	case "POST /v1/bindings":
		t.req.body = map[string]any{"beneficiary_id_number": string(w.newBeneficiary), "relation": "child"}
	case "GET /v1/bindings":
		if as == asBeneficiary {
			t.req.path += "?as=beneficiary"
		}
		t.shows, t.hides = []string{w.b1.id}, []string{w.b2.id}
	case "GET /v1/bindings/:binding_id":
		t.shows = []string{b.id}
	case "GET /v1/bindings/:binding_id/documents/:doc_id":
		t.shows = []string{string(pdfProof)}
	case "POST /v1/bindings/:binding_id/documents":
		t.req.body, t.req.contentType = multipartBody(w.a.t, "birth_certificate", pdfProof)
	case "PATCH /v1/bindings/:binding_id":
		t.req.body = map[string]any{"valid_until": dateInYear(2, time.December, 31)}
	case "POST /v1/bindings/:binding_id/review":
		t.req.body = map[string]any{"decision": "approve"}
	case "POST /v1/bindings/:binding_id/consent":
		t.req.body = map[string]any{"decision": "accept"}
	case "GET /v1/reviews":
		t.req.path += "?status=awaiting_documents"
		t.shows, t.hides = []string{w.asked}, []string{w.draft.id}

	case "POST /v1/settlements":
		t.req.body = visit(newVisitNo(), w.h2.beneficiary, false, cardTopup("tok_authz_new"), billItem("D001", "drug", "80.00"))
		if !mine {
			t.req.body = w.sbBody
		}
		t.hides = []string{w.sb.ID}
	case "GET /v1/settlements":
		t.shows, t.hides = []string{w.s1.ID}, []string{w.sb.ID}
	case "GET /v1/settlements/:settlement_id":
		t.shows = []string{settlement.ID}
	case "POST /v1/settlements/:settlement_id/topup":
		t.req.body = map[string]any{"method": "cash", "amount": settlement.TopupDue, "receipt_no": "R-AUTHZ"}
		if !mine {
			t.req.body = map[string]any{"method": "cash", "amount": "1.00"}
		}
	case "POST /v1/settlements/:settlement_id/cancel":
		t.req.body = map[string]any{"reason": "患者退费"}

	case "GET /v1/me/account":
		t.shows, t.hides = []string{w.s1.ID}, []string{w.sb.ID}
		if as == asBeneficiary {
			t.shows, t.hides = nil, []string{w.s1.ID, w.sb.ID}
		}
	case "GET /v1/me/notifications":
		t.shows, t.hides = []string{`"id":"` + w.n1 + `"`}, []string{`"id":"` + w.n2 + `"`}
		if as == asBeneficiary {
			t.shows, t.hides = nil, []string{`"id":"` + w.n1 + `"`, `"id":"` + w.n2 + `"`}
		}
	case "POST /v1/me/notifications/:notification_id/read":
		t.shows = []string{`"id":"` + notice + `"`}
	case "GET /v1/me/priority":
		if as == asBeneficiary {
			t.shows, t.hides = []string{w.b1.id}, []string{w.b2.id}
		}
	case "PUT /v1/me/priority":
		t.req.body = map[string]any{"binding_ids": []string{w.b1.id}}
		if !mine {
			t.req.body = map[string]any{"binding_ids": []string{w.b2.id}}
		}
		t.refusalSecrets = []string{string(w.h2.holder)}

	case "GET /v1/family/:beneficiary_id_number/priority":
		t.shows = []string{minorsBinding}
		t.refusalSecrets = []string{w.m2Binding, string(w.h2.holder)}
	case "PUT /v1/family/:beneficiary_id_number/priority":
		t.req.body = map[string]any{"binding_ids": []string{minorsBinding}}
		t.shows = []string{minorsBinding}
		t.refusalSecrets = []string{w.m2Binding, string(w.h2.holder)}

	case "POST /v1/premium-payments":
		t.req.body = premiumBody(w.h1.beneficiary, thisPremiumYear, "400.00")
		if !mine {
			t.req.body = premiumBody(w.h2.beneficiary, thisPremiumYear, "400.00")
		}
		t.refusalSecrets = []string{string(w.h2.holder), w.b2.id}
	case "GET /v1/premium-payments/:payment_id":
		t.shows = []string{payment}
	}
	return t
}

// check sends a row's request and asserts its outcome; a refused request
// that would change something must leave every fixture as it was.
func (w *authzWorld) check(row authzRow) {
	t := w.a.t
	t.Helper()
	tgt := w.target(row.route, row.as, row.whose)
	mutates := tgt.req.method != "GET"
	refused := row.status >= 300
	var before []string
	if mutates && refused {
		before = w.snapshot()
	}
	res := w.a.do(tgt.req)
	later := res.status == 202 && slices.Contains(authzFinishesLater, row.route) && res.header.Get("Location") != ""
	if !(later && row.status/100 == 2) {
		res.expect(t, row.status, row.code)
	}
	for _, s := range tgt.hides {
		if bytes.Contains(res.body, []byte(s)) {
			t.Errorf("the answer shows %q, which is not the caller's: %s", s, res.body)
		}
	}
	if refused {
		for _, s := range tgt.refusalSecrets {
			if s != "" && bytes.Contains(res.body, []byte(s)) {
				t.Errorf("the refusal tells %q of another's resource: %s", s, res.body)
			}
		}
	} else {
		for _, s := range tgt.shows {
			if !bytes.Contains(res.body, []byte(s)) {
				t.Errorf("the answer lacks %q: %s", s, res.body)
			}
		}
	}
	if mutates && refused {
		after := w.snapshot()
		for i, tbl := range authzTables {
			if before[i] != after[i] {
				t.Errorf("a refused %s changed %s", row.route, tbl.name)
			}
		}
	}
}

// authzTables are the rows of the fixtures' persons ($1) and institutions
// ($2), table by table.
var authzTables = []struct{ name, where string }{
	{"persons", `id_number::text = ANY($1)`},
	{"enrolments", `id_number::text = ANY($1)`},
	{"accounts", `id_number::text = ANY($1)`},
	{"ledger_entries", `account_id_number::text = ANY($1)`},
	{"filings", `id_number::text = ANY($1)`},
	{"sim.fund_usage", `id_number::text = ANY($1)`},
	{"notifications", `recipient_id_number::text = ANY($1)`},
	{"webhook_outbox", `recipient_id_number::text = ANY($1)`},
	{"bindings", `holder_id_number::text = ANY($1) OR beneficiary_id_number::text = ANY($1)`},
	{"binding_history", `binding_id IN (` + fixtureBindings + `)`},
	{"binding_usage", `binding_id IN (` + fixtureBindings + `)`},
	{"documents", `binding_id IN (` + fixtureBindings + `)`},
	{"beneficiary_priorities", `beneficiary_id_number::text = ANY($1)`},
	{"priority_changes", `beneficiary_id_number::text = ANY($1)`},
	{"premium_payments", `holder_id_number::text = ANY($1) OR beneficiary_id_number::text = ANY($1)`},
	{"sim.premium_postings", `beneficiary_id_number::text = ANY($1)`},
	{"institutions", `code::text = ANY($2)`},
	{"settlements", `institution_code::text = ANY($2) OR patient_id_number::text = ANY($1)`},
	{"settlement_steps", `settlement_id IN (` + fixtureSettlements + `)`},
	{"settlement_payers", `settlement_id IN (` + fixtureSettlements + `)`},
	{"topups", `settlement_id IN (` + fixtureSettlements + `)`},
	{"sim.fund_settlements", `settlement_id IN (` + fixtureSettlements + `)`},
}

const (
	fixtureBindings    = `SELECT id FROM bindings WHERE holder_id_number::text = ANY($1) OR beneficiary_id_number::text = ANY($1)`
	fixtureSettlements = `SELECT id FROM settlements WHERE institution_code::text = ANY($2) OR patient_id_number::text = ANY($1)`
)

// snapshot is one digest per table of authzTables.
func (w *authzWorld) snapshot() []string {
	w.a.t.Helper()
	digests := make([]string, len(authzTables))
	for i, tbl := range authzTables {
		digests[i] = `(SELECT md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) FROM ` + tbl.name + ` t WHERE ` + tbl.where + `)`
	}
	var out pq.StringArray
	if err := w.a.store.DB().GetContext(context.Background(), &out, `SELECT ARRAY[`+strings.Join(digests, ", ")+`]`,
		pq.StringArray(w.persons), pq.StringArray(w.institutions)); err != nil {
		w.a.t.Fatal(err)
	}
	return out
}
