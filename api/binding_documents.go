package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"gongji/domain"
	"gongji/workflows"
)

// maxUploadBody bounds a whole upload: the file and its form framing.
const maxUploadBody = domain.MaxDocumentSize + 64<<10

// postDocument handles POST /v1/bindings/{id}/documents: a multipart
// upload with a `kind` field and a `file` part. The type is sniffed from
// the content; the file is stored with its SHA-256 and the workflow is told
// only its id. If the workflow refuses it (or does not answer), the stored
// file and its history entry are removed again.
func (s *server) postDocument(c *gin.Context) error {
	b, err := s.loadBinding(c)
	if err != nil {
		return err
	}
	if err := requireHolder(c, b); err != nil {
		return err
	}
	kind, content, err := readUpload(c)
	if err != nil {
		return err
	}
	mediaType := http.DetectContentType(content)
	if !slices.Contains(domain.DocumentMediaTypes, mediaType) {
		return domain.Errorf(domain.CodeDocumentType, "a proof must be a JPEG, PNG or PDF file").
			WithDetails(map[string]any{"allowed": domain.DocumentMediaTypes})
	}
	sum := sha256.Sum256(content)
	doc := domain.Document{
		ID: uuid.NewString(), BindingID: b.ID, Kind: kind, MediaType: mediaType, Size: int64(len(content)),
		SHA256: hex.EncodeToString(sum[:]), UploadedBy: principal(c).String(),
	}
	saved, err := s.store.AddDocument(c, doc, content)
	if err != nil {
		return err
	}
	if err := s.updateBinding(c, b.ID, workflows.UpdateAddDocument, workflows.DocumentAdded{DocumentID: saved.ID}); err != nil {
		// A refused upload changes nothing: take the stored file back,
		// even if the client has gone away meanwhile.
		if rmErr := s.store.RemoveDocument(context.WithoutCancel(c), b.ID, saved.ID); rmErr != nil {
			logger(c).Error("remove refused document", "binding_id", b.ID, "document_id", saved.ID, "error", rmErr)
		}
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
