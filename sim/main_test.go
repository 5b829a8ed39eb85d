package sim_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"gongji/db/dbtest"
	"gongji/domain"
)

var testURL string

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m, &testURL)) }

var personSeq atomic.Int64

// newPerson is an identity number no other test of the run uses; the
// simulators do not check it.
func newPerson() domain.IDNumber { return domain.IDNumber(fmt.Sprintf("65%016d", personSeq.Add(1))) }

func assertCode(t *testing.T, err error, want domain.Code) {
	t.Helper()
	if domain.ErrorCode(err) != want {
		t.Fatalf("error %v, want %s", err, want)
	}
}

func count(t *testing.T, q interface {
	GetContext(context.Context, any, string, ...any) error
}, query string, args ...any) int {
	t.Helper()
	var n int
	if err := q.GetContext(context.Background(), &n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
