package api

import (
	"context"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"gongji/domain"
)

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPISpec)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not valid OpenAPI 3: %v", err)
	}
	return doc
}

var ginParam = regexp.MustCompile(`:([a-z_]+)`)

func TestOpenAPI_RoutesAndSpecMatchOneToOne(t *testing.T) {
	doc := loadSpec(t)
	var specOps []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			specOps = append(specOps, method+" "+path)
		}
	}
	var routerOps []string
	for _, r := range newTestAPI(t).router.Routes() {
		routerOps = append(routerOps, r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}"))
	}
	sort.Strings(specOps)
	sort.Strings(routerOps)
	for _, op := range routerOps {
		if !slices.Contains(specOps, op) {
			t.Errorf("route %s is missing from openapi.yaml", op)
		}
	}
	for _, op := range specOps {
		if !slices.Contains(routerOps, op) {
			t.Errorf("openapi.yaml documents %s, which the router lacks", op)
		}
	}
}

func TestOpenAPI_ErrorCodesMatchTheStatusTable(t *testing.T) {
	doc := loadSpec(t)
	schema, ok := doc.Components.Schemas["ErrorCode"]
	if !ok {
		t.Fatal("openapi.yaml has no ErrorCode schema")
	}
	var specCodes []string
	for _, v := range schema.Value.Enum {
		specCodes = append(specCodes, v.(string))
	}
	for code, status := range statusOf {
		if !slices.Contains(specCodes, string(code)) {
			t.Errorf("code %s (%d) is not listed in openapi.yaml", code, status)
		}
		if !strings.Contains(schema.Value.Description, "`"+string(code)+"`") {
			t.Errorf("the ErrorCode description does not give the status of %s", code)
		}
	}
	for _, c := range specCodes {
		if _, ok := statusOf[domain.Code(c)]; !ok {
			t.Errorf("openapi.yaml lists %s, which has no status in errors.go", c)
		}
	}
}
