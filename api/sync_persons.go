package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gongji/domain"
)

type putPersonRequest struct {
	Name  *string `json:"name"`
	Phone string  `json:"phone"`
}

type personResponse struct {
	IDNumber  string      `json:"id_number"`
	Name      string      `json:"name"`
	Phone     string      `json:"phone"`
	DeathDate domain.Date `json:"death_date"`
}

func toPersonResponse(p domain.Person) personResponse {
	return personResponse{IDNumber: string(p.IDNumber), Name: p.Name, Phone: p.Phone, DeathDate: p.DeathDate}
}

// personDetailResponse is a person with what sync has recorded about them.
type personDetailResponse struct {
	personResponse
	Enrolment *enrolmentResponse `json:"enrolment"`
	Account   *accountResponse   `json:"account"`
	Filings   []filingResponse   `json:"filings"`
}

// putPerson handles PUT /v1/persons/{id_number}.
func (s *server) putPerson(c *gin.Context) error {
	id, err := s.pathIDNumber(c)
	if err != nil {
		return err
	}
	var req putPersonRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := requireFields(field{"name", req.Name != nil}); err != nil {
		return err
	}
	if err := domain.ValidateName("name", *req.Name); err != nil {
		return err
	}
	if err := domain.ValidatePhone(req.Phone); err != nil {
		return err
	}
	p, err := s.store.UpsertPerson(c, domain.Person{IDNumber: id, Name: *req.Name, Phone: req.Phone})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toPersonResponse(p))
	return nil
}

// getPerson handles GET /v1/persons/{id_number}.
func (s *server) getPerson(c *gin.Context) error {
	id, err := s.pathIDNumber(c)
	if err != nil {
		return err
	}
	p, err := s.store.Person(c, id)
	if err != nil {
		return err
	}
	out := personDetailResponse{personResponse: toPersonResponse(p), Filings: []filingResponse{}}
	e, enrolled, err := s.store.Enrolment(c, id)
	if err != nil {
		return err
	}
	if enrolled {
		r := toEnrolmentResponse(e)
		out.Enrolment = &r
	}
	a, err := s.store.Account(c, id)
	switch domain.ErrorCode(err) {
	case "":
		r := toAccountResponse(a)
		out.Account = &r
	case domain.CodeAccountNotFound:
	default:
		return err
	}
	filings, err := s.store.Filings(c, id)
	if err != nil {
		return err
	}
	for _, f := range filings {
		out.Filings = append(out.Filings, toFilingResponse(f))
	}
	c.JSON(http.StatusOK, out)
	return nil
}

type deathRequest struct {
	Date domain.Date `json:"date"`
}

// postDeath handles POST /v1/persons/{id_number}/death (app.RecordDeath).
func (s *server) postDeath(c *gin.Context) error {
	id, err := s.pathIDNumber(c)
	if err != nil {
		return err
	}
	var req deathRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := requireFields(field{"date", !req.Date.IsZero()}); err != nil {
		return err
	}
	p, err := s.app.RecordDeath(c, principal(c), id, req.Date, s.now())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toPersonResponse(p))
	return nil
}
