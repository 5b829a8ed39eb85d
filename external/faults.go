// Package external holds gongji's interfaces to outside systems — the
// fund settlement engine, the bank-card gateway and the resident-insurance
// premium collection system — written in domain types, and the Faults
// their built-in simulators (package sim) inject for tests.
package external

import (
	"errors"
	"sync"
)

// ErrInjected is the transient failure a built-in adapter returns while a
// fault is armed.
var ErrInjected = errors.New("injected failure")

// Faults arms transient failures by operation name, for tests. The zero
// value injects nothing and is safe for concurrent use.
type Faults struct {
	mu        sync.Mutex
	remaining map[string]int
}

// Fail makes the next n calls of op fail with ErrInjected; n < 0 fails
// every call until Clear.
func (f *Faults) Fail(op string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.remaining == nil {
		f.remaining = map[string]int{}
	}
	f.remaining[op] = n
}

// Clear disarms every fault.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.remaining = nil
}

// Check returns ErrInjected while a fault for op is armed.
func (f *Faults) Check(op string) error {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.remaining[op]
	switch {
	case n == 0:
		return nil
	case n > 0:
		f.remaining[op] = n - 1
	}
	return ErrInjected
}
