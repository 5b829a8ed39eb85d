package api

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/gin-gonic/gin"

	"gongji/app"
	"gongji/domain"
)

// maxUploadBody bounds a whole upload: the file and its form framing.
const maxUploadBody = domain.MaxDocumentSize + 64<<10

// postDocument handles POST /v1/bindings/{id}/documents: a multipart
// upload with a `kind` field and a `file` part (app.AddDocument).
func (s *server) postDocument(c *gin.Context) error {
	b, err := s.loadBinding(c)
	if err != nil {
		return err
	}
	if err := app.RequireHolder(principal(c), b); err != nil {
		return err
	}
	kind, content, err := readUpload(c)
	if err != nil {
		return err
	}
	saved, err := s.app.AddDocument(c, principal(c), b, kind, content)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, toDocumentResponse(saved))
	return nil
}

// readUpload reads the `kind` field and the `file` part of a multipart
// body, refusing a file over 10 MiB.
func readUpload(c *gin.Context) (domain.DocumentKind, []byte, error) {
	mt, params, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return "", nil, domain.Errorf(domain.CodeUnsupportedMediaType, "upload the file as multipart/form-data")
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, maxUploadBody)
	reader := multipart.NewReader(body, params["boundary"])
	var kindRaw string
	var content []byte
	haveFile := false
	for {
		part, err := reader.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", nil, uploadError(err)
		}
		switch part.FormName() {
		case "kind":
			raw, err := io.ReadAll(io.LimitReader(part, 64))
			if err != nil {
				return "", nil, uploadError(err)
			}
			kindRaw = string(raw)
		case "file":
			content, err = io.ReadAll(io.LimitReader(part, domain.MaxDocumentSize+1))
			if err != nil {
				return "", nil, uploadError(err)
			}
			if len(content) > domain.MaxDocumentSize {
				return "", nil, domain.Errorf(domain.CodeDocumentTooLarge, "a proof may be at most 10 MiB")
			}
			haveFile = true
		}
	}
	if err := requireFields(field{"kind", kindRaw != ""}, field{"file", haveFile && len(content) > 0}); err != nil {
		return "", nil, err
	}
	kind, err := domain.ParseDocumentKind(kindRaw)
	return kind, content, err
}

func uploadError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return domain.Errorf(domain.CodeDocumentTooLarge, "a proof may be at most 10 MiB")
	}
	return domain.Errorf(domain.CodeInvalidRequest, "the multipart body is malformed")
}

// getDocument handles GET /v1/bindings/{id}/documents/{doc_id}: the file,
// for the holder and for reviewers of a submitted binding.
func (s *server) getDocument(c *gin.Context) error {
	b, err := s.loadBinding(c)
	if err != nil {
		return err
	}
	p := principal(c)
	allowed := (p.Role == domain.RoleInsured && p.Subject == string(b.Holder)) ||
		(p.Role == domain.RoleReviewer && !b.SubmittedAt.IsZero())
	if !allowed {
		return domain.Errorf(domain.CodeForbidden, "only the holder and reviewers may open the proof")
	}
	docID := c.Param("doc_id")
	if !isWellFormedID(docID) {
		return domain.Errorf(domain.CodeDocumentNotFound, "no such document")
	}
	doc, content, err := s.store.Document(c, b.ID, docID)
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", "attachment; filename=\""+doc.ID+"\"")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("X-Checksum-SHA256", doc.SHA256)
	c.Data(http.StatusOK, doc.MediaType, content)
	return nil
}
