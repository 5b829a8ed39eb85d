package workflows

import (
	"time"

	"gongji/domain"
	"gongji/internal/testclock"
)

// testDay is the Beijing date of the run's clock (see testclock). The
// workflow tests start on it and write every other date relative to it, so
// that the guard runs of `make test` (GONGJI_TEST_CLOCK) exercise them on
// other days, 31 December among them.
var testDay = domain.DateOf(testclock.Now())

// onTestDay is the instant hour:minute on testDay in Beijing time.
func onTestDay(hour, minute int) time.Time {
	return time.Date(testDay.Year, testDay.Month, testDay.Day, hour, minute, 0, 0, domain.Beijing)
}

// midnightAfter is the instant day d ends in Beijing time, computed apart
// from Date.End so that the tests check it.
func midnightAfter(d domain.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, domain.Beijing)
}
