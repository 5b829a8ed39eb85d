package db

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
)

type documentRow struct {
	ID         string    `db:"id"`
	BindingID  string    `db:"binding_id"`
	Kind       string    `db:"kind"`
	MediaType  string    `db:"media_type"`
	Size       int64     `db:"size"`
	SHA256     string    `db:"sha256"`
	UploadedBy string    `db:"uploaded_by"`
	At         time.Time `db:"created_at"`
}

func (r documentRow) toDomain() domain.Document {
	return domain.Document{
		ID: r.ID, BindingID: r.BindingID, Kind: domain.DocumentKind(r.Kind), MediaType: r.MediaType,
		Size: r.Size, SHA256: r.SHA256, UploadedBy: r.UploadedBy, At: r.At,
	}
}

const documentColumns = `id, binding_id, kind, media_type, size, sha256, uploaded_by, created_at`

// AddDocument stores a proof for a binding that is awaiting documents and
// records the upload in its history; BINDING_WRONG_STATE otherwise.
func (s *Store) AddDocument(ctx context.Context, d domain.Document, content []byte) (domain.Document, error) {
	var out domain.Document
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		status, err := lockBinding(ctx, tx, d.BindingID)
		if err != nil {
			return err
		}
		if status != domain.BindingAwaitingDocuments {
			return domain.Errorf(domain.CodeBindingWrongState, "documents can be added only while the binding awaits them; it is %s", status)
		}
		const q = `
			INSERT INTO documents (id, binding_id, kind, media_type, size, sha256, content, uploaded_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ` + documentColumns
		var row documentRow
		if err := tx.GetContext(ctx, &row, q, d.ID, d.BindingID, d.Kind, d.MediaType, d.Size, d.SHA256, content, d.UploadedBy); err != nil {
			return err
		}
		out = row.toDomain()
		return insertHistory(ctx, tx, d.BindingID, row.At, "document_uploaded", d.UploadedBy, string(d.Kind), documentEventKey(d.ID))
	})
	return out, err
}

// RemoveDocument takes back an upload the binding's workflow refused: the
// document and its history entry go, in one transaction, so that a refused
// upload leaves nothing behind. An unknown document is already gone.
func (s *Store) RemoveDocument(ctx context.Context, bindingID, docID string) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		_, err := lockBinding(ctx, tx, bindingID)
		if domain.ErrorCode(err) == domain.CodeBindingNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		const history = `DELETE FROM binding_history WHERE binding_id = $1 AND event_key = $2`
		if _, err := tx.ExecContext(ctx, history, bindingID, documentEventKey(docID)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM documents WHERE binding_id = $1 AND id = $2`, bindingID, docID)
		return err
	})
}

// documentEventKey is the history event key of an upload.
func documentEventKey(docID string) string { return "document:" + docID }

// Document reads one document of a binding with its content;
// DOCUMENT_NOT_FOUND when the binding has no such document.
func (s *Store) Document(ctx context.Context, bindingID, docID string) (domain.Document, []byte, error) {
	var row struct {
		documentRow
		Content []byte `db:"content"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT `+documentColumns+`, content FROM documents WHERE binding_id = $1 AND id = $2`, bindingID, docID)
	if isNoRows(err) {
		return domain.Document{}, nil, domain.Errorf(domain.CodeDocumentNotFound, "no such document")
	}
	if err != nil {
		return domain.Document{}, nil, err
	}
	return row.toDomain(), row.Content, nil
}

func (s *Store) documents(ctx context.Context, bindingID string) ([]domain.Document, error) {
	var rows []documentRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+documentColumns+` FROM documents WHERE binding_id = $1 ORDER BY created_at, id`, bindingID); err != nil {
		return nil, err
	}
	out := make([]domain.Document, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}
