package main

import (
	"math"
	"slices"
	"time"
)

// Stats summarises one load run: latency percentiles and throughput.
type Stats struct {
	Count      int     `json:"count"`
	Errors     int     `json:"errors"`
	Seconds    float64 `json:"seconds"`
	P50Ms      float64 `json:"p50_ms"`
	P95Ms      float64 `json:"p95_ms"`
	P99Ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
	Throughput float64 `json:"throughput_per_s"`
}

// summarise computes Stats from the latencies of the successful operations,
// the number of failed ones and the wall time of the run.
func summarise(latencies []time.Duration, errors int, elapsed time.Duration) Stats {
	sorted := slices.Clone(latencies)
	slices.Sort(sorted)
	s := Stats{Count: len(sorted), Errors: errors, Seconds: round2(elapsed.Seconds())}
	if len(sorted) == 0 {
		return s
	}
	s.P50Ms = ms(percentile(sorted, 50))
	s.P95Ms = ms(percentile(sorted, 95))
	s.P99Ms = ms(percentile(sorted, 99))
	s.MaxMs = ms(sorted[len(sorted)-1])
	if elapsed > 0 {
		s.Throughput = round2(float64(len(sorted)) / elapsed.Seconds())
	}
	return s
}

// percentile returns the nearest-rank p-th percentile of sorted (ascending,
// not empty): the smallest value with at least p% of the values at or
// below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func ms(d time.Duration) float64 { return round2(float64(d) / float64(time.Millisecond)) }

func round2(f float64) float64 { return math.Round(f*100) / 100 }
