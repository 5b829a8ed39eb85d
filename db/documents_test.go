package db_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"gongji/db"
	"gongji/domain"
)

// addDocument stores a proof for the binding and fails the test if that is
// refused.
func addDocument(t *testing.T, s *db.Store, bindingID string, content []byte) domain.Document {
	t.Helper()
	d, err := s.AddDocument(context.Background(), newDocument(bindingID, content), content)
	if err != nil {
		t.Fatalf("AddDocument: %v", err)
	}
	return d
}

func newDocument(bindingID string, content []byte) domain.Document {
	sum := sha256.Sum256(content)
	return domain.Document{
		ID: newKey("doc"), BindingID: bindingID, Kind: domain.DocumentBirthCertificate, MediaType: "application/pdf",
		Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), UploadedBy: "insured:uploader",
	}
}

func TestAddDocument_OnlyWhileAwaitingDocuments(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	aw, ur, ac := domain.BindingAwaitingDocuments, domain.BindingUnderReview, domain.BindingActive
	tests := []struct {
		name string
		path []domain.BindingStatus
		want domain.Code
	}{
		{"awaiting documents", []domain.BindingStatus{aw}, ""},
		{"sent back for more documents", []domain.BindingStatus{aw, ur, aw}, ""},
		{"under review", []domain.BindingStatus{aw, ur}, domain.CodeBindingWrongState},
		{"active", []domain.BindingStatus{aw, ur, ac}, domain.CodeBindingWrongState},
		{"rejected", []domain.BindingStatus{aw, ur, domain.BindingRejected}, domain.CodeBindingWrongState},
		{"lapsed", []domain.BindingStatus{aw, domain.BindingLapsed}, domain.CodeBindingWrongState},
		{"unbound", []domain.BindingStatus{aw, ur, ac, domain.BindingUnbound}, domain.CodeBindingWrongState},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			holder, child := employeeWithAccount(t, s, "500.00"), person(t, s)
			id := request(t, s, holder, child, t0)
			move(t, s, id, t0, tt.path...)
			historyBefore := historyRows(t, s, id)

			content := []byte("%PDF-1.7 出生医学证明")
			d := newDocument(id, content)
			got, err := s.AddDocument(ctx, d, content)
			assertCode(t, err, tt.want)

			b := mustBinding(t, s, id, 2026)
			if err != nil {
				if len(b.Documents) != 0 || len(b.History) != historyBefore {
					t.Errorf("refused upload wrote %d documents, %d → %d history entries", len(b.Documents), historyBefore, len(b.History))
				}
				_, _, err := s.Document(ctx, id, d.ID)
				assertCode(t, err, domain.CodeDocumentNotFound)
				return
			}
			if got.ID != d.ID || got.BindingID != id || got.Kind != d.Kind || got.MediaType != d.MediaType ||
				got.Size != d.Size || got.SHA256 != d.SHA256 || got.UploadedBy != d.UploadedBy || got.At.IsZero() {
				t.Errorf("AddDocument = %+v, want %+v", got, d)
			}
			if len(b.Documents) != 1 || b.Documents[0].ID != d.ID || b.Status != tt.path[len(tt.path)-1] {
				t.Errorf("binding documents = %+v, status %s", b.Documents, b.Status)
			}
			h := b.History[len(b.History)-1]
			if len(b.History) != historyBefore+1 || h.Event != "document_uploaded" || h.By != d.UploadedBy || h.Reason != string(d.Kind) {
				t.Errorf("history = %+v", b.History)
			}
		})
	}
	t.Run("unknown binding", func(t *testing.T) {
		_, err := s.AddDocument(ctx, newDocument("no-such-binding", []byte("x")), []byte("x"))
		assertCode(t, err, domain.CodeBindingNotFound)
	})
}

func TestDocument_ReturnsExactBytes(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	holder, child := employeeWithAccount(t, s, "500.00"), person(t, s)
	id := request(t, s, holder, child, t0)

	every := make([]byte, 256)
	for i := range every {
		every[i] = byte(i)
	}
	tests := []struct {
		name    string
		content []byte
	}{
		{"PNG header", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")},
		{"every byte value", every},
		{"NUL and high bytes", []byte{0, 0, 0xff, 0xfe, 0x00, '\\', 'x', 0x80}},
		{"a single byte", []byte{0}},
		{"1 MiB", bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 1<<18)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved := addDocument(t, s, id, tt.content)
			meta, content, err := s.Document(ctx, id, saved.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(content, tt.content) {
				t.Fatalf("content differs: %d bytes back, %d stored", len(content), len(tt.content))
			}
			sum := sha256.Sum256(content)
			if meta.SHA256 != hex.EncodeToString(sum[:]) || meta.Size != int64(len(tt.content)) {
				t.Errorf("meta = %+v", meta)
			}
			if meta.ID != saved.ID || meta.BindingID != id || !meta.At.Equal(saved.At) {
				t.Errorf("meta = %+v, saved %+v", meta, saved)
			}
		})
	}
	if b := mustBinding(t, s, id, 2026); len(b.Documents) != len(tests) {
		t.Errorf("binding lists %d documents, want %d", len(b.Documents), len(tests))
	}
}

func TestDocument_OtherBindingsDocument_IsNotFound(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	holder := employeeWithAccount(t, s, "500.00")
	mine := request(t, s, holder, person(t, s), t0)
	theirs := request(t, s, employeeWithAccount(t, s, "500.00"), person(t, s), t0)
	doc := addDocument(t, s, theirs, []byte("%PDF-1.4 theirs"))
	tests := []struct {
		name      string
		bindingID string
		docID     string
		want      domain.Code
	}{
		{"own binding's document", theirs, doc.ID, ""},
		{"another binding's document", mine, doc.ID, domain.CodeDocumentNotFound},
		{"unknown document", theirs, "doc:unknown", domain.CodeDocumentNotFound},
		{"unknown binding", "no-such-binding", doc.ID, domain.CodeDocumentNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, content, err := s.Document(ctx, tt.bindingID, tt.docID)
			assertCode(t, err, tt.want)
			if err != nil && content != nil {
				t.Errorf("content returned with an error: %q", content)
			}
		})
	}
}

// Documents are listed with the binding in upload order.
func TestBinding_ListsDocumentsInUploadOrder(t *testing.T) {
	s := newStore(t)
	id := request(t, s, employeeWithAccount(t, s, "500.00"), person(t, s), t0)
	var want []string
	for i := range 3 {
		want = append(want, addDocument(t, s, id, fmt.Appendf(nil, "%%PDF-1.4 page %d", i)).ID)
		time.Sleep(2 * time.Millisecond)
	}
	b := mustBinding(t, s, id, 2026)
	if len(b.Documents) != len(want) {
		t.Fatalf("documents = %+v", b.Documents)
	}
	for i, d := range b.Documents {
		if d.ID != want[i] {
			t.Errorf("Documents[%d] = %s, want %s", i, d.ID, want[i])
		}
	}
}

func TestRemoveDocument_TakesBackTheUploadAndItsHistory(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	holder, child := employeeWithAccount(t, s, "500.00"), person(t, s)
	id := request(t, s, holder, child, t0)
	kept := addDocument(t, s, id, []byte("%PDF-1.7 户口本"))
	historyBefore := historyRows(t, s, id)
	refused := addDocument(t, s, id, []byte("%PDF-1.7 出生医学证明"))

	if err := s.RemoveDocument(ctx, id, refused.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.Document(ctx, id, refused.ID)
	assertCode(t, err, domain.CodeDocumentNotFound)
	if n := count(t, s, `SELECT count(*) FROM binding_history WHERE event_key = $1`, "document:"+refused.ID); n != 0 {
		t.Errorf("the upload's history entry is still there")
	}
	b := mustBinding(t, s, id, 2026)
	if len(b.Documents) != 1 || b.Documents[0].ID != kept.ID || len(b.History) != historyBefore {
		t.Errorf("documents %+v, %d history entries (want %d): more than the refused upload was touched", b.Documents, len(b.History), historyBefore)
	}

	// Repeating it, or naming an unknown document or binding, is harmless.
	if err := s.RemoveDocument(ctx, id, refused.ID); err != nil {
		t.Errorf("second removal: %v", err)
	}
	if err := s.RemoveDocument(ctx, "no-such-binding", "no-such-document"); err != nil {
		t.Errorf("unknown binding: %v", err)
	}
	// Another binding's document is not removed through this binding.
	other := request(t, s, holder, person(t, s), t0)
	foreign := addDocument(t, s, other, []byte("%PDF-1.7 结婚证"))
	if err := s.RemoveDocument(ctx, id, foreign.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Document(ctx, other, foreign.ID); err != nil {
		t.Errorf("another binding's document was removed: %v", err)
	}
	if n := count(t, s, `SELECT count(*) FROM binding_history WHERE event_key = $1`, "document:"+foreign.ID); n != 1 {
		t.Errorf("another binding's upload history was removed")
	}
}
