package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"gongji/domain"
)

type putInstitutionRequest struct {
	Name       *string `json:"name"`
	Kind       *string `json:"kind"`
	Admdvs     *string `json:"admdvs"`
	Designated *bool   `json:"designated"`
}

type institutionResponse struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	Admdvs     string `json:"admdvs"`
	Designated bool   `json:"designated"`
}

// putInstitution handles PUT /v1/institutions/{code}.
func (s *server) putInstitution(c *gin.Context) error {
	code, err := domain.ParseInstitutionCode(c.Param("code"))
	if err != nil {
		return err
	}
	var req putInstitutionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := requireFields(field{"name", req.Name != nil}, field{"kind", req.Kind != nil},
		field{"admdvs", req.Admdvs != nil}, field{"designated", req.Designated != nil}); err != nil {
		return err
	}
	kind, err := domain.ParseInstitutionKind(*req.Kind)
	if err != nil {
		return err
	}
	admdvs, err := domain.ParseAdmdvs(*req.Admdvs)
	if err != nil {
		return err
	}
	inst := domain.Institution{Code: code, Name: *req.Name, Kind: kind, Admdvs: admdvs, Designated: *req.Designated}
	if err := inst.Validate(); err != nil {
		return err
	}
	saved, err := s.store.PutInstitution(c, inst)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, institutionResponse{
		Code: string(saved.Code), Name: saved.Name, Kind: string(saved.Kind), Admdvs: string(saved.Admdvs), Designated: saved.Designated,
	})
	return nil
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }
