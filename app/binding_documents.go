package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"

	"github.com/google/uuid"

	"gongji/domain"
	"gongji/workflows"
)

// AddDocument has the holder add a proof to b. The type is sniffed from
// the content; the file is stored with its SHA-256 and the workflow is
// told only its id. If the workflow refuses it (or does not answer), the
// stored file and its history entry are removed again.
func (a *App) AddDocument(ctx context.Context, actor domain.Principal, b domain.Binding, kind domain.DocumentKind, content []byte) (domain.Document, error) {
	if err := RequireHolder(actor, b); err != nil {
		return domain.Document{}, err
	}
	mediaType := http.DetectContentType(content)
	if !slices.Contains(domain.DocumentMediaTypes, mediaType) {
		return domain.Document{}, domain.Errorf(domain.CodeDocumentType, "a proof must be a JPEG, PNG or PDF file").
			WithDetails(map[string]any{"allowed": domain.DocumentMediaTypes})
	}
	sum := sha256.Sum256(content)
	doc := domain.Document{
		ID: uuid.NewString(), BindingID: b.ID, Kind: kind, MediaType: mediaType, Size: int64(len(content)),
		SHA256: hex.EncodeToString(sum[:]), UploadedBy: actor.String(),
	}
	saved, err := a.store.AddDocument(ctx, doc, content)
	if err != nil {
		return domain.Document{}, err
	}
	if err := a.updateBinding(ctx, b.ID, workflows.UpdateAddDocument, workflows.DocumentAdded{DocumentID: saved.ID}); err != nil {
		// A refused upload changes nothing: take the stored file back,
		// even if the caller has gone away meanwhile.
		if rmErr := a.store.RemoveDocument(context.WithoutCancel(ctx), b.ID, saved.ID); rmErr != nil {
			Logger(ctx).Error("remove refused document", "binding_id", b.ID, "document_id", saved.ID, "error", rmErr)
		}
		return domain.Document{}, err
	}
	return saved, nil
}
