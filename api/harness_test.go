package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"gongji/db"
	"gongji/db/dbtest"
	"gongji/domain"
	"gongji/internal/testclock"
	"gongji/sim"
)

// testNow is the API tests' clock: the run's one instant (see testclock),
// which the API hands to the workflows with each decision.
var testNow = testclock.Now()

// testToday is testNow's date in Beijing: the API's today in the tests.
// Every date a test sends that the API compares with its clock derives
// from it, so the suite passes on any day (see testclock).
var testToday = domain.DateOf(testNow)

// daysFromToday is testToday moved by n days, as the API writes dates.
func daysFromToday(n int) string { return testToday.AddDays(n).String() }

// dateInYear is the day m/d of testToday's year moved by years, as the API
// writes dates: dateInYear(1, time.June, 30) is 30 June next year.
func dateInYear(years int, m time.Month, d int) string {
	return domain.NewDate(testToday.Year+years, m, d).String()
}

var testSecret = []byte("test-secret-test-secret-test-secret!")

// testAPI is the API wired to the package's test database and the real
// Temporal dev server.
type testAPI struct {
	t      *testing.T
	router *gin.Engine
	store  *db.Store
	// now is the API's clock when it was made: its tokens are issued then.
	now time.Time
}

func newTestAPI(t *testing.T) *testAPI {
	t.Helper()
	return newTestAPIWith(t, nil)
}

// newTestAPIWith is newTestAPI with the dependencies changed by change
// (e.g. a fake Temporal or another clock).
func newTestAPIWith(t *testing.T, change func(*Deps)) *testAPI {
	t.Helper()
	store := db.NewStore(dbtest.Open(t, testURL))
	d := Deps{
		Store: store, Temporal: testTemporal.Client(), Premiums: sim.Premiums{DB: store.DB()}, TaskQueue: testTaskQueue, JWTSecret: testSecret,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return testNow },
	}
	if change != nil {
		change(&d)
	}
	return &testAPI{t: t, router: newRouter(d), store: store, now: d.Now()}
}

// token signs a token for role and subject, valid for an hour on the
// API's clock.
func (a *testAPI) token(role domain.Role, subject string) string {
	a.t.Helper()
	at := a.now
	if at.IsZero() {
		at = testNow
	}
	tok, err := IssueToken(testSecret, role, subject, time.Hour, at)
	if err != nil {
		a.t.Fatal(err)
	}
	return tok
}

func (a *testAPI) admin() string { return a.token(domain.RoleAdmin, "admin01") }

// request is one HTTP call in a test.
type request struct {
	method, path, token string
	// body is sent as JSON unless it is a string, which is sent as it is.
	body        any
	contentType string
	headers     map[string]string
}

// response is what the API answered.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (a *testAPI) do(r request) response {
	a.t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(r.method, r.path, body)
	if r.body != nil {
		ct := r.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	a.router.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// json decodes the response body into v.
func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errorCode returns the code of an error envelope, or "".
func (r response) errorCode() domain.Code {
	var env struct {
		Error struct {
			Code domain.Code `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.body, &env)
	return env.Error.Code
}

// expect fails the test unless the response has the status and, for
// errors, the code.
func (r response) expect(t *testing.T, status int, code domain.Code) {
	t.Helper()
	if r.status != status || r.errorCode() != code {
		t.Fatalf("got %d %q (%s), want %d %q", r.status, r.errorCode(), r.body, status, code)
	}
}

var nextSeq atomic.Int64

// newID returns a valid ID number no other test uses.
func newID() domain.IDNumber {
	n := int(nextSeq.Add(1))
	birth := domain.NewDate(1970+n/336, time.Month(1+n/28%12), 1+n%28)
	return domain.ComposeIDNumber("652701", birth, n%1000)
}

// syncEmployee creates, through the API, a person enrolled in 310 with an
// open account.
func (a *testAPI) syncEmployee(balance string) domain.IDNumber {
	a.t.Helper()
	id := newID()
	tok := a.admin()
	a.do(request{method: "PUT", path: "/v1/persons/" + string(id), token: tok, body: map[string]any{"name": "张三"}}).expect(a.t, 200, "")
	a.do(request{method: "PUT", path: "/v1/persons/" + string(id) + "/enrolment", token: tok,
		body: map[string]any{"insutype": "310", "admdvs": "652701", "status": "normal", "arrears": false}}).expect(a.t, 200, "")
	a.do(request{method: "PUT", path: "/v1/persons/" + string(id) + "/account", token: tok,
		body: map[string]any{"balance": balance, "status": "normal"}}).expect(a.t, 200, "")
	return id
}

// count returns the number of rows a query counts.
func (a *testAPI) count(query string, args ...any) int {
	a.t.Helper()
	var n int
	if err := a.store.DB().GetContext(context.Background(), &n, query, args...); err != nil {
		a.t.Fatal(err)
	}
	return n
}
