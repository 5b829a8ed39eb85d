package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gongji/domain"
)

type putEnrolmentRequest struct {
	Insutype *string `json:"insutype"`
	Admdvs   *string `json:"admdvs"`
	Status   *string `json:"status"`
	Arrears  *bool   `json:"arrears"`
}

type enrolmentResponse struct {
	IDNumber string `json:"id_number"`
	Insutype string `json:"insutype"`
	Admdvs   string `json:"admdvs"`
	Status   string `json:"status"`
	Arrears  bool   `json:"arrears"`
}

func toEnrolmentResponse(e domain.Enrolment) enrolmentResponse {
	return enrolmentResponse{IDNumber: string(e.IDNumber), Insutype: string(e.Insutype), Admdvs: string(e.Admdvs), Status: string(e.Status), Arrears: e.Arrears}
}

// putEnrolment handles PUT /v1/persons/{id_number}/enrolment
// (app.PutEnrolment).
func (s *server) putEnrolment(c *gin.Context) error {
	id, err := s.pathIDNumber(c)
	if err != nil {
		return err
	}
	var req putEnrolmentRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := requireFields(field{"insutype", req.Insutype != nil}, field{"admdvs", req.Admdvs != nil},
		field{"status", req.Status != nil}, field{"arrears", req.Arrears != nil}); err != nil {
		return err
	}
	insutype, err := domain.ParseInsutype(*req.Insutype)
	if err != nil {
		return err
	}
	admdvs, err := domain.ParseAdmdvs(*req.Admdvs)
	if err != nil {
		return err
	}
	status, err := domain.ParseEnrolmentStatus(*req.Status)
	if err != nil {
		return err
	}
	put := domain.Enrolment{IDNumber: id, Insutype: insutype, Admdvs: admdvs, Status: status, Arrears: *req.Arrears}
	e, err := s.app.PutEnrolment(c, principal(c), put, s.now())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toEnrolmentResponse(e))
	return nil
}
