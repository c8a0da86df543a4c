package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCommandImportsTheLibraryOnly checks the rule of docs/packages.md:
// the command turns flags into the library's options and prints, so its
// files (not its tests) import no internal package, and none of the
// lower layers a Go program reaches through the library: optim, tensor
// and rng.
func TestCommandImportsTheLibraryOnly(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	const mod = "github.com/gocnn/gocnn/"
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			pkg, ok := strings.CutPrefix(path, mod)
			if !ok {
				continue
			}
			if strings.HasPrefix(pkg, "internal/") || pkg == "optim" || pkg == "tensor" || pkg == "rng" {
				t.Errorf("%s imports %s; the command should reach it through the library", name, path)
			}
		}
	}
	if checked < 10 {
		t.Errorf("checked %d files; is the test in the command's folder?", checked)
	}
}
