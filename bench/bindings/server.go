package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"gongji/workflows"
)

// taskWorkers is the dev server's timer and transfer task concurrency.
const taskWorkers = 16

// devServer is a Temporal dev server run as a child process.
type devServer struct {
	cmd    *exec.Cmd
	addr   string
	dir    string
	dbFile string
	exited chan struct{}
}

// startDevServer runs `temporal server start-dev` on a free port with
// gongji's search attributes, its state in memory (or in a SQLite file
// under a temp dir), and waits until it answers.
func startDevServer(ctx context.Context, cli string, dbFile bool) (*devServer, error) {
	dir, err := os.MkdirTemp("", "gongji-bench-temporal-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &devServer{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), dir: dir, exited: make(chan struct{})}
	args := []string{"server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", strconv.Itoa(port),
		"--log-level", "error",
		"--search-attribute", workflows.BindingStatusKey.GetName() + "=Keyword",
		"--search-attribute", workflows.BindingRelationKey.GetName() + "=Keyword",
		// The dev server has one history shard whose SQLite store takes one
		// operation at a time, each given 5 s (history.shardIOTimeout). With
		// the default 512 timer and transfer task workers, a batch of
		// thousands of timers firing together queues past that timeout,
		// fails and retries, and expiries crawl at under one a second.
		// Fewer workers keep every operation within its timeout.
		"--dynamic-config-value", "history.timerProcessorSchedulerWorkerCount=" + strconv.Itoa(taskWorkers),
		"--dynamic-config-value", "history.transferProcessorSchedulerWorkerCount=" + strconv.Itoa(taskWorkers)}
	if dbFile {
		s.dbFile = filepath.Join(dir, "temporal.db")
		// A benchmark's state need not survive a crash: no fsync per write.
		args = append(args, "--db-filename", s.dbFile,
			"--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=off")
	}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	s.cmd = exec.Command(cli, args...)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	// The server dies with the bench, even if the bench is killed.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *devServer) pid() int { return s.cmd.Process.Pid }

// client dials the server with the SDK's logging off.
func (s *devServer) client() (client.Client, error) {
	return client.Dial(client.Options{
		HostPort: s.addr,
		Logger:   tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
}

func (s *devServer) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(90 * time.Second)
	for {
		c, err := s.client()
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-s.exited:
			log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
			return fmt.Errorf("temporal dev server exited: %s", log)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("temporal dev server not ready after 90s: %w", err)
		}
	}
}

// dbFileMiB is the size of the server's SQLite files (0 in memory).
func (s *devServer) dbFileMiB() float64 {
	if s.dbFile == "" {
		return 0
	}
	var size int64
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if fi, err := os.Stat(s.dbFile + suffix); err == nil {
			size += fi.Size()
		}
	}
	return float64(size) / (1 << 20)
}

// stop ends the server (SIGTERM, SIGKILL after 15 s) and removes its dir.
func (s *devServer) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	_ = os.RemoveAll(s.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
