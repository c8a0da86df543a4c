package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/plot"
	"github.com/gocnn/gocnn/train"
)

// pngSize decodes the PNG file at path and returns its size.
func pngSize(t *testing.T, path string) image.Point {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img.Bounds().Size()
}

func writeMetricsLog(t *testing.T, path string, epochs int) {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for e := 1; e <= epochs; e++ {
		enc.Encode(train.Epoch{Epoch: e, TrainLoss: 1 / float64(e), TrainAccuracy: 0.9, TestLoss: 1.1 / float64(e), TestAccuracy: 0.88})
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPlotCommand(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	writeMetricsLog(t, a, 3)
	writeMetricsLog(t, b, 5)

	code, out, errOut := runCLI("plot", a)
	if code != 0 {
		t.Fatalf("status %d: %s", code, errOut)
	}
	if got := pngSize(t, filepath.Join(dir, "a.png")); got != image.Pt(plot.CurvesWidth, plot.CurvesHeight) {
		t.Errorf("a.png is %v", got)
	}
	svg, err := os.ReadFile(filepath.Join(dir, "a.svg"))
	if err != nil || !bytes.Contains(svg, []byte("<svg")) {
		t.Errorf("a.svg: %v", err)
	}
	if !strings.Contains(out, "a.png") || !strings.Contains(out, "a.svg") {
		t.Errorf("output %q does not name the files", out)
	}

	cmp := filepath.Join(dir, "cmp.png")
	if code, _, errOut := runCLI("plot", "-out", cmp, "-width", "600", "-height", "300", a, b); code != 0 {
		t.Fatalf("status %d: %s", code, errOut)
	}
	if got := pngSize(t, cmp); got != image.Pt(600, 300) {
		t.Errorf("cmp.png is %v, want 600x300", got)
	}

	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"epoch\":1}\n{oops\n"), 0o644)
	if code, _, errOut := runCLI("plot", bad); code != 1 || !strings.Contains(errOut, bad+":2:") {
		t.Errorf("bad log: status %d, stderr %q", code, errOut)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plot"}, "name at least one metrics log"},
		{[]string{"plot", "-out", "x.gif", a}, "unknown picture format"},
	} {
		if code, _, errOut := runCLI(c.args...); code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("gocnn %s: status %d, stderr %q", strings.Join(c.args, " "), code, errOut)
		}
	}
}

// saveTinyModel saves an untrained conv(3,3) relu maxpool(2) flatten
// dense(n) model for the given input and classes and returns its path.
func saveTinyModel(t *testing.T, dir string, input model.Input, classes []string) string {
	t.Helper()
	env := nn.NewEnv(1, 1)
	defer env.Close()
	spec, err := model.Preset("tiny", len(classes))
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(spec, input, classes, env)
	if err != nil {
		t.Fatal(err)
	}
	m.Info["dataset"] = "mnist"
	path := filepath.Join(dir, "tiny.safetensors")
	if err := model.Save(path, m); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestInspectCommand(t *testing.T) {
	dir := t.TempDir()
	classes := []string{"zero", "one", "two"}
	modelPath := saveTinyModel(t, dir, model.Input{Shape: []int{3, 12, 12}, Prep: model.PrepResize}, classes)
	picture := image.NewRGBA(image.Rect(0, 0, 30, 20))
	for x := range 30 {
		picture.Set(x, 10, color.RGBA{200, 30, 30, 255})
	}
	imagePath := filepath.Join(dir, "x.png")
	f, _ := os.Create(imagePath)
	png.Encode(f, picture)
	f.Close()

	out := filepath.Join(dir, "out")
	code, stdout, errOut := runCLI("inspect", "-model", modelPath, "-image", imagePath, "-out", out)
	if code != 0 {
		t.Fatalf("status %d: %s", code, errOut)
	}
	// conv(8,3) on 12x12: 8 maps of 10x10, enlarged to 100x100 (the
	// smallest whole factor reaching 96), in 3 rows of 3 with 2-pixel gaps,
	// under a title band of 24 pixels and over a colour scale of 52. The
	// input has a title and no scale; the colour filters' picture is as
	// wide as its scale's note of 66 characters of 7 pixels, with 6-pixel
	// margins.
	for name, size := range map[string]image.Point{
		"input.png":            image.Pt(38*7+2*6, 24+12*19), // at least 224 pixels, under its title
		"filters.png":          image.Pt(66*7+2*6, 24+3*96+4*4+52),
		"layer0-conv2d.png":    image.Pt(3*100+4*2, 24+3*100+4*2+52),
		"layer1-relu.png":      image.Pt(3*100+4*2, 24+3*100+4*2+52),
		"layer2-maxpool2d.png": image.Pt(3*100+4*2, 24+3*100+4*2+52),
	} {
		if got := pngSize(t, filepath.Join(out, name)); got != size {
			t.Errorf("%s is %v, want %v", name, got, size)
		}
	}
	w, h := plot.ProbabilitiesSize(3)
	if got := pngSize(t, filepath.Join(out, "probs.png")); got != image.Pt(w, h) {
		t.Errorf("probs.png is %v", got)
	}
	table, err := os.ReadFile(filepath.Join(out, "probs.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(table)), "\n"); len(lines) != 3 {
		t.Errorf("probs.txt has %d lines, want 3:\n%s", len(lines), table)
	}
	for _, c := range classes {
		if !strings.Contains(stdout, c) {
			t.Errorf("output lacks class %q:\n%s", c, stdout)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"inspect", "-image", imagePath, "-out", out}, "-model is required"},
		{[]string{"inspect", "-model", modelPath, "-out", out}, "-image is required"},
		{[]string{"inspect", "-model", modelPath, "-image", imagePath}, "-out is required"},
	} {
		if code, _, errOut := runCLI(c.args...); code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("gocnn %s: status %d, stderr %q", strings.Join(c.args, " "), code, errOut)
		}
	}
	if code, _, errOut := runCLI("inspect", "-model", modelPath, "-image", filepath.Join(dir, "none.png"), "-out", out); code != 1 || !strings.Contains(errOut, "none.png") {
		t.Errorf("missing image: status %d, stderr %q", code, errOut)
	}
}

// haveMNIST reports whether the MNIST files are in the data folder, so
// that a test can use them without fetching anything.
func haveMNIST(t *testing.T) bool {
	status, err := data.Check(data.MNIST(), data.LoadOptions{})
	if err != nil {
		return false
	}
	for _, s := range status {
		if s.Err != nil {
			return false
		}
	}
	return true
}

func TestReportAndConfusionOnMNIST(t *testing.T) {
	if testing.Short() || !haveMNIST(t) {
		t.Skip("MNIST is not in the data folder (gocnn data fetch mnist)")
	}
	dir := t.TempDir()
	classes := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	modelPath := saveTinyModel(t, dir, model.Input{Shape: []int{1, 28, 28}, Prep: model.PrepMNIST}, classes)
	writeMetricsLog(t, filepath.Join(dir, "tiny.jsonl"), 2)

	code, stdout, errOut := runCLI("report", "-model", modelPath, "-limit", "200", "-mistakes", "6")
	if code != 0 {
		t.Fatalf("status %d: %s", code, errOut)
	}
	page, err := os.ReadFile(filepath.Join(dir, "tiny.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="curves"`, `id="confusion"`, `id="mistakes"`, `id="filters"`, "200 images"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
	if !strings.Contains(stdout, "curves from") {
		t.Errorf("output %q does not mention the log found next to the model", stdout)
	}

	heat := filepath.Join(dir, "conf.png")
	if code, _, errOut := runCLI("eval", "-model", modelPath, "-limit", "100", "-confusion", heat); code != 0 {
		t.Fatalf("eval: status %d: %s", code, errOut)
	}
	w, h := plot.ConfusionSize(10)
	if got := pngSize(t, heat); got != image.Pt(w, h) {
		t.Errorf("conf.png is %v, want %dx%d", got, w, h)
	}
}

func TestReportAndEvalUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "-model is required"},
		{[]string{"report", "-model", "m.safetensors", "-mistakes", "-1"}, "-mistakes must not be negative"},
		{[]string{"eval", "-model", "m.safetensors", "-confusion", "c.jpg"}, "-confusion"},
	} {
		if code, _, errOut := runCLI(c.args...); code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("gocnn %s: status %d, stderr %q", strings.Join(c.args, " "), code, errOut)
		}
	}
}
