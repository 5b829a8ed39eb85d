package workflows

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
)

// stub registers fn as the activity the workflows call by name, as the
// worker registers the real one.
func stub(env *testsuite.TestWorkflowEnvironment, name string, fn any) {
	env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
}
