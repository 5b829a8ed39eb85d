package db_test

import (
	"context"
	"testing"

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
