package domain

// Role is what a caller is to gongji; it decides what the caller may see
// and do.
type Role string

// Roles, as carried in the token's role claim.
const (
	RoleInsured     Role = "insured"
	RoleReviewer    Role = "reviewer"
	RoleInstitution Role = "institution"
	RoleAdmin       Role = "admin"
)

// Roles lists every role.
var Roles = []Role{RoleInsured, RoleReviewer, RoleInstitution, RoleAdmin}

// Principal is an authenticated caller: a role and the subject it names
// (an ID number, a staff id or an institution code).
type Principal struct {
	Role    Role
	Subject string
}

// String renders the principal as role:subject, the scope of its
// idempotency keys.
func (p Principal) String() string { return string(p.Role) + ":" + p.Subject }
