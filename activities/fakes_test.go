package activities

import (
	"errors"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"gongji/db"
)

// *db.Store is the store every activities struct is wired with.
var (
	_ bindingStore    = (*db.Store)(nil)
	_ repairStore     = (*db.Store)(nil)
	_ settlementStore = (*db.Store)(nil)
	_ premiumStore    = (*db.Store)(nil)
	_ inboxStore      = (*db.Store)(nil)
)

// runActivity runs one activity method in Temporal's test activity
// environment (no server, no database) and returns its error as a
// workflow would see it.
func runActivity(t *testing.T, activities any, method any, args ...any) error {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(activities)
	_, err := env.ExecuteActivity(method, args...)
	return err
}

// requireRefusal checks that err is a non-retryable application error of
// the given code.
func requireRefusal(t *testing.T, err error, code string) {
	t.Helper()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		t.Fatalf("%v (%T) is not an application error", err, err)
	}
	if !appErr.NonRetryable() || appErr.Type() != code {
		t.Fatalf("got %v (non-retryable %v, type %q), want a non-retryable %s", appErr, appErr.NonRetryable(), appErr.Type(), code)
	}
}
