package chaos

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
)

// proc is a child process of the suite; its output is appended to a log
// file. It dies with the test process (Pdeathsig) if the suite cannot
// stop it.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func startProc(path string, args, env []string, logPath string) (*proc, error) {
	out, err := os.OpenFile(logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		out.Close()
		close(p.done)
	}()
	return p, nil
}

// stop sends sig and waits for the exit; after ten seconds it SIGKILLs.
func (p *proc) stop(sig syscall.Signal) {
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// temporalServer is a Temporal dev server whose state is a SQLite file,
// so that it can be killed and started again on the same port with its
// workflows, timers and search attributes kept.
type temporalServer struct {
	cli, dbFile, logPath, addr string
	p                          *proc
}

func (s *temporalServer) start(ctx context.Context) error {
	host, port, _ := net.SplitHostPort(s.addr)
	p, err := startProc(s.cli, []string{"server", "start-dev", "--headless", "--ip", host, "--port", port,
		"--db-filename", s.dbFile, "--log-level", "error",
		"--dynamic-config-value", "frontend.enableServerVersionCheck=false"}, os.Environ(), s.logPath)
	if err != nil {
		return err
	}
	s.p = p
	return s.waitReady(ctx)
}

// waitReady polls the frontend's health until it answers or 60 s pass.
func (s *temporalServer) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		c, err := client.Dial(client.Options{HostPort: s.addr, Logger: tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
		if err == nil {
			_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
			c.Close()
			if err == nil {
				return nil
			}
		}
		select {
		case <-s.p.done:
			return fmt.Errorf("temporal dev server exited at start; see %s", s.logPath)
		case <-ctx.Done():
			return fmt.Errorf("temporal dev server not ready: %w", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// restart stops the server with sig, leaves it down for downtime and
// starts it again on the same port and file.
func (s *temporalServer) restart(ctx context.Context, sig syscall.Signal, downtime time.Duration) error {
	s.p.stop(sig)
	time.Sleep(downtime)
	return s.start(ctx)
}

// workerSupervisor keeps one `gongji worker` process running: it starts a
// new one whenever the current one exits, after a short random pause, as
// a process manager would. kill SIGKILLs the current one.
type workerSupervisor struct {
	bin, logPath string
	env          []string

	mu    sync.Mutex
	rng   *rand.Rand
	cur   *proc
	stats workerStats

	quit, stopped chan struct{}
}

// workerStats counts what happened to the worker processes.
type workerStats struct {
	Starts, Kills, OwnExits int
	// Exits says how each exit on its own ended: status and last log line.
	Exits []string
}

func newWorkerSupervisor(bin, logPath string, env []string, seed int64) *workerSupervisor {
	return &workerSupervisor{bin: bin, logPath: logPath, env: env, rng: rand.New(rand.NewPCG(uint64(seed), 1)),
		quit: make(chan struct{}), stopped: make(chan struct{})}
}

// run supervises until stop; start it in its own goroutine.
func (w *workerSupervisor) run() {
	defer close(w.stopped)
	for {
		p, err := startProc(w.bin, []string{"worker"}, w.env, w.logPath)
		w.mu.Lock()
		if err == nil {
			w.cur = p
			w.stats.Starts++
		}
		w.mu.Unlock()
		if err == nil {
			select {
			case <-p.done:
			case <-w.quit:
				p.stop(syscall.SIGTERM)
				return
			}
		}
		w.mu.Lock()
		killed := w.cur == nil
		if !killed && p != nil {
			w.stats.OwnExits++
			w.stats.Exits = append(w.stats.Exits, p.cmd.ProcessState.String()+": "+tail(w.logPath, 1))
		}
		w.cur = nil
		pause := time.Duration(100+w.rng.IntN(1900)) * time.Millisecond
		w.mu.Unlock()
		if !killed {
			pause = time.Second // e.g. Temporal was down at its start
		}
		select {
		case <-time.After(pause):
		case <-w.quit:
			return
		}
	}
}

// kill SIGKILLs the running worker; false if none was running.
func (w *workerSupervisor) kill() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cur == nil {
		return false
	}
	_ = w.cur.cmd.Process.Kill()
	w.cur = nil
	w.stats.Kills++
	return true
}

// stop ends the current worker (SIGTERM) and the supervision.
func (w *workerSupervisor) stop() {
	select {
	case <-w.quit:
	default:
		close(w.quit)
	}
	<-w.stopped
}

func (w *workerSupervisor) snapshot() workerStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.stats
	st.Exits = slices.Clone(st.Exits)
	return st
}

// buildGongji builds cmd/gongji into dir and returns the binary's path.
func buildGongji(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "gongji")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/gongji")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// tail returns the last n lines of a log file.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	raw, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
