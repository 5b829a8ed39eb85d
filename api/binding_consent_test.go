package api

import (
	"slices"
	"testing"

	"gongji/domain"
)

// newSpouseFamily is a holder and an adult spouse (employee-insured in
// 博乐市, born in the 1970s or later: far over 16 on testNow).
func (a *testAPI) newSpouseFamily() family {
	a.t.Helper()
	f := a.newFamily()
	f.beneficiary = a.syncInsured("310", "652701", "normal", false, "300.00", "normal")
	f.beneficiaryToken = a.token(domain.RoleInsured, string(f.beneficiary))
	return f
}

// spouseSubmitted requests a spouse binding, uploads the marriage
// certificate and submits it: under review, consent still pending.
func (a *testAPI) spouseSubmitted(f family) bindingBody {
	a.t.Helper()
	b := a.requestBinding(f, map[string]any{"relation": "spouse"})
	if b.Consent != "pending" || b.Status != "awaiting_documents" {
		a.t.Fatalf("a spouse binding is %s with consent %q, want awaiting_documents with pending", b.Status, b.Consent)
	}
	a.upload(f.holderToken, b.ID, "marriage_certificate", pdfProof).expect(a.t, 201, "")
	a.submit(f.holderToken, b.ID).expect(a.t, 200, "")
	return b
}

func TestBindingConsent_SpouseMustAcceptBeforeApproval(t *testing.T) {
	a := newTestAPI(t)
	f := a.newSpouseFamily()
	b := a.spouseSubmitted(f)

	a.review(b.ID, "approve", "").expect(t, 409, domain.CodeConsentRequired)
	if got := a.getBinding(a.reviewer(), b.ID); got.Status != "under_review" || got.Consent != "pending" ||
		slices.Contains(events(got), "approved") || got.ValidFrom != nil {
		t.Fatalf("after the refused approval: %s, consent %q, history %v", got.Status, got.Consent, events(got))
	}

	res := a.consent(f.beneficiaryToken, b.ID, "accept")
	res.expect(t, 200, "")
	var accepted bindingBody
	res.json(t, &accepted)
	if accepted.Status != "under_review" || accepted.Consent != "accepted" {
		t.Fatalf("after the acceptance: %s with consent %q, want under_review with accepted", accepted.Status, accepted.Consent)
	}
	last := accepted.History[len(accepted.History)-1]
	if last.Event != "consent_accepted" || last.By != "insured:"+string(f.beneficiary) {
		t.Errorf("last history entry %+v, want consent_accepted by the spouse", last)
	}

	res = a.review(b.ID, "approve", "")
	res.expect(t, 200, "")
	var active bindingBody
	res.json(t, &active)
	if active.Status != "active" || active.Consent != "accepted" || strPtr(active.ValidFrom) != domain.DateOf(testNow).String() {
		t.Fatalf("after the approval: %s, consent %q, valid_from %s", active.Status, active.Consent, strPtr(active.ValidFrom))
	}
	want := []string{"requested", "document_uploaded", "submitted", "consent_accepted", "approved"}
	if !slices.Equal(events(active), want) {
		t.Errorf("history %v, want %v", events(active), want)
	}
	// The spouse reads the binding, consent included, among their own.
	if mine := a.listBindings(f.beneficiaryToken, "?as=beneficiary"); len(mine.Items) != 1 || mine.Items[0].Consent != "accepted" {
		t.Errorf("the spouse's bindings %+v", mine.Items)
	}
}

func TestBindingConsent_AcceptedBeforeSubmission(t *testing.T) {
	a := newTestAPI(t)
	f := a.newSpouseFamily()
	b := a.requestBinding(f, map[string]any{"relation": "spouse"})
	a.consent(f.beneficiaryToken, b.ID, "accept").expect(t, 200, "")
	a.upload(f.holderToken, b.ID, "marriage_certificate", pdfProof).expect(t, 201, "")
	a.submit(f.holderToken, b.ID).expect(t, 200, "")
	res := a.review(b.ID, "approve", "")
	res.expect(t, 200, "")
	var got bindingBody
	res.json(t, &got)
	want := []string{"requested", "consent_accepted", "document_uploaded", "submitted", "approved"}
	if got.Status != "active" || !slices.Equal(events(got), want) {
		t.Fatalf("got %s %v, want active %v", got.Status, events(got), want)
	}
}

func TestBindingConsent_DeclineEndsItAndTellsTheHolder(t *testing.T) {
	a := newTestAPI(t)
	f := a.newSpouseFamily()
	b := a.spouseSubmitted(f)

	res := a.consent(f.beneficiaryToken, b.ID, "decline")
	res.expect(t, 200, "")
	var got bindingBody
	res.json(t, &got)
	if got.Status != "declined" || got.Consent != "declined" {
		t.Fatalf("after the decline: %s with consent %q, want declined with declined", got.Status, got.Consent)
	}
	if last := got.History[len(got.History)-1]; last.Event != "consent_declined" || last.By != "insured:"+string(f.beneficiary) {
		t.Errorf("last history entry %+v", last)
	}
	if slices.Contains(a.reviewQueue(), b.ID) {
		t.Errorf("a declined binding stays in the review queue")
	}
	// Final: no review, no second answer, and the pair may ask again.
	a.review(b.ID, "approve", "").expect(t, 409, domain.CodeBindingWrongState)
	a.consent(f.beneficiaryToken, b.ID, "accept").expect(t, 409, domain.CodeBindingWrongState)
	a.requestBinding(f, map[string]any{"relation": "spouse"})

	a.eventually("the holder's notice", func() bool {
		return a.count(`SELECT count(*) FROM notifications WHERE recipient_id_number = $1 AND binding_id = $2 AND kind = 'binding_declined'`,
			f.holder, b.ID) == 1
	})
	inbox, _ := a.meNotifications(f.holderToken, "", nil)
	if len(inbox.Items) != 1 || inbox.Items[0].Kind != "binding_declined" || inbox.Items[0].Title != "家庭共济申请已被拒绝" {
		t.Fatalf("the holder's inbox %+v", inbox.Items)
	}
	if spouse, _ := a.meNotifications(f.beneficiaryToken, "", nil); len(spouse.Items) != 0 {
		t.Errorf("the spouse was sent %v", noticeKinds(spouse))
	}
}

func TestBindingConsent_ChildUnderSixteenNeedsNone(t *testing.T) {
	a := newTestAPI(t)
	f := a.newChildFamily()
	b := a.requestBinding(f, nil)
	if b.Consent != "not_required" {
		t.Fatalf("a child's binding reads consent %q, want not_required", b.Consent)
	}
	a.consent(f.beneficiaryToken, b.ID, "accept").expect(t, 409, domain.CodeConsentNotPending)
	a.upload(f.holderToken, b.ID, "birth_certificate", pdfProof).expect(t, 201, "")
	a.submit(f.holderToken, b.ID).expect(t, 200, "")
	a.review(b.ID, "approve", "").expect(t, 200, "")
	got := a.getBinding(f.holderToken, b.ID)
	if got.Status != "active" || got.Consent != "not_required" || slices.ContainsFunc(events(got), func(e string) bool { return e == "consent_accepted" }) {
		t.Fatalf("got %s with consent %q, history %v", got.Status, got.Consent, events(got))
	}
}

func TestBindingConsent_OnlyTheBeneficiaryAnswersAndOnlyOnce(t *testing.T) {
	a := newTestAPI(t)
	f := a.newSpouseFamily()
	b := a.spouseSubmitted(f)
	stranger := a.syncInsured("310", "652701", "normal", false, "", "")

	for name, tok := range map[string]string{
		"the holder":      f.holderToken,
		"another insured": a.token(domain.RoleInsured, string(stranger)),
		"the reviewer":    a.reviewer(),
		"an admin":        a.admin(),
	} {
		t.Run(name, func(t *testing.T) {
			a := a.in(t)
			a.consent(tok, b.ID, "accept").expect(t, 403, domain.CodeForbidden)
		})
	}
	if got := a.getBinding(f.holderToken, b.ID); got.Consent != "pending" || len(got.History) != 3 {
		t.Fatalf("refused answers changed the binding: consent %q, history %v", got.Consent, events(got))
	}

	a.consent(f.beneficiaryToken, b.ID, "accept").expect(t, 200, "")
	a.consent(f.beneficiaryToken, b.ID, "accept").expect(t, 409, domain.CodeConsentNotPending)
	a.consent(f.beneficiaryToken, b.ID, "decline").expect(t, 409, domain.CodeConsentNotPending)
	if got := a.getBinding(f.holderToken, b.ID); got.Status != "under_review" || got.Consent != "accepted" || len(got.History) != 4 {
		t.Fatalf("a second answer changed the binding: %s, consent %q, history %v", got.Status, got.Consent, events(got))
	}
}
