package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"gongji/domain"
	"gongji/workflows"
)

// ---------------------------------------------------------------------------
// Helpers

// pngProof and jpegProof are just enough bytes for content sniffing.
var (
	pngProof  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")
	jpegProof = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")
)

// documentBody decodes an upload's answer.
type documentBody struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	MediaType string `json:"media_type"`
}

// bindingPage decodes a list of bindings.
type bindingPage struct {
	Items      []bindingBody `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}

func (a *testAPI) post(token, path string, body any) response {
	a.t.Helper()
	return a.do(request{method: "POST", path: path, token: token, body: body})
}

func (a *testAPI) submit(token, id string) response {
	a.t.Helper()
	return a.post(token, "/v1/bindings/"+id+"/submit", nil)
}

func (a *testAPI) review(id, decision, reason string) response {
	a.t.Helper()
	body := map[string]any{"decision": decision}
	if reason != "" {
		body["reason"] = reason
	}
	return a.post(a.reviewer(), "/v1/bindings/"+id+"/review", body)
}

func (a *testAPI) patch(token, id string, body any) response {
	a.t.Helper()
	return a.do(request{method: "PATCH", path: "/v1/bindings/" + id, token: token, body: body})
}

func (a *testAPI) unbind(token, id string) response {
	a.t.Helper()
	return a.post(token, "/v1/bindings/"+id+"/unbind", nil)
}

// submitted walks a new binding to under_review, its beneficiary's
// consent given when needed.
func (a *testAPI) submitted(f family) bindingBody {
	a.t.Helper()
	b := a.requestBinding(f, nil)
	a.consented(f, b)
	a.upload(f.holderToken, b.ID, "birth_certificate", pdfProof).expect(a.t, 201, "")
	res := a.submit(f.holderToken, b.ID)
	res.expect(a.t, 200, "")
	var out bindingBody
	res.json(a.t, &out)
	return out
}

// withBeneficiary is the family's holder with another beneficiary who
// passes every rule.
func (a *testAPI) withBeneficiary(f family) family {
	a.t.Helper()
	b := a.syncInsured("390", "652722", "normal", false, "", "")
	f.beneficiary = b
	f.beneficiaryToken = a.token(domain.RoleInsured, string(b))
	return f
}

// pairRows counts the bindings of a (holder, beneficiary) pair and their
// history entries.
func (a *testAPI) pairRows(holder, beneficiary domain.IDNumber) (bindings, history int) {
	a.t.Helper()
	bindings = a.count(`SELECT count(*) FROM bindings WHERE holder_id_number = $1 AND beneficiary_id_number = $2`, holder, beneficiary)
	history = a.count(`SELECT count(*) FROM binding_history h JOIN bindings b ON b.id = h.binding_id
		WHERE b.holder_id_number = $1 AND b.beneficiary_id_number = $2`, holder, beneficiary)
	return bindings, history
}

func (a *testAPI) documentRows(bindingID string) int {
	a.t.Helper()
	return a.count(`SELECT count(*) FROM documents WHERE binding_id = $1`, bindingID)
}

// bindingWorkflows counts BindingLifecycle executions Temporal knows of;
// ok is false when the server cannot count.
func bindingWorkflows(t *testing.T) (n int64, ok bool) {
	t.Helper()
	res, err := testTemporal.Client().CountWorkflow(context.Background(), &workflowservice.CountWorkflowExecutionsRequest{
		Namespace: "default", Query: "WorkflowType = '" + workflows.BindingWorkflowName + "'",
	})
	if err != nil {
		t.Logf("cannot count workflows: %v", err)
		return 0, false
	}
	return res.GetCount(), true
}

// workflowsPerRow waits until Temporal knows one BindingLifecycle per
// row of the bindings table (every request that was kept started exactly
// one) and returns that number; ok is false when Temporal cannot count.
func (a *testAPI) workflowsPerRow() (n int64, ok bool) {
	a.t.Helper()
	if _, ok := bindingWorkflows(a.t); !ok {
		return 0, false
	}
	a.eventually("one binding workflow per binding row", func() bool {
		n, _ = bindingWorkflows(a.t)
		return n == int64(a.count(`SELECT count(*) FROM bindings`))
	})
	return n, true
}

func events(b bindingBody) []string {
	out := make([]string, len(b.History))
	for i, h := range b.History {
		out[i] = h.Event
	}
	return out
}

func bys(b bindingBody) []string {
	out := make([]string, len(b.History))
	for i, h := range b.History {
		out[i] = h.By
	}
	return out
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func strPtr(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

func ids(bs []bindingBody) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.ID
	}
	return out
}

// listBindings reads one page of GET /v1/bindings with the query.
func (a *testAPI) listBindings(token, query string) bindingPage {
	a.t.Helper()
	res := a.do(request{method: "GET", path: "/v1/bindings" + query, token: token})
	res.expect(a.t, 200, "")
	var p bindingPage
	res.json(a.t, &p)
	return p
}

// ---------------------------------------------------------------------------
// 1. Main paths

func TestBindingRequest_StartsAwaitingDocumentsWithARequestedEntry(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()

	until := dateInYear(1, time.December, 31)
	res := a.post(f.holderToken, "/v1/bindings", map[string]any{
		"beneficiary_id_number": string(f.beneficiary), "relation": "child", "annual_limit": "3000.00", "valid_until": until,
	})
	res.expect(t, 201, "")
	var b struct {
		bindingBody
		Holder      string  `json:"holder_id_number"`
		Beneficiary string  `json:"beneficiary_id_number"`
		Relation    string  `json:"relation"`
		SubmittedAt *string `json:"submitted_at"`
	}
	res.json(t, &b)
	if b.ID == "" || b.Status != "awaiting_documents" {
		t.Fatalf("got id %q status %q, want a new id awaiting_documents", b.ID, b.Status)
	}
	if b.Holder != string(f.holder) || b.Beneficiary != string(f.beneficiary) || b.Relation != "child" {
		t.Errorf("parties: %s %s %s", b.Holder, b.Beneficiary, b.Relation)
	}
	if strPtr(b.AnnualLimit) != "3000.00" || strPtr(b.ValidUntil) != until || b.ValidFrom != nil || b.SubmittedAt != nil {
		t.Errorf("terms: limit %s until %s from %s submitted %v", strPtr(b.AnnualLimit), strPtr(b.ValidUntil), strPtr(b.ValidFrom), strPtr(b.SubmittedAt))
	}
	if b.UsedThisYear != "0.00" {
		t.Errorf("used_this_year = %q, want 0.00", b.UsedThisYear)
	}
	if got := events(b.bindingBody); !slices.Equal(got, []string{"requested"}) {
		t.Fatalf("history %v, want [requested]", got)
	}
	if b.History[0].By != "insured:"+string(f.holder) {
		t.Errorf("requested by %q", b.History[0].By)
	}
	if n, _ := a.pairRows(f.holder, f.beneficiary); n != 1 {
		t.Errorf("%d rows for the pair, want 1", n)
	}
	// The workflow exists and answers queries.
	a.eventually("the workflow to run", func() bool {
		v, err := testTemporal.Client().QueryWorkflow(context.Background(), workflows.BindingWorkflowID(b.ID), "", workflows.QueryBindingState)
		if err != nil {
			return false
		}
		var st workflows.BindingState
		return v.Get(&st) == nil && st.Status == domain.BindingAwaitingDocuments
	})
}

func TestBindingSubmit_WithoutDocument_IsDocumentsRequired(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.requestBinding(f, nil)

	a.submit(f.holderToken, b.ID).expect(t, 409, domain.CodeDocumentsRequired)
	got := a.getBinding(f.holderToken, b.ID)
	if got.Status != "awaiting_documents" || !slices.Equal(events(got), []string{"requested"}) {
		t.Fatalf("after refused submit: %s %v", got.Status, events(got))
	}
}

func TestBindingUpload_PDFPNGJPEG_StoredWithTheirSHA256(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.requestBinding(f, nil)

	for _, tc := range []struct {
		kind, mediaType string
		file            []byte
	}{
		{"birth_certificate", "application/pdf", pdfProof},
		{"household_register", "image/png", pngProof},
		{"kinship_certificate", "image/jpeg", jpegProof},
	} {
		res := a.upload(f.holderToken, b.ID, tc.kind, tc.file)
		res.expect(t, 201, "")
		var d documentBody
		res.json(t, &d)
		if d.ID == "" || d.SHA256 != sha256Hex(tc.file) || d.Size != int64(len(tc.file)) || d.MediaType != tc.mediaType {
			t.Errorf("%s: got %+v, want sha256 %s size %d media type %s", tc.mediaType, d, sha256Hex(tc.file), len(tc.file), tc.mediaType)
		}
		if d.Kind != tc.kind {
			t.Errorf("kind %q, want %q", d.Kind, tc.kind)
		}
	}
	got := a.getBinding(f.holderToken, b.ID)
	if len(got.Documents) != 3 || a.documentRows(b.ID) != 3 {
		t.Fatalf("binding lists %d documents, table holds %d; want 3", len(got.Documents), a.documentRows(b.ID))
	}
	want := []string{"requested", "document_uploaded", "document_uploaded", "document_uploaded"}
	if !slices.Equal(events(got), want) {
		t.Errorf("history %v, want %v", events(got), want)
	}
}

func TestBindingLifecycle_UploadSubmitApprove_IsActiveAtOnce(t *testing.T) {
	a := newTestAPI(t)
	f := a.newChildFamily() // under 16: bound without consent
	b := a.requestBinding(f, map[string]any{"annual_limit": "2000.00"})
	a.upload(f.holderToken, b.ID, "birth_certificate", pdfProof).expect(t, 201, "")

	res := a.submit(f.holderToken, b.ID)
	res.expect(t, 200, "")
	var sub struct {
		bindingBody
		SubmittedAt *string `json:"submitted_at"`
	}
	res.json(t, &sub)
	if sub.Status != "under_review" || sub.SubmittedAt == nil {
		t.Fatalf("after submit: %s submitted_at %s", sub.Status, strPtr(sub.SubmittedAt))
	}
	// The reviewer sees it in the queue.
	if !slices.Contains(a.reviewQueue(), b.ID) {
		t.Fatalf("binding %s not in the review queue", b.ID)
	}

	res = a.review(b.ID, "approve", "")
	res.expect(t, 200, "")
	var got bindingBody
	res.json(t, &got)
	if got.Status != "active" || got.Consent != "not_required" {
		t.Fatalf("after approval: %s with consent %q, want active at once, consent not_required", got.Status, got.Consent)
	}
	// valid_from is the Beijing date of the approval on the API's clock,
	// which hands its instant to the workflow with the decision.
	if want := domain.DateOf(testNow).String(); strPtr(got.ValidFrom) != want {
		t.Errorf("valid_from = %s, want the approval's Beijing date %s", strPtr(got.ValidFrom), want)
	}
	wantEvents := []string{"requested", "document_uploaded", "submitted", "approved"}
	holder := "insured:" + string(f.holder)
	wantBy := []string{holder, holder, holder, "reviewer:reviewer01"}
	if !slices.Equal(events(got), wantEvents) || !slices.Equal(bys(got), wantBy) {
		t.Errorf("history %v by %v, want %v by %v", events(got), bys(got), wantEvents, wantBy)
	}
	if slices.Contains(a.reviewQueue(), b.ID) {
		t.Errorf("approved binding still in the review queue")
	}
	// The holder reads the same through GET.
	if g := a.getBinding(f.holderToken, b.ID); g.Status != "active" || strPtr(g.AnnualLimit) != "2000.00" {
		t.Errorf("GET: %s limit %s", g.Status, strPtr(g.AnnualLimit))
	}
}

// reviewQueue pages through GET /v1/reviews and returns the ids in order.
func (a *testAPI) reviewQueue() []string {
	a.t.Helper()
	var out []string
	cursor := ""
	for i := 0; i < 100; i++ {
		path := "/v1/reviews?limit=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		res := a.do(request{method: "GET", path: path, token: a.reviewer()})
		res.expect(a.t, 200, "")
		var p bindingPage
		res.json(a.t, &p)
		for _, b := range p.Items {
			if b.Status != "under_review" {
				a.t.Fatalf("review queue holds %s in status %s", b.ID, b.Status)
			}
			out = append(out, b.ID)
		}
		if p.NextCursor == nil {
			return out
		}
		cursor = *p.NextCursor
	}
	a.t.Fatal("review queue does not end")
	return nil
}

func TestReviewQueue_ListsOldestSubmissionFirst(t *testing.T) {
	a := newTestAPI(t)
	first := a.submitted(a.newFamily())
	// The harness clock stands still: the second is submitted a minute on.
	later := newTestAPIWith(t, func(d *Deps) { d.Now = func() time.Time { return testNow.Add(time.Minute) } })
	second := later.submitted(later.newFamily())

	queue := a.reviewQueue()
	i, j := slices.Index(queue, first.ID), slices.Index(queue, second.ID)
	if i < 0 || j < 0 || i > j {
		t.Fatalf("queue positions: first %d, second %d; want both, first before second", i, j)
	}
	if len(queue) != len(slices.Compact(slices.Clone(queue))) {
		t.Errorf("queue has duplicates: %v", queue)
	}
	// A page of one hands on to the next without repeating.
	res := a.do(request{method: "GET", path: "/v1/reviews?status=under_review&limit=1", token: a.reviewer()})
	res.expect(t, 200, "")
	var p bindingPage
	res.json(t, &p)
	if len(p.Items) != 1 || p.NextCursor == nil {
		t.Fatalf("first page: %d items, cursor %v", len(p.Items), p.NextCursor)
	}
	res = a.do(request{method: "GET", path: "/v1/reviews?limit=1&cursor=" + *p.NextCursor, token: a.reviewer()})
	res.expect(t, 200, "")
	var p2 bindingPage
	res.json(t, &p2)
	if len(p2.Items) != 1 || p2.Items[0].ID == p.Items[0].ID {
		t.Fatalf("second page %v repeats or is empty after %v", ids(p2.Items), ids(p.Items))
	}
}

func TestBindingReview_Reject_EndsItAndAllowsANewRequest(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.submitted(f)

	res := a.review(b.ID, "reject", "the birth certificate names another child")
	res.expect(t, 200, "")
	var got bindingBody
	res.json(t, &got)
	if got.Status != "rejected" {
		t.Fatalf("status %s, want rejected", got.Status)
	}
	last := got.History[len(got.History)-1]
	if last.Event != "rejected" || last.By != "reviewer:reviewer01" || last.Reason != "the birth certificate names another child" {
		t.Errorf("last history entry %+v", last)
	}
	// The holder may ask again: a rejected binding is not live.
	again := a.requestBinding(f, nil)
	if again.ID == b.ID || again.Status != "awaiting_documents" {
		t.Fatalf("new request: %+v", again)
	}
	if n, _ := a.pairRows(f.holder, f.beneficiary); n != 2 {
		t.Errorf("%d rows for the pair, want 2", n)
	}
}

func TestBindingReview_RequestDocuments_ThenUploadSubmitApprove(t *testing.T) {
	a := newTestAPI(t)
	f := a.newChildFamily()
	b := a.submitted(f)

	res := a.review(b.ID, "request_documents", "please add the household register")
	res.expect(t, 200, "")
	var got bindingBody
	res.json(t, &got)
	if got.Status != "awaiting_documents" {
		t.Fatalf("status %s, want awaiting_documents", got.Status)
	}
	last := got.History[len(got.History)-1]
	if last.Event != "documents_requested" || last.Reason != "please add the household register" || last.By != "reviewer:reviewer01" {
		t.Errorf("last history entry %+v", last)
	}

	// The reviewer asked for more: the first proof alone does not do.
	a.submit(f.holderToken, b.ID).expect(t, 409, domain.CodeDocumentsRequired)
	a.upload(f.holderToken, b.ID, "household_register", pngProof).expect(t, 201, "")
	a.submit(f.holderToken, b.ID).expect(t, 200, "")
	res = a.review(b.ID, "approve", "")
	res.expect(t, 200, "")
	res.json(t, &got)
	want := []string{"requested", "document_uploaded", "submitted", "documents_requested", "document_uploaded", "submitted", "approved"}
	if got.Status != "active" || !slices.Equal(events(got), want) || len(got.Documents) != 2 {
		t.Fatalf("got %s %v with %d documents, want active %v with 2", got.Status, events(got), len(got.Documents), want)
	}
}

func TestBindingReview_RejectOrRequestDocumentsWithoutReason_IsInvalidRequest(t *testing.T) {
	a := newTestAPI(t)
	f := a.newChildFamily()
	b := a.submitted(f)

	a.review(b.ID, "reject", "").expect(t, 400, domain.CodeInvalidRequest)
	a.review(b.ID, "request_documents", "").expect(t, 400, domain.CodeInvalidRequest)
	a.review(b.ID, "reject", "   ").expect(t, 400, domain.CodeInvalidRequest)
	a.post(a.reviewer(), "/v1/bindings/"+b.ID+"/review", map[string]any{}).expect(t, 400, domain.CodeInvalidRequest)
	a.review(b.ID, "maybe", "").expect(t, 400, domain.CodeInvalidEnumValue)

	got := a.getBinding(f.holderToken, b.ID)
	if got.Status != "under_review" || len(got.History) != 3 {
		t.Fatalf("after refused reviews: %s %v", got.Status, events(got))
	}
}

func TestBindingReview_NotUnderReview_IsWrongState(t *testing.T) {
	a := newTestAPI(t)
	f := a.newChildFamily()
	b := a.requestBinding(f, nil)
	a.review(b.ID, "approve", "").expect(t, 409, domain.CodeBindingWrongState)

	active := a.approvedBinding(a.newChildFamily(), nil)
	a.review(active.ID, "approve", "").expect(t, 409, domain.CodeBindingWrongState)
	a.review(active.ID, "reject", "too late").expect(t, 409, domain.CodeBindingWrongState)

	if got := a.getBinding(f.holderToken, b.ID); got.Status != "awaiting_documents" || len(got.History) != 1 {
		t.Errorf("awaiting binding changed: %s %v", got.Status, events(got))
	}
	if got := a.getBinding(a.reviewer(), active.ID); got.Status != "active" || len(got.History) != 4 {
		t.Errorf("active binding changed: %s %v", got.Status, events(got))
	}
	a.review("00000000-0000-4000-8000-00000000beef", "approve", "").expect(t, 404, domain.CodeBindingNotFound)
}

// ---------------------------------------------------------------------------
// 2. Terms

func TestBindingPatch_ChangesLimitAndValidity(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.approvedBinding(f, map[string]any{"annual_limit": "1000.00", "valid_until": dateInYear(1, time.June, 30)})

	until := dateInYear(1, time.December, 31)
	res := a.patch(f.holderToken, b.ID, map[string]any{"annual_limit": "500.00", "valid_until": until})
	res.expect(t, 200, "")
	var got bindingBody
	res.json(t, &got)
	if got.Status != "active" || strPtr(got.AnnualLimit) != "500.00" || strPtr(got.ValidUntil) != until {
		t.Fatalf("after patch: %s limit %s until %s", got.Status, strPtr(got.AnnualLimit), strPtr(got.ValidUntil))
	}
	last := got.History[len(got.History)-1]
	if last.Event != "terms_changed" || last.By != "insured:"+string(f.holder) ||
		!strings.Contains(last.Reason, "500.00") || !strings.Contains(last.Reason, until) {
		t.Errorf("last history entry %+v", last)
	}

	// A field left out stays as it is.
	later := dateInYear(2, time.June, 30)
	res = a.patch(f.holderToken, b.ID, map[string]any{"valid_until": later})
	res.expect(t, 200, "")
	res.json(t, &got)
	if strPtr(got.AnnualLimit) != "500.00" || strPtr(got.ValidUntil) != later {
		t.Errorf("partial patch: limit %s until %s", strPtr(got.AnnualLimit), strPtr(got.ValidUntil))
	}
}

func TestBindingPatch_NullLimitRemovesTheLimit(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	until := dateInYear(1, time.June, 30)
	b := a.approvedBinding(f, map[string]any{"annual_limit": "800.00", "valid_until": until})

	res := a.do(request{method: "PATCH", path: "/v1/bindings/" + b.ID, token: f.holderToken, body: `{"annual_limit": null}`})
	res.expect(t, 200, "")
	var got bindingBody
	res.json(t, &got)
	if got.AnnualLimit != nil || strPtr(got.ValidUntil) != until {
		t.Fatalf("after null limit: limit %s until %s", strPtr(got.AnnualLimit), strPtr(got.ValidUntil))
	}
	if !strings.Contains(string(res.body), `"annual_limit":null`) {
		t.Errorf("body does not carry annual_limit null: %s", res.body)
	}
	if last := got.History[len(got.History)-1]; last.Event != "terms_changed" || !strings.Contains(last.Reason, "no limit") {
		t.Errorf("last history entry %+v", last)
	}
	if n := a.count(`SELECT count(*) FROM bindings WHERE id = $1 AND annual_limit IS NULL`, b.ID); n != 1 {
		t.Errorf("database still holds a limit")
	}

	// null valid_until makes it long-term.
	res = a.do(request{method: "PATCH", path: "/v1/bindings/" + b.ID, token: f.holderToken, body: `{"valid_until": null}`})
	res.expect(t, 200, "")
	res.json(t, &got)
	if got.ValidUntil != nil {
		t.Errorf("valid_until %s, want null (long-term)", strPtr(got.ValidUntil))
	}
}

func TestBindingPatch_RefusedChangesChangeNothing(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	until := dateInYear(1, time.June, 30)
	b := a.approvedBinding(f, map[string]any{"annual_limit": "1000.00", "valid_until": until})
	before := a.getBinding(f.holderToken, b.ID)

	a.patch(f.holderToken, b.ID, map[string]any{"valid_until": daysFromToday(-1)}).expect(t, 422, domain.CodeValidUntilInPast)
	a.patch(f.holderToken, b.ID, map[string]any{"annual_limit": "12.345"}).expect(t, 400, domain.CodeInvalidAmount)
	a.patch(f.holderToken, b.ID, map[string]any{"annual_limit": "-1.00"}).expect(t, 400, domain.CodeInvalidAmount)
	a.patch(f.holderToken, b.ID, map[string]any{"annual_limit": 100}).expect(t, 400, domain.CodeInvalidAmount)
	a.patch(f.holderToken, b.ID, map[string]any{"valid_until": "2027-02-30"}).expect(t, 400, domain.CodeInvalidDate)
	a.patch(f.holderToken, b.ID, map[string]any{"relation": "spouse"}).expect(t, 400, domain.CodeInvalidRequest)

	after := a.getBinding(f.holderToken, b.ID)
	if strPtr(after.AnnualLimit) != "1000.00" || strPtr(after.ValidUntil) != until || len(after.History) != len(before.History) {
		t.Fatalf("refused patches changed the binding: limit %s until %s history %v", strPtr(after.AnnualLimit), strPtr(after.ValidUntil), events(after))
	}
}

// ---------------------------------------------------------------------------
// 3. Unbinding

func TestUnbind_EndsAtOnceAndAllowsANewRequest(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.approvedBinding(f, nil)

	res := a.unbind(f.holderToken, b.ID)
	res.expect(t, 200, "")
	var got bindingBody
	res.json(t, &got)
	if got.Status != "unbound" {
		t.Fatalf("status %s, want unbound", got.Status)
	}
	last := got.History[len(got.History)-1]
	if last.Event != "unbound" || last.By != "insured:"+string(f.holder) {
		t.Errorf("last history entry %+v", last)
	}
	histLen := len(got.History)

	a.submit(f.holderToken, b.ID).expect(t, 409, domain.CodeBindingWrongState)
	a.patch(f.holderToken, b.ID, map[string]any{"annual_limit": "10.00"}).expect(t, 409, domain.CodeBindingWrongState)
	a.unbind(f.holderToken, b.ID).expect(t, 409, domain.CodeBindingWrongState)
	a.upload(f.holderToken, b.ID, "birth_certificate", pdfProof).expect(t, 409, domain.CodeBindingWrongState)
	if g := a.getBinding(f.holderToken, b.ID); g.Status != "unbound" || len(g.History) != histLen || g.AnnualLimit != nil {
		t.Errorf("ended binding changed: %s %v limit %s", g.Status, events(g), strPtr(g.AnnualLimit))
	}

	again := a.requestBinding(f, nil)
	if again.ID == b.ID || again.Status != "awaiting_documents" {
		t.Fatalf("new request after unbinding: %+v", again)
	}
}

func TestUnbind_WhileAwaitingDocuments_WithReason(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.requestBinding(f, nil)

	res := a.post(f.holderToken, "/v1/bindings/"+b.ID+"/unbind", map[string]any{"reason": "changed my mind"})
	res.expect(t, 200, "")
	var got bindingBody
	res.json(t, &got)
	if got.Status != "unbound" || got.History[len(got.History)-1].Reason != "changed my mind" {
		t.Fatalf("got %s %+v", got.Status, got.History)
	}
}

// ---------------------------------------------------------------------------
// 4. Termination

func TestTermination_BeneficiaryDeath_TerminatesTheActiveBinding(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.approvedBinding(f, nil)

	died := daysFromToday(-4)
	a.post(a.admin(), "/v1/persons/"+string(f.beneficiary)+"/death", map[string]any{"date": died}).expect(t, 200, "")

	var got bindingBody
	a.eventually("the binding to be terminated", func() bool {
		got = a.getBinding(f.holderToken, b.ID)
		return got.Status == "terminated"
	})
	last := got.History[len(got.History)-1]
	if last.Event != "terminated" || !strings.Contains(last.Reason, "died") || !strings.Contains(last.Reason, died) || last.By != "admin:admin01" {
		t.Errorf("last history entry %+v", last)
	}
	// Nothing can be done with it now.
	a.unbind(f.holderToken, b.ID).expect(t, 409, domain.CodeBindingWrongState)
	// And a new request for the deceased beneficiary is refused.
	res := a.post(f.holderToken, "/v1/bindings", map[string]any{"beneficiary_id_number": string(f.beneficiary), "relation": "child"})
	res.expect(t, 422, domain.CodeBeneficiaryDeceased)
}

func TestTermination_HolderEnrolmentTerminated_TerminatesEveryLiveBinding(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	active := a.approvedBinding(f, nil)
	f2 := a.withBeneficiary(f)
	awaiting := a.requestBinding(f2, nil)
	// A binding that has ended already stays as it ended.
	f3 := a.withBeneficiary(f)
	unbound := a.requestBinding(f3, nil)
	a.unbind(f.holderToken, unbound.ID).expect(t, 200, "")
	// Another holder's binding of the same beneficiary is not touched.
	other := family{holder: a.syncInsured("310", "652701", "normal", false, "500.00", "normal"), beneficiary: f.beneficiary}
	other.holderToken = a.token(domain.RoleInsured, string(other.holder))
	untouched := a.approvedBinding(other, nil)

	a.do(request{method: "PUT", path: "/v1/persons/" + string(f.holder) + "/enrolment", token: a.admin(),
		body: map[string]any{"insutype": "310", "admdvs": "652701", "status": "terminated", "arrears": false}}).expect(t, 200, "")

	for _, id := range []string{active.ID, awaiting.ID} {
		var got bindingBody
		a.eventually("binding "+id+" to be terminated", func() bool {
			got = a.getBinding(f.holderToken, id)
			return got.Status == "terminated"
		})
		last := got.History[len(got.History)-1]
		if last.Event != "terminated" || !strings.Contains(last.Reason, "terminated") {
			t.Errorf("%s: last history entry %+v", id, last)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if got := a.getBinding(f.holderToken, unbound.ID); got.Status != "unbound" {
		t.Errorf("unbound binding became %s", got.Status)
	}
	if got := a.getBinding(other.holderToken, untouched.ID); got.Status != "active" {
		t.Errorf("other holder's binding became %s", got.Status)
	}
	if n := a.count(`SELECT count(*) FROM bindings WHERE holder_id_number = $1 AND status IN ('awaiting_documents','under_review','active')`, f.holder); n != 0 {
		t.Errorf("%d live bindings left for the holder", n)
	}
}

// ---------------------------------------------------------------------------
// 5. Refusals

func TestBindingRefusals_SayWhyAndWriteNothing(t *testing.T) {
	type setup struct {
		holder, beneficiary domain.IDNumber
		token               string
		body                map[string]any
	}
	ok := func(a *testAPI) setup {
		f := a.newFamily()
		return setup{holder: f.holder, beneficiary: f.beneficiary, token: f.holderToken,
			body: map[string]any{"beneficiary_id_number": string(f.beneficiary), "relation": "child"}}
	}
	withHolder := func(insutype, admdvs, status string, arrears bool, balance, accountStatus string) func(a *testAPI) setup {
		return func(a *testAPI) setup {
			s := ok(a)
			s.holder = a.syncInsured(insutype, admdvs, status, arrears, balance, accountStatus)
			s.token = a.token(domain.RoleInsured, string(s.holder))
			return s
		}
	}
	withBeneficiary := func(insutype, admdvs, status string) func(a *testAPI) setup {
		return func(a *testAPI) setup {
			s := ok(a)
			s.beneficiary = a.syncInsured(insutype, admdvs, status, false, "", "")
			s.body["beneficiary_id_number"] = string(s.beneficiary)
			return s
		}
	}
	with := func(key string, value any) func(a *testAPI) setup {
		return func(a *testAPI) setup {
			s := ok(a)
			s.body[key] = value
			return s
		}
	}
	cases := []struct {
		name   string
		setup  func(a *testAPI) setup
		status int
		code   domain.Code
	}{
		{"HolderResidentInsured", withHolder("390", "652701", "normal", false, "", ""), 422, domain.CodeHolderNotEmployeeInsured},
		{"HolderOutsideBortala", withHolder("310", "650102", "normal", false, "1000.00", "normal"), 422, domain.CodeHolderNotInPrefecture},
		{"HolderSuspended", withHolder("310", "652701", "suspended", false, "1000.00", "normal"), 422, domain.CodeHolderInsuranceNotNormal},
		{"HolderInArrears", withHolder("310", "652701", "normal", true, "1000.00", "normal"), 422, domain.CodeHolderInArrears},
		{"HolderAccountFrozen", withHolder("310", "652722", "normal", false, "1000.00", "frozen"), 422, domain.CodeHolderAccountFrozen},
		{"HolderWithoutAccount", withHolder("310", "652701", "normal", false, "", ""), 422, domain.CodeHolderNoAccount},
		{"HolderUnknown", func(a *testAPI) setup {
			s := ok(a)
			s.holder = newID()
			s.token = a.token(domain.RoleInsured, string(s.holder))
			return s
		}, 422, domain.CodeHolderNotFound},
		{"HolderDeceased", func(a *testAPI) setup {
			s := ok(a)
			a.post(a.admin(), "/v1/persons/"+string(s.holder)+"/death", map[string]any{"date": daysFromToday(-23)}).expect(a.t, 200, "")
			return s
		}, 422, domain.CodeHolderDeceased},
		{"BeneficiaryUnknown", func(a *testAPI) setup {
			s := ok(a)
			s.beneficiary = newID()
			s.body["beneficiary_id_number"] = string(s.beneficiary)
			return s
		}, 422, domain.CodeBeneficiaryNotFound},
		{"BeneficiaryNotEnrolled", func(a *testAPI) setup {
			s := ok(a)
			s.beneficiary = newID()
			a.do(request{method: "PUT", path: "/v1/persons/" + string(s.beneficiary), token: a.admin(), body: map[string]any{"name": "未参保"}}).expect(a.t, 200, "")
			s.body["beneficiary_id_number"] = string(s.beneficiary)
			return s
		}, 422, domain.CodeBeneficiaryNotEnrolled},
		{"BeneficiaryInBeijing", withBeneficiary("390", "110105", "normal"), 422, domain.CodeBeneficiaryNotInProvince},
		{"BeneficiaryInXPCC", withBeneficiary("310", "660100", "normal"), 422, domain.CodeBeneficiaryNotInProvince},
		{"BeneficiarySuspended", withBeneficiary("390", "652722", "suspended"), 422, domain.CodeBeneficiaryInsuranceAbnormal},
		{"BeneficiaryTerminated", withBeneficiary("310", "652701", "terminated"), 422, domain.CodeBeneficiaryInsuranceAbnormal},
		{"BeneficiaryDeceased", func(a *testAPI) setup {
			s := ok(a)
			a.post(a.admin(), "/v1/persons/"+string(s.beneficiary)+"/death", map[string]any{"date": daysFromToday(-23)}).expect(a.t, 200, "")
			return s
		}, 422, domain.CodeBeneficiaryDeceased},
		{"SelfBinding", func(a *testAPI) setup {
			s := ok(a)
			s.beneficiary = s.holder
			s.body["beneficiary_id_number"] = string(s.holder)
			return s
		}, 422, domain.CodeSelfBinding},
		{"RelationNotInForce", with("relation", "sibling"), 422, domain.CodeRelationNotInForce},
		{"RelationUnknown", with("relation", "cousin"), 400, domain.CodeInvalidEnumValue},
		{"LiveBindingExists", func(a *testAPI) setup {
			s := ok(a)
			a.requestBinding(family{holder: s.holder, beneficiary: s.beneficiary, holderToken: s.token}, nil)
			return s
		}, 409, domain.CodeBindingExists},
		{"ActiveBindingExists", func(a *testAPI) setup {
			s := ok(a)
			a.approvedBinding(family{holder: s.holder, beneficiary: s.beneficiary, holderToken: s.token}, nil)
			s.body["relation"] = "parent"
			return s
		}, 409, domain.CodeBindingExists},
		{"ValidUntilInPast", with("valid_until", daysFromToday(-1)), 422, domain.CodeValidUntilInPast},
		{"BadCheckDigit", func(a *testAPI) setup {
			s := ok(a)
			id := []byte(s.beneficiary)
			if id[17] == '0' {
				id[17] = '1'
			} else {
				id[17] = '0'
			}
			s.body["beneficiary_id_number"] = string(id)
			return s
		}, 400, domain.CodeInvalidIDNumber},
		{"NegativeLimit", with("annual_limit", "-1.00"), 400, domain.CodeInvalidAmount},
		{"ThreeDecimalLimit", with("annual_limit", "100.001"), 400, domain.CodeInvalidAmount},
		{"NumericLimit", with("annual_limit", 100), 400, domain.CodeInvalidAmount},
		{"MissingRelation", func(a *testAPI) setup {
			s := ok(a)
			delete(s.body, "relation")
			return s
		}, 400, domain.CodeInvalidRequest},
		{"UnknownField", with("holder_id_number", "x"), 400, domain.CodeInvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAPI(t)
			s := tc.setup(a)
			bindingsBefore, historyBefore := a.pairRows(s.holder, s.beneficiary)
			holderRowsBefore := a.count(`SELECT count(*) FROM bindings WHERE holder_id_number = $1`, s.holder)
			workflowsBefore, canCount := a.workflowsPerRow()

			res := a.post(s.token, "/v1/bindings", s.body)
			res.expect(t, tc.status, tc.code)
			var env struct {
				Error struct {
					Message string `json:"message"`
				} `json:"error"`
			}
			res.json(t, &env)
			if env.Error.Message == "" {
				t.Errorf("refusal without a message: %s", res.body)
			}

			bindingsAfter, historyAfter := a.pairRows(s.holder, s.beneficiary)
			if bindingsAfter != bindingsBefore || historyAfter != historyBefore {
				t.Errorf("refusal wrote: bindings %d→%d, history %d→%d", bindingsBefore, bindingsAfter, historyBefore, historyAfter)
			}
			if n := a.count(`SELECT count(*) FROM bindings WHERE holder_id_number = $1`, s.holder); n != holderRowsBefore {
				t.Errorf("holder's bindings %d→%d", holderRowsBefore, n)
			}
			if canCount {
				// Give visibility a moment to show a start that should not have happened.
				time.Sleep(300 * time.Millisecond)
				if after, ok := bindingWorkflows(t); ok && after != workflowsBefore {
					t.Errorf("a refused request started a workflow: %d→%d", workflowsBefore, after)
				}
			}
		})
	}
}

// ---------------------------------------------------------------------------
// 6. Documents

func TestDocumentUpload_RefusedUploadsStoreNothing(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.requestBinding(f, nil)
	path := "/v1/bindings/" + b.ID + "/documents"

	tooLarge := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{'0'}, domain.MaxDocumentSize+1-len("%PDF-1.4\n"))...)
	if len(tooLarge) != domain.MaxDocumentSize+1 {
		t.Fatal(len(tooLarge))
	}
	jsonBody := `{"kind": "birth_certificate", "file": "JVBERi0xLjQK"}`

	a.upload(f.holderToken, b.ID, "birth_certificate", []byte("just some plain text, not a proof\n")).expect(t, 415, domain.CodeDocumentType)
	a.upload(f.holderToken, b.ID, "birth_certificate", []byte("<html><body>proof</body></html>")).expect(t, 415, domain.CodeDocumentType)
	a.upload(f.holderToken, b.ID, "birth_certificate", tooLarge).expect(t, 413, domain.CodeDocumentTooLarge)
	a.upload(f.holderToken, b.ID, "", pdfProof).expect(t, 400, domain.CodeInvalidRequest)
	a.upload(f.holderToken, b.ID, "birth_certificate", nil).expect(t, 400, domain.CodeInvalidRequest)
	a.upload(f.holderToken, b.ID, "birth_certificate", []byte{}).expect(t, 400, domain.CodeInvalidRequest)
	a.upload(f.holderToken, b.ID, "passport", pdfProof).expect(t, 400, domain.CodeInvalidEnumValue)
	a.do(request{method: "POST", path: path, token: f.holderToken, body: jsonBody}).expect(t, 415, domain.CodeUnsupportedMediaType)
	a.do(request{method: "POST", path: path, token: f.holderToken, body: "--x\r\nbroken", contentType: "multipart/form-data; boundary=x"}).expect(t, 400, domain.CodeInvalidRequest)

	if n := a.documentRows(b.ID); n != 0 {
		t.Errorf("%d documents stored by refused uploads", n)
	}
	got := a.getBinding(f.holderToken, b.ID)
	if len(got.Documents) != 0 || !slices.Equal(events(got), []string{"requested"}) {
		t.Errorf("binding changed: %d documents, history %v", len(got.Documents), events(got))
	}
	// Still refused at submit: no document counts.
	a.submit(f.holderToken, b.ID).expect(t, 409, domain.CodeDocumentsRequired)

	// Exactly 10 MiB is accepted.
	limit := tooLarge[:domain.MaxDocumentSize]
	res := a.upload(f.holderToken, b.ID, "birth_certificate", limit)
	res.expect(t, 201, "")
	var d documentBody
	res.json(t, &d)
	if d.Size != domain.MaxDocumentSize || d.SHA256 != sha256Hex(limit) {
		t.Errorf("10 MiB upload: size %d sha %s", d.Size, d.SHA256)
	}
}

func TestDocumentUpload_WhileUnderReview_IsWrongState(t *testing.T) {
	a := newTestAPI(t)
	f := a.newChildFamily()
	b := a.submitted(f)

	a.upload(f.holderToken, b.ID, "household_register", pngProof).expect(t, 409, domain.CodeBindingWrongState)
	if n := a.documentRows(b.ID); n != 1 {
		t.Errorf("%d documents, want the 1 uploaded before submitting", n)
	}
	if got := a.getBinding(f.holderToken, b.ID); got.Status != "under_review" || len(got.History) != 3 {
		t.Errorf("binding changed: %s %v", got.Status, events(got))
	}
}

func TestDocumentDownload_WhoMayOpenTheProof(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.requestBinding(f, nil)
	res := a.upload(f.holderToken, b.ID, "birth_certificate", jpegProof)
	res.expect(t, 201, "")
	var d documentBody
	res.json(t, &d)
	path := "/v1/bindings/" + b.ID + "/documents/" + d.ID
	get := func(token string) response { return a.do(request{method: "GET", path: path, token: token}) }

	// The holder gets the exact bytes, media type and checksum.
	res = get(f.holderToken)
	res.expect(t, 200, "")
	if !bytes.Equal(res.body, jpegProof) {
		t.Errorf("downloaded %q, want %q", res.body, jpegProof)
	}
	if ct := res.header.Get("Content-Type"); ct != "image/jpeg" {
		t.Errorf("Content-Type %q, want image/jpeg", ct)
	}
	if sum := res.header.Get("X-Checksum-SHA256"); sum != sha256Hex(jpegProof) {
		t.Errorf("X-Checksum-SHA256 %q, want %q", sum, sha256Hex(jpegProof))
	}

	// A reviewer may not open it before submission.
	get(a.reviewer()).expect(t, 403, domain.CodeForbidden)
	// The beneficiary, another insured person and an institution never may.
	stranger := a.token(domain.RoleInsured, string(a.syncInsured("310", "652701", "normal", false, "10.00", "normal")))
	for _, tok := range []string{f.beneficiaryToken, stranger, a.token(domain.RoleInstitution, "H65270100001")} {
		get(tok).expect(t, 403, domain.CodeForbidden)
	}

	a.submit(f.holderToken, b.ID).expect(t, 200, "")
	res = get(a.reviewer())
	res.expect(t, 200, "")
	if !bytes.Equal(res.body, jpegProof) || res.header.Get("X-Checksum-SHA256") != sha256Hex(jpegProof) {
		t.Errorf("reviewer download differs")
	}
	for _, tok := range []string{f.beneficiaryToken, stranger} {
		get(tok).expect(t, 403, domain.CodeForbidden)
	}

	// Unknown documents, and documents of another binding, are not found.
	a.do(request{method: "GET", path: "/v1/bindings/" + b.ID + "/documents/00000000-0000-4000-8000-000000000001", token: f.holderToken}).
		expect(t, 404, domain.CodeDocumentNotFound)
	g := a.newFamily()
	other := a.requestBinding(g, nil)
	a.do(request{method: "GET", path: "/v1/bindings/" + other.ID + "/documents/" + d.ID, token: g.holderToken}).
		expect(t, 404, domain.CodeDocumentNotFound)
}

// ---------------------------------------------------------------------------
// 7. Authorisation

func TestAuthorisation_HolderCannotTouchAnotherHoldersBinding(t *testing.T) {
	a := newTestAPI(t)
	owner := a.newFamily()
	intruder := a.newFamily()
	b := a.requestBinding(owner, nil)
	a.upload(owner.holderToken, b.ID, "birth_certificate", pdfProof).expect(t, 201, "")
	before := a.getBinding(owner.holderToken, b.ID)

	a.do(request{method: "GET", path: "/v1/bindings/" + b.ID, token: intruder.holderToken}).expect(t, 403, domain.CodeForbidden)
	a.upload(intruder.holderToken, b.ID, "birth_certificate", pdfProof).expect(t, 403, domain.CodeForbidden)
	a.submit(intruder.holderToken, b.ID).expect(t, 403, domain.CodeForbidden)
	a.patch(intruder.holderToken, b.ID, map[string]any{"annual_limit": "1.00"}).expect(t, 403, domain.CodeForbidden)
	a.unbind(intruder.holderToken, b.ID).expect(t, 403, domain.CodeForbidden)
	a.do(request{method: "GET", path: "/v1/bindings/" + b.ID + "/documents/" + before.Documents[0].ID, token: intruder.holderToken}).
		expect(t, 403, domain.CodeForbidden)

	after := a.getBinding(owner.holderToken, b.ID)
	if after.Status != before.Status || len(after.History) != len(before.History) || len(after.Documents) != 1 || after.AnnualLimit != nil {
		t.Fatalf("binding changed: %s %v, %d documents", after.Status, events(after), len(after.Documents))
	}
	// The intruder's own list does not show it.
	if got := ids(a.listBindings(intruder.holderToken, "?as=holder").Items); slices.Contains(got, b.ID) {
		t.Errorf("intruder lists %v", got)
	}
	if got := ids(a.listBindings(intruder.holderToken, "?as=beneficiary").Items); slices.Contains(got, b.ID) {
		t.Errorf("intruder lists %v as beneficiary", got)
	}
}

func TestAuthorisation_BeneficiaryReadsButCannotChange(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.approvedBinding(f, map[string]any{"annual_limit": "300.00"})

	got := a.getBinding(f.beneficiaryToken, b.ID)
	if got.ID != b.ID || got.Status != "active" {
		t.Fatalf("beneficiary reads %+v", got)
	}
	list := a.listBindings(f.beneficiaryToken, "?as=beneficiary")
	if !slices.Equal(ids(list.Items), []string{b.ID}) {
		t.Errorf("as=beneficiary lists %v, want [%s]", ids(list.Items), b.ID)
	}
	if l := a.listBindings(f.beneficiaryToken, "?as=holder"); len(l.Items) != 0 {
		t.Errorf("as=holder lists %v for the beneficiary", ids(l.Items))
	}

	a.submit(f.beneficiaryToken, b.ID).expect(t, 403, domain.CodeForbidden)
	a.patch(f.beneficiaryToken, b.ID, map[string]any{"annual_limit": "99999.00"}).expect(t, 403, domain.CodeForbidden)
	a.unbind(f.beneficiaryToken, b.ID).expect(t, 403, domain.CodeForbidden)
	a.post(f.beneficiaryToken, "/v1/bindings/"+b.ID+"/review", map[string]any{"decision": "approve"}).expect(t, 403, domain.CodeForbidden)

	after := a.getBinding(f.holderToken, b.ID)
	if after.Status != "active" || strPtr(after.AnnualLimit) != "300.00" || len(after.History) != len(got.History) {
		t.Fatalf("binding changed: %s limit %s %v", after.Status, strPtr(after.AnnualLimit), events(after))
	}
}

func TestAuthorisation_ReviewerSeesOnlySubmittedBindings(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.requestBinding(f, nil)
	a.upload(f.holderToken, b.ID, "birth_certificate", pdfProof).expect(t, 201, "")

	a.do(request{method: "GET", path: "/v1/bindings/" + b.ID, token: a.reviewer()}).expect(t, 403, domain.CodeForbidden)
	if slices.Contains(a.reviewQueue(), b.ID) {
		t.Fatalf("unsubmitted binding in the review queue")
	}
	a.submit(f.holderToken, b.ID).expect(t, 200, "")
	if got := a.getBinding(a.reviewer(), b.ID); got.Status != "under_review" {
		t.Fatalf("reviewer reads %s", got.Status)
	}
	// Once submitted, it stays readable to reviewers whatever happens next.
	a.review(b.ID, "request_documents", "a clearer scan, please").expect(t, 200, "")
	if got := a.getBinding(a.reviewer(), b.ID); got.Status != "awaiting_documents" {
		t.Fatalf("reviewer reads %s", got.Status)
	}
	// Reviewers cannot act as holders.
	a.submit(a.reviewer(), b.ID).expect(t, 403, domain.CodeForbidden)
	a.unbind(a.reviewer(), b.ID).expect(t, 403, domain.CodeForbidden)
}

func TestAuthorisation_OnlyReviewersReview(t *testing.T) {
	a := newTestAPI(t)
	f := a.newChildFamily()
	b := a.submitted(f)

	for _, tok := range []string{f.holderToken, f.beneficiaryToken, a.admin(), a.token(domain.RoleInstitution, "H65270100001")} {
		a.post(tok, "/v1/bindings/"+b.ID+"/review", map[string]any{"decision": "approve"}).expect(t, 403, domain.CodeForbidden)
		a.do(request{method: "GET", path: "/v1/reviews", token: tok}).expect(t, 403, domain.CodeForbidden)
	}
	if got := a.getBinding(f.holderToken, b.ID); got.Status != "under_review" || len(got.History) != 3 {
		t.Fatalf("binding changed: %s %v", got.Status, events(got))
	}
}

func TestBindingList_OwnBindingsFilteredAndPaged(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	first := a.approvedBinding(f, nil)
	second := a.requestBinding(a.withBeneficiary(f), nil)
	// Another holder's binding of the same beneficiary.
	other := a.newFamily()
	other.beneficiary = f.beneficiary
	foreign := a.requestBinding(other, nil)

	all := a.listBindings(f.holderToken, "?as=holder")
	got := ids(all.Items)
	slices.Sort(got)
	want := []string{first.ID, second.ID}
	slices.Sort(want)
	if !slices.Equal(got, want) || all.NextCursor != nil {
		t.Fatalf("as=holder lists %v (cursor %v), want %v", got, all.NextCursor, want)
	}
	if def := a.listBindings(f.holderToken, ""); len(def.Items) != 2 {
		t.Errorf("default lists %v, want the holder's two", ids(def.Items))
	}
	if l := a.listBindings(f.holderToken, "?as=holder&status=active"); !slices.Equal(ids(l.Items), []string{first.ID}) {
		t.Errorf("status=active lists %v, want [%s]", ids(l.Items), first.ID)
	}
	if l := a.listBindings(f.holderToken, "?as=holder&status=awaiting_documents"); !slices.Equal(ids(l.Items), []string{second.ID}) {
		t.Errorf("status=awaiting_documents lists %v, want [%s]", ids(l.Items), second.ID)
	}
	if l := a.listBindings(f.holderToken, "?status=rejected"); len(l.Items) != 0 {
		t.Errorf("status=rejected lists %v", ids(l.Items))
	}
	// The beneficiary sees both holders' bindings.
	ben := ids(a.listBindings(f.beneficiaryToken, "?as=beneficiary").Items)
	slices.Sort(ben)
	wantBen := []string{first.ID, foreign.ID}
	slices.Sort(wantBen)
	if !slices.Equal(ben, wantBen) {
		t.Errorf("as=beneficiary lists %v, want %v", ben, wantBen)
	}

	// Pages of one.
	p1 := a.listBindings(f.holderToken, "?as=holder&limit=1")
	if len(p1.Items) != 1 || p1.NextCursor == nil {
		t.Fatalf("page 1: %v, cursor %v", ids(p1.Items), p1.NextCursor)
	}
	p2 := a.listBindings(f.holderToken, "?as=holder&limit=1&cursor="+*p1.NextCursor)
	if len(p2.Items) != 1 || p2.Items[0].ID == p1.Items[0].ID {
		t.Fatalf("page 2: %v after %v", ids(p2.Items), ids(p1.Items))
	}
	seen := []string{p1.Items[0].ID, p2.Items[0].ID}
	slices.Sort(seen)
	if !slices.Equal(seen, want) {
		t.Errorf("pages hold %v, want %v", seen, want)
	}
	if p2.NextCursor != nil {
		p3 := a.listBindings(f.holderToken, "?as=holder&limit=1&cursor="+*p2.NextCursor)
		if len(p3.Items) != 0 || p3.NextCursor != nil {
			t.Errorf("page 3: %v, cursor %v", ids(p3.Items), p3.NextCursor)
		}
	}

	for _, q := range []struct {
		query string
		code  domain.Code
	}{
		{"?as=other", domain.CodeInvalidEnumValue},
		{"?status=gone", domain.CodeInvalidEnumValue},
		{"?cursor=not-a-cursor", domain.CodeInvalidRequest},
		{"?cursor=e30", domain.CodeInvalidRequest}, // "{}"
		{"?limit=0", domain.CodeInvalidRequest},
		{"?limit=101", domain.CodeInvalidRequest},
		{"?limit=x", domain.CodeInvalidRequest},
	} {
		a.do(request{method: "GET", path: "/v1/bindings" + q.query, token: f.holderToken}).expect(t, 400, q.code)
	}
	a.do(request{method: "GET", path: "/v1/bindings", token: a.reviewer()}).expect(t, 403, domain.CodeForbidden)
	a.do(request{method: "GET", path: "/v1/reviews?cursor=!!!", token: a.reviewer()}).expect(t, 400, domain.CodeInvalidRequest)
}

func TestBindingRead_UnknownBinding_IsNotFound(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	unknown := "00000000-0000-4000-8000-00000000dead"
	a.do(request{method: "GET", path: "/v1/bindings/" + unknown, token: f.holderToken}).expect(t, 404, domain.CodeBindingNotFound)
	a.submit(f.holderToken, unknown).expect(t, 404, domain.CodeBindingNotFound)
	a.upload(f.holderToken, unknown, "birth_certificate", pdfProof).expect(t, 404, domain.CodeBindingNotFound)
}

// ---------------------------------------------------------------------------
// 8. Idempotency

func TestBindingRequest_IdempotencyKey_CreatesOnce(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	key := "bind-" + string(f.beneficiary)
	body := map[string]any{"beneficiary_id_number": string(f.beneficiary), "relation": "child", "annual_limit": "100.00"}
	post := func(body any) response {
		return a.do(request{method: "POST", path: "/v1/bindings", token: f.holderToken, body: body, headers: map[string]string{"Idempotency-Key": key}})
	}

	r1 := post(body)
	r1.expect(t, 201, "")
	r2 := post(body)
	r2.expect(t, 201, "")
	var b1, b2 bindingBody
	r1.json(t, &b1)
	r2.json(t, &b2)
	if b1.ID == "" || b1.ID != b2.ID {
		t.Fatalf("ids %q and %q, want the same", b1.ID, b2.ID)
	}
	if r2.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("second answer not marked as replayed")
	}
	if n, h := a.pairRows(f.holder, f.beneficiary); n != 1 || h != 1 {
		t.Fatalf("%d rows and %d history entries for the pair, want 1 and 1", n, h)
	}

	other := map[string]any{"beneficiary_id_number": string(f.beneficiary), "relation": "child", "annual_limit": "200.00"}
	post(other).expect(t, 409, domain.CodeIdempotencyKeyReused)
	if n, _ := a.pairRows(f.holder, f.beneficiary); n != 1 {
		t.Fatalf("%d rows for the pair after key reuse, want 1", n)
	}
	// Without the key the second request is a real one, refused as a duplicate.
	a.post(f.holderToken, "/v1/bindings", body).expect(t, 409, domain.CodeBindingExists)
}
