// Package domain holds gongji's types, rules and error codes: what a person,
// an enrolment, an account, an institution, a filing and a relation are, and
// which values are valid. It imports nothing else of the project, so every
// other layer can depend on it.
package domain
