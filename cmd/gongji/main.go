// Command gongji runs the family mutual-aid service: `gongji api`,
// `gongji worker`, `gongji migrate`, `gongji seed`, `gongji token` and
// `gongji dev` (everything in one process, for `make run`).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: gongji <command> [flags]

commands:
  api       serve the HTTP API
  worker    run the Temporal worker
  migrate   apply database migrations
  seed      load the demo data
  token     print a development token: gongji token --role R --sub S
  dev       migrate, seed, and run worker and API in one process
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	commands := map[string]func(ctx context.Context, args []string) error{
		"api": runAPI, "worker": runWorker, "migrate": runMigrate, "seed": runSeed, "token": runToken, "dev": runDev,
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err := cmd(ctx, os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "gongji:", err)
		os.Exit(1)
	}
}
