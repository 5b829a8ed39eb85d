// Package layering holds only a test: the imports every package of gongji
// may have, so that a new upward import fails (see layering_test.go).
package layering
