package api

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"gongji/db"
	"gongji/domain"
)

func entryRequest(tok string, id domain.IDNumber, key, amount, reference string) request {
	return request{
		method: "POST", path: "/v1/persons/" + string(id) + "/account/entries", token: tok,
		body:    map[string]any{"amount": amount, "kind": "contribution", "reference": reference},
		headers: map[string]string{"Idempotency-Key": key},
	}
}

func TestIdempotencyKey_SameKeyAndBody_ReplaysTheFirstResponse(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncEmployee("100.00")
	first := a.do(entryRequest(a.admin(), id, "key-1", "10.00", "ref-1"))
	first.expect(t, 201, "")
	second := a.do(entryRequest(a.admin(), id, "key-1", "10.00", "ref-1"))
	second.expect(t, 201, "")
	if !bytes.Equal(first.body, second.body) || second.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay differs: %s vs %s (header %q)", first.body, second.body, second.header.Get("Idempotent-Replayed"))
	}
	if n := a.count(`SELECT count(*) FROM ledger_entries WHERE account_id_number = $1`, id); n != 1 {
		t.Fatalf("%d entries, want 1", n)
	}
}

func TestIdempotencyKey_SameKeyOtherBody_IsConflictAndChangesNothing(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncEmployee("100.00")
	a.do(entryRequest(a.admin(), id, "key-2", "10.00", "ref-2")).expect(t, 201, "")
	a.do(entryRequest(a.admin(), id, "key-2", "20.00", "ref-3")).expect(t, 409, domain.CodeIdempotencyKeyReused)
	if n := a.count(`SELECT count(*) FROM ledger_entries WHERE account_id_number = $1`, id); n != 1 {
		t.Fatalf("%d entries, want 1", n)
	}
}

func TestIdempotencyKey_WhileFirstInFlight_IsInProgress(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncEmployee("100.00")
	req := entryRequest(a.admin(), id, "key-3", "10.00", "ref-4")
	raw := `{"amount":"10.00","kind":"contribution","reference":"ref-4"}`
	k := db.IdempotencyKey{Caller: "admin:admin01", Method: "POST", Path: req.path, Key: "key-3"}
	if token, _, err := a.store.ClaimIdempotencyKey(context.Background(), k, requestHash("application/json", []byte(raw))); err != nil || token == "" {
		t.Fatalf("claim: %v %v", token, err)
	}
	req.body = raw
	a.do(req).expect(t, 409, domain.CodeIdempotencyInProgress)
}

func TestIdempotencyKey_IsScopedToTheCaller(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncEmployee("100.00")
	a.do(entryRequest(a.admin(), id, "key-4", "10.00", "ref-5")).expect(t, 201, "")
	other := a.token(domain.RoleAdmin, "admin02")
	a.do(entryRequest(other, id, "key-4", "20.00", "ref-6")).expect(t, 201, "")
}

func TestIdempotencyKey_ClientErrorsAreReplayedToo(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncEmployee("100.00")
	a.do(entryRequest(a.admin(), id, "key-5", "1.234", "ref-7")).expect(t, 400, domain.CodeInvalidAmount)
	res := a.do(entryRequest(a.admin(), id, "key-5", "1.234", "ref-7"))
	res.expect(t, 400, domain.CodeInvalidAmount)
	if res.header.Get("Idempotent-Replayed") != "true" {
		t.Fatal("the 400 was not replayed from the stored response")
	}
}

func TestIdempotencyKey_Malformed_IsInvalidRequest(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncEmployee("100.00")
	a.do(entryRequest(a.admin(), id, strings.Repeat("k", 256), "10.00", "ref-8")).expect(t, 400, domain.CodeInvalidRequest)
	a.do(entryRequest(a.admin(), id, "has space", "10.00", "ref-8")).expect(t, 400, domain.CodeInvalidRequest)
	if n := a.count(`SELECT count(*) FROM ledger_entries WHERE account_id_number = $1`, id); n != 0 {
		t.Fatalf("%d entries written", n)
	}
}

func TestIdempotencyKey_ConcurrentRetries_PostOnce(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncEmployee("100.00")
	const retries = 12
	statuses := make([]response, retries)
	var wg sync.WaitGroup
	for i := range retries {
		wg.Go(func() { statuses[i] = a.do(entryRequest(a.admin(), id, "key-6", "10.00", "ref-9")) })
	}
	wg.Wait()
	created := 0
	for _, r := range statuses {
		switch {
		case r.status == 201:
			created++
		case r.status == 409 && r.errorCode() == domain.CodeIdempotencyInProgress:
		default:
			t.Fatalf("unexpected answer %d %s", r.status, r.body)
		}
	}
	if created == 0 {
		t.Fatal("no request succeeded")
	}
	if n := a.count(`SELECT count(*) FROM ledger_entries WHERE account_id_number = $1`, id); n != 1 {
		t.Fatalf("%d entries, want 1", n)
	}
	acc, err := a.store.Account(context.Background(), id)
	if err != nil || acc.Balance.String() != "110.00" {
		t.Fatalf("balance %v %v, want 110.00", acc.Balance, err)
	}
}

// idempotentOnly serves POST /x behind the idempotency middleware alone,
// with handler as the route.
func idempotentOnly(t *testing.T, store *db.Store, handler gin.HandlerFunc) *gin.Engine {
	t.Helper()
	r := gin.New()
	r.Use(func(c *gin.Context) {
		c.Set(principalKey, domain.Principal{Role: domain.RoleAdmin, Subject: "admin01"})
		c.Next()
	}, idempotent(store))
	r.POST("/x", handler)
	return r
}

// postCancelled sends POST /x with an Idempotency-Key; the handler cancels
// the request's context (the client went away) before answering.
func postCancelled(t *testing.T, store *db.Store, key string, status int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := idempotentOnly(t, store, func(c *gin.Context) {
		cancel()
		<-c.Request.Context().Done()
		c.JSON(status, gin.H{"ok": status < 500})
	})
	req := httptest.NewRequest("POST", "/x", strings.NewReader(`{}`)).WithContext(ctx)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(idempotencyHeader, key)
	r.ServeHTTP(httptest.NewRecorder(), req)
}

func TestIdempotencyKey_ClientGoneAway_ResponseIsStillStored(t *testing.T) {
	a := newTestAPI(t)
	key := "gone-" + string(newID())
	postCancelled(t, a.store, key, 201)

	k := db.IdempotencyKey{Caller: "admin:admin01", Method: "POST", Path: "/x", Key: key}
	token, rec, err := a.store.ClaimIdempotencyKey(context.Background(), k, requestHash("application/json", []byte(`{}`)))
	if err != nil || token != "" || !rec.Completed || rec.StatusCode != 201 {
		t.Fatalf("the key was left in flight or lost: token=%q rec=%+v err=%v", token, rec, err)
	}
}

func TestIdempotencyKey_ClientGoneAway_ServerErrorStillReleasesTheKey(t *testing.T) {
	a := newTestAPI(t)
	key := "gone-" + string(newID())
	postCancelled(t, a.store, key, 503)

	k := db.IdempotencyKey{Caller: "admin:admin01", Method: "POST", Path: "/x", Key: key}
	token, rec, err := a.store.ClaimIdempotencyKey(context.Background(), k, requestHash("application/json", []byte(`{}`)))
	if err != nil || token == "" {
		t.Fatalf("the key was not released: token=%q rec=%+v err=%v", token, rec, err)
	}
}

// A request whose claim went stale while it still ran, and was taken over
// by a retry, answers its own client but is not stored, even when it
// finishes before the retry: the retry's answer is the one every later
// request with the key gets.
func TestIdempotencyKey_StaleClaimTakenOver_FirstHoldersLateAnswerIsNotStored(t *testing.T) {
	a := newTestAPI(t)
	key := "stale-" + string(newID())
	holders := []string{"first", "taker"}
	entered := []chan struct{}{make(chan struct{}), make(chan struct{})}
	release := []chan struct{}{make(chan struct{}), make(chan struct{})}
	var calls atomic.Int32
	r := idempotentOnly(t, a.store, func(c *gin.Context) {
		n := calls.Add(1) - 1
		close(entered[n])
		<-release[n]
		c.JSON(201, gin.H{"holder": holders[n]})
	})
	post := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/x", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(idempotencyHeader, key)
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec
	}
	answers := []chan *httptest.ResponseRecorder{make(chan *httptest.ResponseRecorder), make(chan *httptest.ResponseRecorder)}

	go func() { answers[0] <- post() }()
	<-entered[0]
	// The first holder is still running when its claim goes stale, and a
	// retry takes it over.
	if _, err := a.store.DB().ExecContext(context.Background(),
		`UPDATE idempotency_keys SET created_at = created_at - make_interval(secs => $2) WHERE key = $1`,
		key, (db.IdempotencyClaimStaleAfter + time.Second).Seconds()); err != nil {
		t.Fatal(err)
	}
	go func() { answers[1] <- post() }()
	<-entered[1]
	// The first holder answers while the taker still runs, then the taker.
	for i, holder := range holders {
		close(release[i])
		if got := <-answers[i]; got.Code != 201 || !strings.Contains(got.Body.String(), `"`+holder+`"`) {
			t.Fatalf("the %s request answered %d %s, want its own 201", holder, got.Code, got.Body)
		}
	}

	replayed := post()
	if replayed.Header().Get("Idempotent-Replayed") != "true" || !strings.Contains(replayed.Body.String(), `"taker"`) {
		t.Fatalf("a later request got %s (replayed %q), want the taker's stored answer", replayed.Body, replayed.Header().Get("Idempotent-Replayed"))
	}
}

// A settlement answered 202 while its top-up is due says where to follow
// it (Location); the same request again with its Idempotency-Key is that
// answer replayed, Location included.
func TestIdempotencyKey_ReplayedSettlement202_KeepsLocation(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	f, _ := a.boundFamily("1000.00", map[string]any{"annual_limit": "50.00"})
	inst := a.hospital()
	post := request{method: "POST", path: "/v1/settlements", token: inst.token,
		body:    visit(newVisitNo(), f.beneficiary, true, cashTopup(), billItem("D001", "drug", "300.00")),
		headers: map[string]string{idempotencyHeader: "settle-202-" + string(newID())}}

	first := a.do(post)
	first.expect(t, 202, "")
	s := decodeSettlement(t, first)
	if got := first.header.Get("Location"); got != "/v1/settlements/"+s.ID {
		t.Fatalf("the first answer's Location is %q, want /v1/settlements/%s", got, s.ID)
	}
	replayed := a.do(post)
	expectReplay(t, replayed, first)
	if got := replayed.header.Get("Location"); got != first.header.Get("Location") {
		t.Fatalf("the replayed 202 has Location %q, want %q", got, first.header.Get("Location"))
	}
	if got, want := replayed.header.Get("Content-Type"), first.header.Get("Content-Type"); got != want {
		t.Fatalf("the replayed 202 has Content-Type %q, want %q", got, want)
	}
}

// The replay carries the headers that belong to the answer, whatever the
// route, and not the others.
func TestIdempotencyKey_Replay_KeepsTheAnswersHeadersOnly(t *testing.T) {
	a := newTestAPI(t)
	r := idempotentOnly(t, a.store, func(c *gin.Context) {
		c.Header("Location", "/v1/x/1")
		c.Header("Content-Language", "zh")
		c.Header("X-Per-Request", "first")
		c.Data(201, "text/plain; charset=utf-8", []byte("made"))
	})
	key := "headers-" + string(newID())
	post := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/x", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(idempotencyHeader, key)
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec
	}
	post()
	replayed := post()
	h := replayed.Header()
	if replayed.Code != 201 || replayed.Body.String() != "made" || h.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %q (Idempotent-Replayed %q)", replayed.Code, replayed.Body, h.Get("Idempotent-Replayed"))
	}
	want := map[string]string{"Location": "/v1/x/1", "Content-Language": "zh", "Content-Type": "text/plain; charset=utf-8", "X-Per-Request": ""}
	for name, value := range want {
		if got := h.Get(name); got != value {
			t.Errorf("replayed %s is %q, want %q", name, got, value)
		}
	}
}
