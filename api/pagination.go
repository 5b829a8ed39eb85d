package api

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"gongji/db"
	"gongji/domain"
)

const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// page reads ?limit= and ?cursor=; a malformed one is INVALID_REQUEST.
func page(c *gin.Context) (limit int, after *db.Cursor, err error) {
	limit = defaultPageSize
	if raw := c.Query("limit"); raw != "" {
		n, convErr := strconv.Atoi(raw)
		if convErr != nil || n < 1 || n > maxPageSize {
			return 0, nil, domain.Errorf(domain.CodeInvalidRequest, "limit must be 1 to %d", maxPageSize)
		}
		limit = n
	}
	if raw := c.Query("cursor"); raw != "" {
		after, err = decodeCursor(raw)
	}
	return limit, after, err
}

type cursorJSON struct {
	At time.Time `json:"t"`
	ID string    `json:"i"`
}

func encodeCursor(at time.Time, id string) *string {
	b, _ := json.Marshal(cursorJSON{At: at, ID: id})
	s := base64.RawURLEncoding.EncodeToString(b)
	return &s
}

func decodeCursor(raw string) (*db.Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(raw)
	var cj cursorJSON
	if err != nil || json.Unmarshal(b, &cj) != nil || !isWellFormedID(cj.ID) {
		return nil, domain.Errorf(domain.CodeInvalidRequest, "cursor is not one this API gave out")
	}
	return &db.Cursor{At: cj.At, ID: cj.ID}, nil
}

// listResponse is a page of items and the cursor of the next page.
type listResponse[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// newPage converts a page of rows; when the page is full, next_cursor
// points after its last row, whose position gives the sort time and id.
func newPage[R, T any](rows []R, limit int, convert func(R) T, position func(R) (time.Time, string)) listResponse[T] {
	out := listResponse[T]{Items: make([]T, 0, len(rows))}
	for _, r := range rows {
		out.Items = append(out.Items, convert(r))
	}
	if len(rows) == limit && limit > 0 {
		out.NextCursor = encodeCursor(position(rows[len(rows)-1]))
	}
	return out
}
