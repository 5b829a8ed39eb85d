package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"gongji/domain"
)

// maxJSONBody bounds every JSON request body.
const maxJSONBody = 64 << 10

// decodeJSON reads a JSON object into dst strictly: the media type must be
// application/json, the body valid UTF-8 of at most 64 KiB, one object with
// no unknown fields. Errors carry a stable code.
func decodeJSON(c *gin.Context, dst any) error {
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "application/json" {
		return domain.Errorf(domain.CodeUnsupportedMediaType, "send the body as application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return domain.Errorf(domain.CodeBodyTooLarge, "the body is larger than %d bytes", maxJSONBody)
		}
		return domain.Errorf(domain.CodeInvalidRequest, "the body could not be read")
	}
	if !utf8.Valid(body) {
		return domain.Errorf(domain.CodeInvalidRequest, "the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	// dec.More reports false before a stray ']' or '}', so ask for the next
	// token: only the end of the input is acceptable.
	if _, err := dec.Token(); err != io.EOF {
		return domain.Errorf(domain.CodeInvalidRequest, "the body holds more than one JSON value")
	}
	return exactFields(body, dst)
}

// exactFields refuses a body that is not an object (encoding/json
// decodes null into a struct as nothing) and keys that encoding/json
// matched to a field only case-insensitively ("NAME" for "name"), at any
// depth: the contract's names are exact.
func exactFields(body []byte, dst any) error {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	if _, isObject := v.(map[string]any); !isObject {
		return domain.Errorf(domain.CodeInvalidRequest, "the body must be a JSON object")
	}
	return exactKeys(v, reflect.TypeOf(dst))
}

// exactKeys checks the keys of the decoded JSON value v against the JSON
// names of t, the type it was decoded into, and goes down into the
// objects and arrays of its struct, pointer and slice fields.
func exactKeys(v any, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch v := v.(type) {
	case []any:
		if t.Kind() == reflect.Slice {
			for _, e := range v {
				if err := exactKeys(e, t.Elem()); err != nil {
					return err
				}
			}
		}
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return nil
		}
		known := make(map[string]reflect.Type, t.NumField())
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			known[name] = t.Field(i).Type
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ft, ok := known[k]
			if !ok {
				return domain.Errorf(domain.CodeInvalidRequest, "unknown field %q", clipRunes(k, 40))
			}
			if err := exactKeys(v[k], ft); err != nil {
				return err
			}
		}
	}
	return nil
}

func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func jsonError(err error) error {
	var de *domain.Error
	if errors.As(err, &de) {
		return de
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field == "" {
		// The body is an array, string, number… instead of an object; the
		// error's Type is a Go type name, which clients must not see.
		return domain.Errorf(domain.CodeInvalidRequest, "the body must be a JSON object")
	}
	if errors.As(err, &typeErr) {
		return domain.Errorf(domain.CodeInvalidRequest, "field %q must be %s", typeErr.Field, jsonKind(typeErr.Type)).
			WithDetails(map[string]any{"field": typeErr.Field})
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return domain.Errorf(domain.CodeInvalidRequest, "the body is not a well-formed JSON object")
	}
	// DisallowUnknownFields reports `json: unknown field "x"`.
	return domain.Errorf(domain.CodeInvalidRequest, "%s", trimJSONPrefix(err.Error()))
}

// jsonKind names the JSON value a Go type is decoded from, for messages:
// the Go type itself ("[]api.itemRequest") is internal.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return jsonKind(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	}
	return "a number"
}

func trimJSONPrefix(s string) string {
	s = strings.TrimPrefix(s, "json: ")
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

// field names a request field and whether the request holds it.
type field struct {
	name    string
	present bool
}

// requireFields returns INVALID_REQUEST naming the first missing field.
func requireFields(fields ...field) error {
	for _, f := range fields {
		if !f.present {
			return domain.Errorf(domain.CodeInvalidRequest, "field %q is required", f.name).
				WithDetails(map[string]any{"field": f.name})
		}
	}
	return nil
}
