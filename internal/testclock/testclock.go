// Package testclock is the one clock of a test run. Every test that needs a
// fixed "now" reads Now, which is the real time when the run started, moved
// by GONGJI_TEST_CLOCK so that the suites can be run as if on another day:
//
//	GONGJI_TEST_CLOCK=+400d   400 days on (a later year: yearly limits reset)
//	GONGJI_TEST_CLOCK=-1d     a day back (the tests' today is before the server's)
//	GONGJI_TEST_CLOCK=yearend the coming 31 December, 23:59:30 Beijing time
//
// Unset, it is the real time. `make test` runs the clock-sensitive suites
// once more with each of the shifts.
package testclock

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"gongji/domain"
)

// Env names the variable that moves the clock.
const Env = "GONGJI_TEST_CLOCK"

var (
	once sync.Once
	now  time.Time
)

// Now is the run's clock: the same instant every time it is called. It
// panics on a malformed GONGJI_TEST_CLOCK, so that a guard run that was
// meant to shift the clock cannot pass on the real one.
func Now() time.Time {
	once.Do(func() {
		t, err := At(time.Now(), os.Getenv(Env))
		if err != nil {
			panic(err)
		}
		now = t
	})
	return now
}

// At applies a GONGJI_TEST_CLOCK setting to the real instant real.
func At(real time.Time, setting string) (time.Time, error) {
	real = real.In(domain.Beijing)
	switch {
	case setting == "":
		return real, nil
	case setting == "yearend":
		return time.Date(real.Year(), time.December, 31, 23, 59, 30, 0, domain.Beijing), nil
	case strings.HasSuffix(setting, "d") && (strings.HasPrefix(setting, "+") || strings.HasPrefix(setting, "-")):
		days, err := strconv.Atoi(strings.TrimSuffix(setting, "d"))
		if err == nil {
			return real.AddDate(0, 0, days), nil
		}
	}
	return time.Time{}, fmt.Errorf("%s=%q: want +Nd, -Nd or yearend", Env, setting)
}
