package main

import (
	"testing"
	"time"
)

func TestPercentile_NearestRank(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {95, 95 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := percentile(d, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("one value: p99 = %v, want 7", got)
	}
}

func TestSummarise_SortsAndCountsThroughput(t *testing.T) {
	lat := []time.Duration{30 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}
	s := summarise(lat, 1, 2*time.Second)
	if s.Count != 4 || s.Errors != 1 || s.P50Ms != 20 || s.P99Ms != 40 || s.MaxMs != 40 || s.Throughput != 2 {
		t.Fatalf("got %+v", s)
	}
	if lat[0] != 30*time.Millisecond {
		t.Fatal("summarise reordered its input")
	}
	if s := summarise(nil, 3, time.Second); s.Count != 0 || s.Errors != 3 || s.Throughput != 0 {
		t.Fatalf("empty: got %+v", s)
	}
}
