package api

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"gongji/domain"
)

func signRaw(t *testing.T, method jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestAuth_RejectsMissingOrBadTokens(t *testing.T) {
	a := newTestAPI(t)
	exp := testNow.Add(time.Hour).Unix()
	cases := []struct {
		name   string
		header map[string]string
	}{
		{"no header", nil},
		{"not bearer", map[string]string{"Authorization": "Basic YWRtaW46YWRtaW4="}},
		{"empty bearer", map[string]string{"Authorization": "Bearer "}},
		{"garbage", map[string]string{"Authorization": "Bearer not.a.token"}},
		{"wrong secret", map[string]string{"Authorization": "Bearer " + signRaw(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), jwt.MapClaims{"sub": "admin01", "role": "admin", "exp": exp})}},
		{"alg none", map[string]string{"Authorization": "Bearer " + signRaw(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.MapClaims{"sub": "admin01", "role": "admin", "exp": exp})}},
		{"HS512", map[string]string{"Authorization": "Bearer " + signRaw(t, jwt.SigningMethodHS512, testSecret, jwt.MapClaims{"sub": "admin01", "role": "admin", "exp": exp})}},
		{"expired", map[string]string{"Authorization": "Bearer " + signRaw(t, jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"sub": "admin01", "role": "admin", "exp": testNow.Add(-time.Minute).Unix()})}},
		{"no exp", map[string]string{"Authorization": "Bearer " + signRaw(t, jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"sub": "admin01", "role": "admin"})}},
		{"unknown role", map[string]string{"Authorization": "Bearer " + signRaw(t, jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"sub": "admin01", "role": "root", "exp": exp})}},
		{"insured with a bad ID", map[string]string{"Authorization": "Bearer " + signRaw(t, jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"sub": "652701198503120010", "role": "insured", "exp": exp})}},
		{"institution with a bad code", map[string]string{"Authorization": "Bearer " + signRaw(t, jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"sub": "X1", "role": "institution", "exp": exp})}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := a.do(request{method: "GET", path: "/v1/persons/" + string(newID()), headers: tc.header})
			res.expect(t, 401, domain.CodeUnauthenticated)
		})
	}
}

func TestAuth_ValidTokenOfAnotherRole_IsForbidden(t *testing.T) {
	a := newTestAPI(t)
	tok := a.token(domain.RoleReviewer, "reviewer01")
	a.do(request{method: "GET", path: "/v1/persons/" + string(newID()), token: tok}).expect(t, 403, domain.CodeForbidden)
}

func TestIssueToken_RefusesSubjectsThatDoNotFitTheRole(t *testing.T) {
	cases := []struct {
		role    domain.Role
		subject string
	}{
		{domain.RoleInsured, "admin01"},
		{domain.RoleInsured, "65270119850312001x"},
		{domain.RoleInstitution, "652701"},
		{domain.RoleAdmin, ""},
		{domain.RoleReviewer, "has space"},
		{"superuser", "x"},
	}
	for _, tc := range cases {
		if _, err := IssueToken(testSecret, tc.role, tc.subject, time.Hour, testNow); err == nil {
			t.Errorf("IssueToken(%s, %q) succeeded", tc.role, tc.subject)
		}
	}
}
