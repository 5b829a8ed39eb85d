package api

import (
	"bytes"
	"mime/multipart"
	"testing"
	"time"

	"gongji/domain"
)

// family is a holder and a beneficiary who pass every binding rule.
type family struct {
	holder, beneficiary           domain.IDNumber
	holderToken, beneficiaryToken string
}

// syncInsured creates a person with the given enrolment through the sync
// API; balance "" opens no account.
func (a *testAPI) syncInsured(insutype, admdvs, status string, arrears bool, balance, accountStatus string) domain.IDNumber {
	a.t.Helper()
	id := newID()
	tok := a.admin()
	a.do(request{method: "PUT", path: "/v1/persons/" + string(id), token: tok, body: map[string]any{"name": "测试" + string(id[14:])}}).expect(a.t, 200, "")
	a.do(request{method: "PUT", path: "/v1/persons/" + string(id) + "/enrolment", token: tok,
		body: map[string]any{"insutype": insutype, "admdvs": admdvs, "status": status, "arrears": arrears}}).expect(a.t, 200, "")
	if balance != "" {
		a.do(request{method: "PUT", path: "/v1/persons/" + string(id) + "/account", token: tok,
			body: map[string]any{"balance": balance, "status": accountStatus}}).expect(a.t, 200, "")
	}
	return id
}

// newFamily syncs an employee-insured holder in 博乐市 with 1000.00 and a
// resident-insured beneficiary in 精河县.
func (a *testAPI) newFamily() family {
	a.t.Helper()
	h := a.syncInsured("310", "652701", "normal", false, "1000.00", "normal")
	b := a.syncInsured("390", "652722", "normal", false, "", "")
	return family{
		holder: h, beneficiary: b,
		holderToken:      a.token(domain.RoleInsured, string(h)),
		beneficiaryToken: a.token(domain.RoleInsured, string(b)),
	}
}

// newChildID returns a valid ID number no other test uses, of a child
// about ten years old on testNow: under 16, bound without consent.
func newChildID() domain.IDNumber {
	n := int(nextSeq.Add(1))
	return domain.ComposeIDNumber("652722", domain.DateOf(testNow).AddDays(-3650-n%1000), n)
}

// newChildFamily is newFamily with a child under 16 as the beneficiary.
func (a *testAPI) newChildFamily() family {
	a.t.Helper()
	f := a.newFamily()
	child := newChildID()
	tok := a.admin()
	a.do(request{method: "PUT", path: "/v1/persons/" + string(child), token: tok, body: map[string]any{"name": "小明"}}).expect(a.t, 200, "")
	a.do(request{method: "PUT", path: "/v1/persons/" + string(child) + "/enrolment", token: tok,
		body: map[string]any{"insutype": "390", "admdvs": "652722", "status": "normal", "arrears": false}}).expect(a.t, 200, "")
	f.beneficiary, f.beneficiaryToken = child, a.token(domain.RoleInsured, string(child))
	return f
}

// bindingBody decodes a binding response.
type bindingBody struct {
	ID           string  `json:"id"`
	Status       string  `json:"status"`
	Consent      string  `json:"consent"`
	AnnualLimit  *string `json:"annual_limit"`
	UsedThisYear string  `json:"used_this_year"`
	ValidFrom    *string `json:"valid_from"`
	ValidUntil   *string `json:"valid_until"`
	Documents    []struct {
		ID        string `json:"id"`
		SHA256    string `json:"sha256"`
		Size      int64  `json:"size"`
		MediaType string `json:"media_type"`
	} `json:"documents"`
	History []struct {
		Event  string `json:"event"`
		By     string `json:"by"`
		Reason string `json:"reason"`
	} `json:"history"`
}

// requestBinding asks for a binding of the family's beneficiary as child.
func (a *testAPI) requestBinding(f family, body map[string]any) bindingBody {
	a.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	body["beneficiary_id_number"] = string(f.beneficiary)
	if _, ok := body["relation"]; !ok {
		body["relation"] = "child"
	}
	res := a.do(request{method: "POST", path: "/v1/bindings", token: f.holderToken, body: body})
	res.expect(a.t, 201, "")
	var b bindingBody
	res.json(a.t, &b)
	return b
}

// pdfProof is a minimal PDF, enough for content sniffing.
var pdfProof = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

// multipartBody builds an upload with the given fields and file.
func multipartBody(t *testing.T, kind string, file []byte) (body []byte, contentType string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if kind != "" {
		if err := w.WriteField("kind", kind); err != nil {
			t.Fatal(err)
		}
	}
	if file != nil {
		fw, err := w.CreateFormFile("file", "proof")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(file); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

// upload posts a document as the given caller.
func (a *testAPI) upload(token, bindingID, kind string, file []byte) response {
	a.t.Helper()
	body, ct := multipartBody(a.t, kind, file)
	return a.do(request{method: "POST", path: "/v1/bindings/" + bindingID + "/documents", token: token, body: body, contentType: ct})
}

// consented has the beneficiary accept a binding that waits for their
// consent (the test families' beneficiaries are adults); a binding that
// needs none is left as it is.
func (a *testAPI) consented(f family, b bindingBody) {
	a.t.Helper()
	if b.Consent == "pending" {
		a.consent(a.token(domain.RoleInsured, string(f.beneficiary)), b.ID, "accept").expect(a.t, 200, "")
	}
}

// consent answers a binding as the caller.
func (a *testAPI) consent(token, id, decision string) response {
	a.t.Helper()
	return a.do(request{method: "POST", path: "/v1/bindings/" + id + "/consent", token: token, body: map[string]any{"decision": decision}})
}

// approvedBinding walks a binding to active: request, consent when
// needed, upload, submit, approve.
func (a *testAPI) approvedBinding(f family, body map[string]any) bindingBody {
	a.t.Helper()
	b := a.requestBinding(f, body)
	a.consented(f, b)
	a.upload(f.holderToken, b.ID, "birth_certificate", pdfProof).expect(a.t, 201, "")
	a.do(request{method: "POST", path: "/v1/bindings/" + b.ID + "/submit", token: f.holderToken}).expect(a.t, 200, "")
	res := a.do(request{method: "POST", path: "/v1/bindings/" + b.ID + "/review", token: a.reviewer(),
		body: map[string]any{"decision": "approve"}})
	res.expect(a.t, 200, "")
	var out bindingBody
	res.json(a.t, &out)
	return out
}

func (a *testAPI) reviewer() string { return a.token(domain.RoleReviewer, "reviewer01") }

// getBinding reads a binding as the caller.
func (a *testAPI) getBinding(token, id string) bindingBody {
	a.t.Helper()
	res := a.do(request{method: "GET", path: "/v1/bindings/" + id, token: token})
	res.expect(a.t, 200, "")
	var b bindingBody
	res.json(a.t, &b)
	return b
}

// eventually polls cond until it holds or ten seconds pass.
func (a *testAPI) eventually(what string, cond func() bool) {
	a.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			a.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
