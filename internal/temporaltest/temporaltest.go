// Package temporaltest starts a real Temporal dev server for integration
// tests, from the CLI binary that `make test` builds into bin/.
package temporaltest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
)

// CLIEnv names the variable that may point at the temporal CLI binary.
const CLIEnv = "TEMPORAL_CLI"

// CLIPath finds the temporal CLI: $TEMPORAL_CLI, else bin/temporal at the
// module root.
func CLIPath() (string, error) {
	if p := os.Getenv(CLIEnv); p != "" {
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "bin", "temporal")
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("%s not found: run `make bin/temporal` (or set %s)", p, CLIEnv)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("module root not found")
		}
		dir = parent
	}
}

// DevServerArgs are the dynamic settings gongji's dev servers run with (the
// tests', the benches' and `make run`'s): eager activity execution, off by
// default, lets a worker that schedules an activity run it at once instead
// of fetching it through the task queue.
var DevServerArgs = []string{"--dynamic-config-value", "system.enableActivityEagerExecution=true"}

// Start runs a dev server on a free port with an in-memory store and
// returns it; stop it with Stop. Its client logs nothing.
func Start(ctx context.Context) (*testsuite.DevServer, error) {
	path, err := CLIPath()
	if err != nil {
		return nil, err
	}
	return testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  path,
		LogLevel:      "error",
		ClientOptions: &client.Options{Logger: log.NewStructuredLogger(slog.New(slog.DiscardHandler))},
		Stdout:        io.Discard,
		Stderr:        io.Discard,
		ExtraArgs:     DevServerArgs,
	})
}
