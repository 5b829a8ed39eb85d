package testclock

import (
	"testing"
	"time"

	"gongji/domain"
)

func TestAt(t *testing.T) {
	real := time.Date(2030, time.March, 3, 1, 2, 3, 0, time.UTC)
	cases := []struct {
		setting string
		want    time.Time
	}{
		{"", real},
		{"+400d", real.AddDate(0, 0, 400)},
		{"-1d", real.AddDate(0, 0, -1)},
		{"yearend", time.Date(2030, time.December, 31, 23, 59, 30, 0, domain.Beijing)},
	}
	for _, c := range cases {
		got, err := At(real, c.setting)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("At(%s, %q) = %s, %v; want %s", real, c.setting, got, err, c.want)
		}
	}
	for _, bad := range []string{"400d", "+d", "+1h", "tomorrow", "-x d"} {
		if got, err := At(real, bad); err == nil {
			t.Errorf("At(%q) = %s, want an error", bad, got)
		}
	}
}

func TestNow_IsOneInstantPerRun(t *testing.T) {
	first := Now()
	time.Sleep(2 * time.Millisecond)
	if second := Now(); !second.Equal(first) {
		t.Fatalf("Now moved from %s to %s within one run", first, second)
	}
}
