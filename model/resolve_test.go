package model

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "small.txt")
	bare := filepath.Join(dir, "bare") // a spec file with no extension
	for _, p := range []string{file, bare} {
		if err := os.WriteFile(p, []byte("conv(4,3) relu flatten dense(3)"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name, want string
	}{
		{"tiny", "conv(8,3) relu maxpool(2) flatten dense(5)"}, // a preset, with 5 classes
		{file, "conv(4,3) relu flatten dense(3)"},
		{bare, "conv(4,3) relu flatten dense(3)"},
		{"conv(2,3) relu flatten dense(7)", "conv(2,3) relu flatten dense(7)"},
		{"flatten dense(4)", "flatten dense(4)"},
	} {
		spec, err := Resolve(c.name, 5)
		if err != nil {
			t.Errorf("Resolve(%q): %v", c.name, err)
			continue
		}
		if got := spec.String(); got != c.want {
			t.Errorf("Resolve(%q) = %s, want %s", c.name, got, c.want)
		}
	}
	for _, c := range []struct{ name, want string }{
		{"lenet6", `"lenet6" is not a preset (mlp, tiny, lenet5, mnist-cnn), a spec file, or a spec`},
		{filepath.Join(dir, "missing.json"), "missing.json"},
		{"conv(8,,3) flatten dense(2)", "empty argument"},
	} {
		if _, err := Resolve(c.name, 5); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Resolve(%q): error %v, want one saying %q", c.name, err, c.want)
		}
	}
}

func TestFileTag(t *testing.T) {
	for name, want := range map[string]string{
		"lenet5":                     "lenet5",
		"specs/ham-resnet.txt":       "ham-resnet",
		"../nets/wide.json":          "wide",
		"conv(8,3) flatten dense(2)": "custom",
		"lenet6":                     "custom",
	} {
		if got := FileTag(name); got != want {
			t.Errorf("FileTag(%q) = %q, want %q", name, got, want)
		}
	}
}
