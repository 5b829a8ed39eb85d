package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// memory is a process's memory at one moment, in MiB; the Go fields are
// set for this process only.
type memory struct {
	RSS          float64 `json:"rss_mib"`
	PeakRSS      float64 `json:"peak_rss_mib"`
	GoHeapInuse  float64 `json:"go_heap_inuse_mib,omitempty"`
	GoSys        float64 `json:"go_sys_mib,omitempty"`
	GoGoroutines int     `json:"go_goroutines,omitempty"`
}

// processMemory reads VmRSS and VmHWM (the peak RSS so far) of a process.
func processMemory(pid int) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		if err != nil {
			return memory{}, fmt.Errorf("/proc/%d/status %s: %w", pid, key, err)
		}
		if key == "VmRSS" {
			m.RSS = kb / 1024
		} else {
			m.PeakRSS = kb / 1024
		}
	}
	return m, sc.Err()
}

// selfMemory is this process's memory with the Go runtime's view: the
// worker's, since the worker runs here.
func selfMemory() (memory, error) {
	m, err := processMemory(os.Getpid())
	var rt runtime.MemStats
	runtime.ReadMemStats(&rt)
	m.GoHeapInuse = float64(rt.HeapInuse) / (1 << 20)
	m.GoSys = float64(rt.Sys) / (1 << 20)
	m.GoGoroutines = runtime.NumGoroutine()
	return m, err
}
