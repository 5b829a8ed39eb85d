package db_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"gongji/db"
	"gongji/domain"
)

// A binding whose workflow is gone is closed as the workflow would have:
// terminated, who and why in its history, ended_at, the holder told;
// once only, and never a binding that has already ended.
func TestCloseBindingWithoutWorkflow(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	holder, child := employeeWithAccount(t, s, "100.00"), resident(t, s)
	id := activeBinding(t, s, holder, child, domain.Terms{}, t0)
	at := t0.Add(48 * time.Hour)
	c := db.Closure{BindingID: id, By: "admin:admin01", Reason: "holder died on 2026-03-02 (workflow not running)", At: at,
		EventKey: id + ":terminated:no-workflow"}

	closed, err := s.CloseBindingWithoutWorkflow(ctx, c)
	if err != nil || !closed {
		t.Fatalf("closed %v, %v", closed, err)
	}
	b := mustBinding(t, s, id, 2026)
	last := b.History[len(b.History)-1]
	if b.Status != domain.BindingTerminated || last.Event != "terminated" || last.By != c.By || last.Reason != c.Reason || !last.At.Equal(at) {
		t.Fatalf("status %s, last history %+v", b.Status, last)
	}
	if got := endedAt(t, s, id); !got.Valid || !got.Time.Equal(at) {
		t.Fatalf("ended_at %v", got)
	}
	notices, err := s.Notifications(ctx, holder, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(notices, func(n db.Notification) bool {
		return n.Kind == string(domain.NoticeBindingTerminated) && n.DedupKey == c.EventKey
	}) {
		t.Fatalf("no termination notice among %+v", notices)
	}

	rows := historyRows(t, s, id)
	if closed, err := s.CloseBindingWithoutWorkflow(ctx, c); err != nil || closed {
		t.Fatalf("again: closed %v, %v", closed, err)
	}
	other := c
	other.EventKey += ":other"
	if closed, err := s.CloseBindingWithoutWorkflow(ctx, other); err != nil || closed {
		t.Fatalf("another key on an ended binding: closed %v, %v", closed, err)
	}
	if got := historyRows(t, s, id); got != rows {
		t.Fatalf("history rows %d, want %d", got, rows)
	}
	if _, err := s.CloseBindingWithoutWorkflow(ctx, db.Closure{BindingID: "bnd-none", EventKey: "k"}); domain.ErrorCode(err) != domain.CodeBindingNotFound {
		t.Fatalf("unknown binding: %v", err)
	}
}

// The repair's candidates: live rows unchanged for the idle time, in id
// order, a page at a time; ended rows never.
func TestLiveBindingsIdle(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	holder := employeeWithAccount(t, s, "100.00")
	var live []string
	for range 3 {
		live = append(live, activeBinding(t, s, holder, resident(t, s), domain.Terms{}, t0))
	}
	pending := request(t, s, holder, resident(t, s), t0)
	ended := activeBinding(t, s, holder, resident(t, s), domain.Terms{}, t0)
	move(t, s, ended, t0, domain.BindingActive, domain.BindingUnbound)
	mine := append(slices.Clone(live), pending, ended)
	ours := func(ids []string) []string {
		return slices.DeleteFunc(ids, func(id string) bool { return !slices.Contains(mine, id) })
	}
	all := func(idle time.Duration, page int) []string {
		t.Helper()
		var out []string
		after := ""
		for {
			ids, err := s.LiveBindingsIdle(ctx, after, idle, page)
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) == 0 {
				return ours(out)
			}
			if len(ids) > page {
				t.Fatalf("%d rows on a page of %d", len(ids), page)
			}
			out = append(out, ids...)
			after = ids[len(ids)-1]
		}
	}

	if got := all(time.Hour, 2); len(got) != 0 {
		t.Fatalf("rows changed just now listed as idle for an hour: %v", got)
	}
	want := slices.Sorted(slices.Values(append(slices.Clone(live), pending)))
	if got := all(0, 2); !slices.Equal(got, want) {
		t.Fatalf("idle 0: %v, want %v", got, want)
	}
	if _, err := s.DB().ExecContext(ctx, `UPDATE bindings SET updated_at = now() - interval '2 hours' WHERE id = $1`, live[1]); err != nil {
		t.Fatal(err)
	}
	if got := all(time.Hour, 2); !slices.Equal(got, []string{live[1]}) {
		t.Fatalf("idle an hour: %v, want %v", got, live[1])
	}
}
