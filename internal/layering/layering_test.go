package layering

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// allowed is each package's layer: the packages of gongji its non-test
// files may import. domain is below everything; the workflows see only
// domain (and temporalerr, domain's errors in Temporal's form); the
// activities see the store and the gateways; the API sees the workflows'
// ids and names. A package missing here fails the test: give it a layer.
var allowed = map[string][]string{
	"gongji/domain":                {},
	"gongji/config":                {},
	"gongji/internal/testclock":    {"gongji/domain"},
	"gongji/internal/temporaltest": {},
	"gongji/internal/temporalerr":  {"gongji/domain"},
	"gongji/db":                    {"gongji/domain"},
	// Test databases get gongji's migrations and the simulators'.
	"gongji/db/dbtest": {"gongji/db", "gongji/sim"},
	// The outside systems' interfaces, in domain types, and their faults.
	"gongji/external": {"gongji/domain"},
	// The simulators of the outside systems keep their own tables (schema
	// sim), never the store's.
	"gongji/sim":        {"gongji/domain", "gongji/external"},
	"gongji/activities": {"gongji/domain", "gongji/db", "gongji/external", "gongji/internal/temporalerr"},
	"gongji/workflows":  {"gongji/domain", "gongji/internal/temporalerr"},
	"gongji/webhook":    {"gongji/domain", "gongji/db"},
	"gongji/worker":     {"gongji/domain", "gongji/db", "gongji/external", "gongji/sim", "gongji/activities", "gongji/workflows"},
	// The use cases check the rules, write rows, send domain messages to
	// workflows by their ids and names, and read refusals back. They import
	// activities only for activities.NoWorkflowReason, the history reason of
	// a binding closed without its workflow.
	"gongji/app": {"gongji/domain", "gongji/db", "gongji/workflows", "gongji/internal/temporalerr", "gongji/activities"},
	// The API decodes, calls the use cases and encodes; its reads query the
	// store.
	"gongji/api": {"gongji/domain", "gongji/db", "gongji/app"},
	// Operators' tools: the demo data and the invariant checker (which asks
	// Temporal about workflows as the binding repair does).
	"gongji/internal/demo":       {"gongji/domain", "gongji/db"},
	"gongji/internal/invariants": {"gongji/domain", "gongji/db", "gongji/workflows", "gongji/activities"},
}

// mains may import anything of gongji: the binary and the benches.
var mains = []string{"gongji/cmd/", "gongji/bench/"}

// forbiddenUnderWorkflows may not be linked into the workflows at all,
// directly or through another package.
var forbiddenUnderWorkflows = []string{
	"gongji/db", "gongji/api", "gongji/external", "gongji/activities",
	"github.com/jmoiron/sqlx", "github.com/lib/pq", "github.com/gin-gonic/gin",
}

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

func isProject(path string) bool { return path == "gongji" || strings.HasPrefix(path, "gongji/") }

func TestLayering_EveryPackageImportsOnlyItsLayer(t *testing.T) {
	lines := goList(t, "-e", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./...")
	seen := map[string]bool{}
	for _, line := range lines {
		fields := strings.Fields(line)
		pkg, imports := fields[0], fields[1:]
		if slices.ContainsFunc(mains, func(p string) bool { return strings.HasPrefix(pkg, p) }) {
			continue
		}
		layer, ok := allowed[pkg]
		seen[pkg] = ok
		if !ok {
			if slices.ContainsFunc(imports, isProject) {
				t.Errorf("%s is in no layer: add it to allowed in internal/layering/layering_test.go", pkg)
			}
			continue
		}
		for _, imp := range imports {
			if isProject(imp) && !slices.Contains(layer, imp) {
				t.Errorf("%s imports %s; its layer allows only %v", pkg, imp, layer)
			}
		}
	}
	for pkg := range allowed {
		if _, ok := seen[pkg]; !ok {
			t.Errorf("%s has a layer but no longer exists: remove it from allowed", pkg)
		}
	}
	if len(seen) < 10 {
		t.Fatalf("checked only %d packages: %v", len(seen), seen)
	}
}

func TestLayering_WorkflowsLinkNeitherTheStoreNorTheGatewaysNorTheAPI(t *testing.T) {
	deps := goList(t, "-deps", "gongji/workflows")
	if !slices.Contains(deps, "go.temporal.io/sdk/workflow") {
		t.Fatalf("go list -deps gongji/workflows lacks the SDK; is the listing right? %v", deps)
	}
	for _, dep := range deps {
		for _, bad := range forbiddenUnderWorkflows {
			if dep == bad || strings.HasPrefix(dep, bad+"/") {
				t.Errorf("gongji/workflows links %s", dep)
			}
		}
	}
}
