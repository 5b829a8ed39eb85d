package chaos

import (
	"flag"
	"time"
)

// Flags of the suite; zero means the short or long default.
var (
	flagLong        = flag.Bool("chaos.long", false, "run the long version (make test-chaos)")
	flagSettlements = flag.Int("chaos.settlements", 0, "settlements to start")
	flagFamilies    = flag.Int("chaos.families", 0, "families (two parents, one to three children)")
	flagConcurrency = flag.Int("chaos.concurrency", 0, "settlements in flight at once")
	flagKills       = flag.Int("chaos.kills", 0, "worker SIGKILLs")
	flagTemporal    = flag.Int("chaos.temporal-restarts", -1, "Temporal dev server restarts")
	flagPG          = flag.Int("chaos.pg-terminations", -1, "rounds of pg_terminate_backend on the test database")
	flagSeed        = flag.Int64("chaos.seed", 0, "random seed (0: from the clock; printed either way)")
	flagTopup       = flag.Duration("chaos.topup-timeout", 0, "GONGJI_TOPUP_TIMEOUT of the run")
	flagChanges     = flag.Int("chaos.holder-changes", -1, "holders who die, move out of Bortala or lose cover mid-stream")
)

// params is what one run does.
type params struct {
	Settlements, Families, Concurrency      int
	Kills, TemporalRestarts, PGTerminations int
	// HolderChanges is how many holders die, move out of Bortala or
	// lose cover while settlements for their children run.
	HolderChanges int
	Seed          int64
	TopupTimeout  time.Duration
	// VisitDeadline bounds how long one settlement may take to end.
	VisitDeadline time.Duration
}

// shortParams run inside `make test` in about a minute.
var shortParams = params{
	Settlements: 32, Families: 3, Concurrency: 8,
	Kills: 3, TemporalRestarts: 1, PGTerminations: 2, HolderChanges: 3,
	TopupTimeout: 6 * time.Second, VisitDeadline: 3 * time.Minute,
}

// longParams are `make test-chaos`: about a quarter of an hour on two
// cores.
var longParams = params{
	Settlements: 1000, Families: 24, Concurrency: 16,
	Kills: 30, TemporalRestarts: 4, PGTerminations: 15, HolderChanges: 10,
	TopupTimeout: 8 * time.Second, VisitDeadline: 5 * time.Minute,
}

// loadParams applies the flags to the short or long defaults.
func loadParams() params {
	p := shortParams
	if *flagLong {
		p = longParams
	}
	for _, f := range []struct {
		dst *int
		v   int
	}{{&p.Settlements, *flagSettlements}, {&p.Families, *flagFamilies}, {&p.Concurrency, *flagConcurrency}, {&p.Kills, *flagKills}} {
		if f.v > 0 {
			*f.dst = f.v
		}
	}
	if *flagTemporal >= 0 {
		p.TemporalRestarts = *flagTemporal
	}
	if *flagPG >= 0 {
		p.PGTerminations = *flagPG
	}
	if *flagChanges >= 0 {
		p.HolderChanges = *flagChanges
	}
	if *flagTopup > 0 {
		p.TopupTimeout = *flagTopup
	}
	p.Seed = *flagSeed
	if p.Seed == 0 {
		p.Seed = time.Now().UnixNano()
	}
	return p
}
