package workflows_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Histories recorded by a release are frozen: testdata/<release>/ holds
// them with their SHA256SUMS, and every later version of the workflows
// must replay them (a change that would not uses workflow.GetVersion, with
// a test of the old and the new path). Histories recorded since the last
// release go to testdata/unreleased/ (see record_test.go).
const releasedHistories = "v0.1.0"

// historyFiles are the recorded histories of every release and the
// unreleased ones whose name matches pattern (e.g. "binding_*.json").
func historyFiles(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*", pattern))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// The frozen histories are the files their SHA256SUMS names, unchanged:
// re-recording a released history would hide a change that breaks the
// runs it stands for.
func TestFrozenHistories_AreUnchanged(t *testing.T) {
	dir := filepath.Join("testdata", releasedHistories)
	sums, err := os.Open(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer sums.Close()
	var listed []string
	lines := bufio.NewScanner(sums)
	for lines.Scan() {
		want, name, ok := strings.Cut(lines.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q", lines.Text())
		}
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(raw); hex.EncodeToString(sum[:]) != want {
			t.Errorf("%s/%s changed: sha256 %x, frozen as %s", releasedHistories, name, sum, want)
		}
		listed = append(listed, name)
	}
	if err := lines.Err(); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !slices.Contains(listed, filepath.Base(f)) {
			t.Errorf("%s is in the frozen %s histories but not in SHA256SUMS", filepath.Base(f), releasedHistories)
		}
	}
	if len(listed) < 10 {
		t.Fatalf("%d frozen histories, want the 10 of %s", len(listed), releasedHistories)
	}
}
