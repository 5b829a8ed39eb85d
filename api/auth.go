package api

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"gongji/domain"
)

const principalKey = "principal"

// claims are the JWT claims gongji reads: sub, role and exp.
type claims struct {
	Role domain.Role `json:"role"`
	jwt.RegisteredClaims
}

// IssueToken signs an HS256 token for a role and subject, valid for ttl. It
// checks the subject's form for the role, as authenticate does.
func IssueToken(secret []byte, role domain.Role, subject string, ttl time.Duration, now time.Time) (string, error) {
	if err := checkSubject(role, subject, domain.DateOf(now)); err != nil {
		return "", err
	}
	c := claims{Role: role, RegisteredClaims: jwt.RegisteredClaims{
		Subject:   subject,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
}

// authenticate reads the bearer token, verifies it (HS256 only, exp
// required) and stores the principal; 401 UNAUTHENTICATED otherwise.
func authenticate(secret []byte, now func() time.Time) gin.HandlerFunc {
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(now),
	)
	keyFunc := func(*jwt.Token) (any, error) { return secret, nil }
	return func(c *gin.Context) {
		raw, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || raw == "" {
			abortWithError(c, domain.Errorf(domain.CodeUnauthenticated, "send Authorization: Bearer <token>"))
			return
		}
		var cl claims
		if _, err := parser.ParseWithClaims(raw, &cl, keyFunc); err != nil {
			msg := "the token is invalid"
			if errors.Is(err, jwt.ErrTokenExpired) {
				msg = "the token has expired"
			}
			abortWithError(c, domain.Errorf(domain.CodeUnauthenticated, "%s", msg))
			return
		}
		if err := checkSubject(cl.Role, cl.Subject, domain.DateOf(now())); err != nil {
			abortWithError(c, domain.Errorf(domain.CodeUnauthenticated, "the token's role or subject is invalid"))
			return
		}
		c.Set(principalKey, domain.Principal{Role: cl.Role, Subject: cl.Subject})
		c.Next()
	}
}

// checkSubject makes sure a subject has the form its role needs: an ID
// number for insured persons, an institution code for institutions, a
// staff id of 1 to 64 characters otherwise.
func checkSubject(role domain.Role, subject string, today domain.Date) error {
	switch role {
	case domain.RoleInsured:
		id, err := domain.ParseIDNumber(subject, today)
		if err == nil && string(id) != subject {
			return domain.Errorf(domain.CodeInvalidIDNumber, "write the ID number with an upper-case X")
		}
		return err
	case domain.RoleInstitution:
		_, err := domain.ParseInstitutionCode(subject)
		return err
	case domain.RoleReviewer, domain.RoleAdmin:
		if subject == "" || len(subject) > 64 || strings.ContainsAny(subject, " \t\r\n") {
			return domain.Errorf(domain.CodeInvalidRequest, "a staff id has 1 to 64 characters and no spaces")
		}
		return nil
	}
	return domain.Errorf(domain.CodeInvalidEnumValue, "unknown role %q", role)
}

// requireRole lets only the given roles through; 403 FORBIDDEN otherwise.
func requireRole(roles ...domain.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !slices.Contains(roles, principal(c).Role) {
			abortWithError(c, domain.Errorf(domain.CodeForbidden, "this needs the role %v", roles))
			return
		}
		c.Next()
	}
}

func principal(c *gin.Context) domain.Principal {
	p, _ := c.Get(principalKey)
	pr, _ := p.(domain.Principal)
	return pr
}
