package db_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"gongji/db"
)

func TestIdempotencyKey_ClaimCompleteReplay(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	k := db.IdempotencyKey{Caller: "admin:a1", Method: "POST", Path: "/v1/x", Key: "k1-" + string(uniqueID())}

	first, _, err := s.ClaimIdempotencyKey(ctx, k, "h1")
	if err != nil || first == "" {
		t.Fatalf("first claim: token=%q err=%v", first, err)
	}
	token, rec, err := s.ClaimIdempotencyKey(ctx, k, "h1")
	if err != nil || token != "" || rec.Completed {
		t.Fatalf("in-flight claim: token=%q rec=%+v err=%v", token, rec, err)
	}
	complete(t, s, k, first, 201, `{"ok":true}`, true)
	_, rec, err = s.ClaimIdempotencyKey(ctx, k, "h1")
	if err != nil || !rec.Completed || rec.StatusCode != 201 || string(rec.Body) != `{"ok":true}` || rec.RequestHash != "h1" ||
		rec.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("replay: rec=%+v err=%v", rec, err)
	}
	other := k
	other.Caller = "admin:a2"
	if token, _, _ := s.ClaimIdempotencyKey(ctx, other, "h1"); token == "" {
		t.Fatal("a key is scoped to its caller, but another caller could not claim it")
	}
}

func TestIdempotencyKey_ReleasedKeyCanBeClaimedAgain(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	k := db.IdempotencyKey{Caller: "admin:a1", Method: "POST", Path: "/v1/y", Key: "k2-" + string(uniqueID())}
	token, _, err := s.ClaimIdempotencyKey(ctx, k, "h")
	if err != nil || token == "" {
		t.Fatalf("claim: %q %v", token, err)
	}
	if err := s.ReleaseIdempotencyKey(ctx, k, token); err != nil {
		t.Fatal(err)
	}
	if token, _, err := s.ClaimIdempotencyKey(ctx, k, "h"); err != nil || token == "" {
		t.Fatalf("claim after release: %q %v", token, err)
	}
}

// complete stores a response for the claim token holds, and fails unless
// it was stored exactly when wantStored.
func complete(t *testing.T, s *db.Store, k db.IdempotencyKey, token string, status int, body string, wantStored bool) {
	t.Helper()
	stored, err := s.CompleteIdempotencyKey(context.Background(), k, token, status, http.Header{"Content-Type": {"application/json"}}, []byte(body))
	if err != nil || stored != wantStored {
		t.Fatalf("complete %d %s: stored=%v err=%v, want stored=%v", status, body, stored, err, wantStored)
	}
}

// backdateClaim moves a key's claim age back by d.
func backdateClaim(t *testing.T, s *db.Store, k db.IdempotencyKey, d time.Duration) {
	t.Helper()
	const q = `
		UPDATE idempotency_keys SET created_at = created_at - make_interval(secs => $5)
		WHERE caller = $1 AND method = $2 AND path = $3 AND key = $4`
	if _, err := s.DB().ExecContext(context.Background(), q, k.Caller, k.Method, k.Path, k.Key, d.Seconds()); err != nil {
		t.Fatal(err)
	}
}

func TestIdempotencyKey_StaleClaimIsTakenOver(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	k := db.IdempotencyKey{Caller: "admin:a1", Method: "POST", Path: "/v1/z", Key: "k3-" + string(uniqueID())}
	if token, _, err := s.ClaimIdempotencyKey(ctx, k, "h-old"); err != nil || token == "" {
		t.Fatalf("claim: %q %v", token, err)
	}
	// The first request's process died: its claim is never completed.
	backdateClaim(t, s, k, db.IdempotencyClaimStaleAfter+time.Second)

	taker, _, err := s.ClaimIdempotencyKey(ctx, k, "h-new")
	if err != nil || taker == "" {
		t.Fatalf("a claim older than %s was not taken over: token=%q err=%v", db.IdempotencyClaimStaleAfter, taker, err)
	}
	// The new claim is fresh: a third request waits for it.
	token, rec, err := s.ClaimIdempotencyKey(ctx, k, "h-new")
	if err != nil || token != "" || rec.Completed || rec.RequestHash != "h-new" {
		t.Fatalf("after takeover: token=%q rec=%+v err=%v", token, rec, err)
	}
	complete(t, s, k, taker, 201, `{}`, true)
	if _, rec, err := s.ClaimIdempotencyKey(ctx, k, "h-new"); err != nil || !rec.Completed || rec.StatusCode != 201 {
		t.Fatalf("replay after takeover: rec=%+v err=%v", rec, err)
	}
}

func TestIdempotencyKey_RecentClaimIsInProgress(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	k := db.IdempotencyKey{Caller: "admin:a1", Method: "POST", Path: "/v1/z", Key: "k4-" + string(uniqueID())}
	if token, _, err := s.ClaimIdempotencyKey(ctx, k, "h"); err != nil || token == "" {
		t.Fatalf("claim: %q %v", token, err)
	}
	backdateClaim(t, s, k, db.IdempotencyClaimStaleAfter-time.Minute)
	token, rec, err := s.ClaimIdempotencyKey(ctx, k, "h")
	if err != nil || token != "" || rec.Completed {
		t.Fatalf("a claim younger than %s was taken over: token=%q rec=%+v err=%v", db.IdempotencyClaimStaleAfter, token, rec, err)
	}
}

func TestIdempotencyKey_OldCompletedKeyIsReplayedNotTakenOver(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	k := db.IdempotencyKey{Caller: "admin:a1", Method: "POST", Path: "/v1/z", Key: "k5-" + string(uniqueID())}
	first, _, err := s.ClaimIdempotencyKey(ctx, k, "h")
	if err != nil || first == "" {
		t.Fatalf("claim: %q %v", first, err)
	}
	complete(t, s, k, first, 201, `{"first":true}`, true)
	backdateClaim(t, s, k, 24*time.Hour)
	token, rec, err := s.ClaimIdempotencyKey(ctx, k, "h")
	if err != nil || token != "" || !rec.Completed || string(rec.Body) != `{"first":true}` {
		t.Fatalf("token=%q rec=%+v err=%v", token, rec, err)
	}
}

// A first holder that outlives its stale claim cannot complete or release
// the key once another request took it over: the taker's answer is kept.
func TestIdempotencyKey_TakenOverClaim_FirstHoldersLateCompletionIsDiscarded(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	k := db.IdempotencyKey{Caller: "admin:a1", Method: "POST", Path: "/v1/z", Key: "k6-" + string(uniqueID())}
	first, _, err := s.ClaimIdempotencyKey(ctx, k, "h")
	if err != nil || first == "" {
		t.Fatalf("claim: %q %v", first, err)
	}
	backdateClaim(t, s, k, db.IdempotencyClaimStaleAfter+time.Second)
	taker, _, err := s.ClaimIdempotencyKey(ctx, k, "h")
	if err != nil || taker == "" || taker == first {
		t.Fatalf("takeover: token=%q (first %q) err=%v", taker, first, err)
	}

	// The first holder, still running, fails with a server error and then
	// answers late: neither its release nor its answer touches the claim.
	if err := s.ReleaseIdempotencyKey(ctx, k, first); err != nil {
		t.Fatal(err)
	}
	complete(t, s, k, first, 201, `{"holder":"first"}`, false)
	token, rec, err := s.ClaimIdempotencyKey(ctx, k, "h")
	if err != nil || token != "" || rec.Completed {
		t.Fatalf("the taker's claim was released or completed by the first holder: token=%q rec=%+v err=%v", token, rec, err)
	}

	complete(t, s, k, taker, 201, `{"holder":"taker"}`, true)
	complete(t, s, k, first, 201, `{"holder":"first"}`, false)
	_, rec, err = s.ClaimIdempotencyKey(ctx, k, "h")
	if err != nil || !rec.Completed || string(rec.Body) != `{"holder":"taker"}` {
		t.Fatalf("stored: %s (completed %v) err=%v, want the taker's answer", rec.Body, rec.Completed, err)
	}
}
