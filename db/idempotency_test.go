package db_test

import (
	"context"
	"testing"
	"time"

	"gongji/db"
)

func TestIdempotencyKey_ClaimCompleteReplay(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	k := db.IdempotencyKey{Caller: "admin:a1", Method: "POST", Path: "/v1/x", Key: "k1-" + string(uniqueID())}

	claimed, _, err := s.ClaimIdempotencyKey(ctx, k, "h1")
	if err != nil || !claimed {
		t.Fatalf("first claim: claimed=%v err=%v", claimed, err)
	}
	claimed, rec, err := s.ClaimIdempotencyKey(ctx, k, "h1")
	if err != nil || claimed || rec.Completed {
		t.Fatalf("in-flight claim: claimed=%v rec=%+v err=%v", claimed, rec, err)
	}
	if err := s.CompleteIdempotencyKey(ctx, k, 201, []byte(`{"ok":true}`), "application/json"); err != nil {
		t.Fatal(err)
	}
	_, rec, err = s.ClaimIdempotencyKey(ctx, k, "h1")
	if err != nil || !rec.Completed || rec.StatusCode != 201 || string(rec.Body) != `{"ok":true}` || rec.RequestHash != "h1" {
		t.Fatalf("replay: rec=%+v err=%v", rec, err)
	}
	other := k
	other.Caller = "admin:a2"
	if claimed, _, _ := s.ClaimIdempotencyKey(ctx, other, "h1"); !claimed {
		t.Fatal("a key is scoped to its caller, but another caller could not claim it")
	}
}

func TestIdempotencyKey_ReleasedKeyCanBeClaimedAgain(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	k := db.IdempotencyKey{Caller: "admin:a1", Method: "POST", Path: "/v1/y", Key: "k2-" + string(uniqueID())}
	if claimed, _, err := s.ClaimIdempotencyKey(ctx, k, "h"); err != nil || !claimed {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	if err := s.ReleaseIdempotencyKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	if claimed, _, err := s.ClaimIdempotencyKey(ctx, k, "h"); err != nil || !claimed {
		t.Fatalf("claim after release: %v %v", claimed, err)
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
	if claimed, _, err := s.ClaimIdempotencyKey(ctx, k, "h-old"); err != nil || !claimed {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	// The first request's process died: its claim is never completed.
	backdateClaim(t, s, k, db.IdempotencyClaimStaleAfter+time.Second)

	claimed, _, err := s.ClaimIdempotencyKey(ctx, k, "h-new")
	if err != nil || !claimed {
		t.Fatalf("a claim older than %s was not taken over: claimed=%v err=%v", db.IdempotencyClaimStaleAfter, claimed, err)
	}
	// The new claim is fresh: a third request waits for it.
	claimed, rec, err := s.ClaimIdempotencyKey(ctx, k, "h-new")
	if err != nil || claimed || rec.Completed || rec.RequestHash != "h-new" {
		t.Fatalf("after takeover: claimed=%v rec=%+v err=%v", claimed, rec, err)
	}
	if err := s.CompleteIdempotencyKey(ctx, k, 201, []byte(`{}`), "application/json"); err != nil {
		t.Fatal(err)
	}
	if _, rec, err := s.ClaimIdempotencyKey(ctx, k, "h-new"); err != nil || !rec.Completed || rec.StatusCode != 201 {
		t.Fatalf("replay after takeover: rec=%+v err=%v", rec, err)
	}
}

func TestIdempotencyKey_RecentClaimIsInProgress(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	k := db.IdempotencyKey{Caller: "admin:a1", Method: "POST", Path: "/v1/z", Key: "k4-" + string(uniqueID())}
	if claimed, _, err := s.ClaimIdempotencyKey(ctx, k, "h"); err != nil || !claimed {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	backdateClaim(t, s, k, db.IdempotencyClaimStaleAfter-time.Minute)
	claimed, rec, err := s.ClaimIdempotencyKey(ctx, k, "h")
	if err != nil || claimed || rec.Completed {
		t.Fatalf("a claim younger than %s was taken over: claimed=%v rec=%+v err=%v", db.IdempotencyClaimStaleAfter, claimed, rec, err)
	}
}

func TestIdempotencyKey_OldCompletedKeyIsReplayedNotTakenOver(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	k := db.IdempotencyKey{Caller: "admin:a1", Method: "POST", Path: "/v1/z", Key: "k5-" + string(uniqueID())}
	if claimed, _, err := s.ClaimIdempotencyKey(ctx, k, "h"); err != nil || !claimed {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	if err := s.CompleteIdempotencyKey(ctx, k, 201, []byte(`{"first":true}`), "application/json"); err != nil {
		t.Fatal(err)
	}
	backdateClaim(t, s, k, 24*time.Hour)
	claimed, rec, err := s.ClaimIdempotencyKey(ctx, k, "h")
	if err != nil || claimed || !rec.Completed || string(rec.Body) != `{"first":true}` {
		t.Fatalf("claimed=%v rec=%+v err=%v", claimed, rec, err)
	}
}
