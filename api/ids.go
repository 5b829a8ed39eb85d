package api

import "regexp"

// idPattern is the form of every id this API gives out: UUIDs, and
// decimal ids for ledger entries, notices and webhook messages.
var idPattern = regexp.MustCompile(`^[0-9A-Za-z-]{1,64}$`)

// isWellFormedID reports whether id could be one this API gave out. An id
// of any other form names nothing; checking it first also keeps NUL bytes
// and invalid UTF-8, which PostgreSQL refuses with an error, out of the
// queries.
func isWellFormedID(id string) bool { return idPattern.MatchString(id) }
