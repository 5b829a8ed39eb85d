package domain

import (
	"regexp"
	"strings"
)

var admdvsPattern = regexp.MustCompile(`^[1-9][0-9]{5}$`)

// Admdvs is a 6-digit administrative-division code (医保区划), e.g. 652701
// for 博乐市.
type Admdvs string

// ParseAdmdvs validates a 6-digit division code.
func ParseAdmdvs(s string) (Admdvs, error) {
	if !admdvsPattern.MatchString(s) {
		return "", Errorf(CodeInvalidAdmdvs, "%q is not a 6-digit administrative-division code", truncate(s, 20))
	}
	return Admdvs(s), nil
}

// String returns the code.
func (a Admdvs) String() string { return string(a) }

// Pools says which division codes belong to which insurance pool. It is
// policy data: the prefixes can change without a change of code.
type Pools struct {
	// Province lists the prefixes of the Xinjiang pool (65xxxx). Codes of
	// the XPCC (兵团, 66xxxx) are a separate pool and not listed.
	Province []string
	// Prefecture lists the prefixes of Bortala prefecture (6527xx), where a
	// holder must be insured.
	Prefecture []string
}

// DefaultPools is the policy in force: Xinjiang is 65xxxx, Bortala 6527xx.
var DefaultPools = Pools{Province: []string{"65"}, Prefecture: []string{"6527"}}

// InProvince reports whether a is in the Xinjiang pool.
func (p Pools) InProvince(a Admdvs) bool { return hasAnyPrefix(string(a), p.Province) }

// InPrefecture reports whether a is in Bortala prefecture.
func (p Pools) InPrefecture(a Admdvs) bool { return hasAnyPrefix(string(a), p.Prefecture) }

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
