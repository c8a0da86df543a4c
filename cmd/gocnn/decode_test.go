package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/internal/imagebomb"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
)

// TestPredictDecodeBudget checks -max-decode-mb: a picture whose decoding
// takes more is refused from its header, with a hint; one within it is
// decoded.
func TestPredictDecodeBudget(t *testing.T) {
	dir := t.TempDir()
	spec, err := model.Parse("conv(2,3) relu maxpool(2) flatten dense(10)")
	if err != nil {
		t.Fatal(err)
	}
	env := nn.NewEnv(1, 1)
	defer env.Close()
	m, err := model.New(spec, model.Input{Shape: []int{1, 28, 28}, Prep: model.PrepMNIST}, strings.Split("0 1 2 3 4 5 6 7 8 9", " "), env)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "m.safetensors")
	if err := model.Save(path, m); err != nil {
		t.Fatal(err)
	}
	bomb := filepath.Join(dir, "bomb.png") // 1000×1000 16-bit RGBA: 7.7 MiB to decode
	if err := os.WriteFile(bomb, imagebomb.PNG(1000, 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		mb   string
		code int
		want string
	}{
		{"7", 1, "which take 7.707 MiB to decode, over the budget of 7 MiB: too large to decode (-max-decode-mb raises the budget)"},
		{"8", 1, "no digit found"}, // decoded: a blank picture
		{"0", 2, "-max-decode-mb must be between 1 and 65536, got 0"},
	} {
		code, _, stderr := runCLI("predict", "-model", path, "-max-decode-mb", c.mb, bomb)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("-max-decode-mb %s: status %d, stderr %q; want %d and %q", c.mb, code, stderr, c.code, c.want)
		}
	}
	if code, _, stderr := runCLI("serve", "-model", path, "-max-decode-mb", "-1"); code != 2 || !strings.Contains(stderr, "-max-decode-mb must be between") {
		t.Errorf("serve -max-decode-mb -1: status %d, stderr %q", code, stderr)
	}
}

func TestServeAllowOriginFlag(t *testing.T) {
	for _, c := range []struct{ value, want string }{
		{"ftp://example.org", "want http://host[:port] or https://host[:port]"},
		{"http://localhost:3000,http://example.org/app", "nothing more"},
	} {
		code, _, stderr := runCLI("serve", "-model", "m.safetensors", "-allow-origin", c.value)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("-allow-origin %s: status %d, stderr %q; want 2 and %q", c.value, code, stderr, c.want)
		}
	}
	var l originList
	for _, v := range []string{"HTTP://LocalHost:3000/", "https://a.example:443, *"} {
		if err := l.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if got := l.String(); got != "http://localhost:3000,https://a.example,*" {
		t.Errorf("origins %q", got)
	}
}
