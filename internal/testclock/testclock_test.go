package testclock

import (
	"errors"
	"os"
	"os/exec"
	"strings"
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

// A malformed setting fails the run that reads the clock, loudly, rather
// than letting a guard run pass on the real clock. The run is this test
// binary again, with the setting.
func TestNow_MalformedSettingFailsTheRun(t *testing.T) {
	if os.Getenv("TESTCLOCK_MALFORMED_CHILD") == "1" {
		Now()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNow_MalformedSettingFailsTheRun$")
	cmd.Env = append(os.Environ(), "TESTCLOCK_MALFORMED_CHILD=1", Env+"=+400")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !strings.Contains(string(out), `GONGJI_TEST_CLOCK="+400": want +Nd, -Nd or yearend`) {
		t.Fatalf("a run with %s=+400 ended with %v and said:\n%s", Env, err, out)
	}
}
