package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/imagefolder/foldertest"
)

// TestTrainOnFolder trains on a folder of pictures end to end: the split
// is drawn and written beside the model, the class names are the
// folders', the broken file is reported, eval scores the same test part
// with the same result, and predict names the folder's classes.
func TestTrainOnFolder(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("GOCNN_DATA", filepath.Join(dir, "cache"))
	// Pictures of 36x30 to 39x32, the median 38x31, every other one a JPEG.
	shapes := foldertest.Options{PerClass: 60, Width: 36, Height: 30, VarySize: true, JPEG: true}
	if err := foldertest.Write(filepath.Join(dir, "shapes"), shapes); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI("train", "-data", "shapes", "-model", "conv(8,3,pad=1) relu maxpool(2) conv(16,3,pad=1) relu globalavgpool flatten dense(2)",
		"-epochs", "12", "-optimizer", "adam", "-lr", "0.01", "-quiet", "-out", "stripes.safetensors")
	if code != 0 {
		t.Fatalf("train: status %d: %s\n%s", code, stderr, stdout)
	}
	for _, want := range []string{
		"skipped 1 file that cannot be read:", "across/broken.jpg",
		"split  stripes.split.csv (drawn): 84 train, 18 validation, 18 test pictures",
		"2 classes [across down]", "of 3x31x38", // the median picture: 38 wide, 31 high
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("train output lacks %q:\n%s", want, stdout)
		}
	}
	var model string
	for _, line := range strings.Split(stdout, "\n") {
		if rest, ok := strings.CutPrefix(line, "saved  "); ok {
			model = strings.Fields(rest)[0]
		}
	}
	testAcc := lineWith(stdout, "done   test accuracy")
	if model == "" || testAcc == "" {
		t.Fatalf("no model saved:\n%s", stdout)
	}
	code, evalOut, stderr := runCLI("eval", "-model", model)
	if code != 0 {
		t.Fatalf("eval: status %d: %s", code, stderr)
	}
	// eval scores the same 18 test pictures to the same accuracy.
	acc := strings.Fields(strings.TrimPrefix(testAcc, "done   test accuracy "))[0]
	if !strings.Contains(evalOut, "(18 images)") || !strings.Contains(evalOut, "accuracy "+acc) {
		t.Errorf("eval of %s: want 18 images at %s:\n%s", model, acc, evalOut)
	}
	if pct, err := strconv.ParseFloat(strings.TrimSuffix(acc, "%"), 64); err != nil || pct < 90 {
		t.Errorf("test accuracy %s: stripes across should be told from stripes down", acc)
	}
	if _, err := os.Stat("stripes.split.csv"); err != nil {
		t.Errorf("no split file beside the model: %v", err)
	}
	code, predOut, stderr := runCLI("predict", "-model", model, filepath.Join("shapes", "down", "pba.jpg"))
	if code != 0 || !strings.Contains(predOut, "down") || !strings.Contains(predOut, "across") {
		t.Errorf("predict: status %d, %q, %q", code, predOut, stderr)
	}
	// Flags that do not apply to a folder.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "-data", "shapes", "-val", "0.1"}, "-val does not apply to a folder of pictures"},
		{[]string{"train", "-data", "shapes", "-images", "x"}, "-images is for -data ham10000"},
		{[]string{"train", "-data", "shapes", "-channels", "2"}, "-channels 2"},
		{[]string{"train", "-channels", "1"}, "-channels is for a folder of pictures"},
		{[]string{"eval", "-model", model, "-by-lesion"}, "a folder of pictures has no lesions"},
	} {
		if code, _, stderr := runCLI(c.args...); code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: status %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
	// A split file that is not there is an error, not a new split.
	if code, _, stderr := runCLI("train", "-data", "shapes", "-split-file", "nowhere.csv", "-quiet"); code != 1 || !strings.Contains(stderr, "nowhere.csv") {
		t.Errorf("a missing -split-file: status %d, stderr %q", code, stderr)
	}
	// The written split file brings the same split back.
	code, again, stderr := runCLI("train", "-data", "shapes", "-split-file", "stripes.split.csv", "-model", "conv(4,3) relu globalavgpool flatten dense(2)",
		"-epochs", "1", "-quiet", "-out", "again.safetensors")
	if code != 0 || !strings.Contains(again, "split  stripes.split.csv (file): 84 train, 18 validation, 18 test pictures") {
		t.Errorf("train with the split file: status %d, stderr %q\n%s", code, stderr, again)
	}
	// -ensemble scores the two models together, on the same test part.
	code, ensOut, stderr := runCLI("eval", "-model", model, "-ensemble", "again.safetensors", "-tta", "2")
	if code != 0 || !strings.Contains(ensOut, "predicted by 2 models together, from 2 views of each image") || !strings.Contains(ensOut, "(18 images)") {
		t.Errorf("eval -ensemble: status %d, stderr %q\n%s", code, stderr, ensOut)
	}
	if code, _, stderr := runCLI("eval", "-model", model, "-ensemble", "nowhere.safetensors"); code == 0 || !strings.Contains(stderr, "nowhere.safetensors") {
		t.Errorf("eval -ensemble with a missing file: status %d, stderr %q", code, stderr)
	}
	// -train-val trains on the training and validation parts together.
	code, tv, stderr := runCLI("train", "-data", "shapes", "-split-file", "stripes.split.csv", "-train-val", "-model", "conv(4,3) relu globalavgpool flatten dense(2)",
		"-epochs", "1", "-quiet", "-out", "tv.safetensors")
	if code != 0 || !strings.Contains(tv, "(-train-val): 102 pictures") || !strings.Contains(tv, "102 training, 18 test images") {
		t.Errorf("train -train-val: status %d, stderr %q\n%s", code, stderr, tv)
	}
}

func lineWith(text, prefix string) string {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}

// TestSnapshotEnsemble trains a snapshot ensemble on a folder of
// pictures: the cycles' models are saved beside the model file, the
// command says how to score them together, and that command works.
func TestSnapshotEnsemble(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("GOCNN_DATA", filepath.Join(dir, "cache"))
	if err := foldertest.Write(filepath.Join(dir, "shapes"), foldertest.Options{PerClass: 30, Width: 20, Height: 16}); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI("train", "-data", "shapes", "-model", "conv(4,3,pad=1) relu globalavgpool flatten dense(2)",
		"-epochs", "6", "-snapshots", "3", "-quiet", "-out", "s.safetensors")
	if code != 0 {
		t.Fatalf("train -snapshots 3: status %d: %s\n%s", code, stderr, stdout)
	}
	want := "gocnn eval -model s.safetensors -ensemble s.snapshot1.safetensors,s.snapshot2.safetensors"
	if !strings.Contains(stdout, ", restarted for 3 snapshots") || !strings.Contains(stdout, want) {
		t.Errorf("train -snapshots 3 output lacks the restarts or %q:\n%s", want, stdout)
	}
	code, evalOut, stderr := runCLI("eval", "-model", "s.safetensors", "-ensemble", "s.snapshot1.safetensors,s.snapshot2.safetensors")
	if code != 0 || !strings.Contains(evalOut, "predicted by 3 models together") {
		t.Errorf("eval of the snapshots: status %d, stderr %q\n%s", code, stderr, evalOut)
	}
	// predict -ensemble names the classes with the ensemble's
	// probabilities, which differ from the model file's alone.
	pic := filepath.Join("shapes", "down", "pba.png")
	code, alone, stderr := runCLI("predict", "-model", "s.safetensors", pic)
	code2, together, stderr2 := runCLI("predict", "-model", "s.safetensors", "-ensemble", "s.snapshot1.safetensors,s.snapshot2.safetensors", pic)
	if code != 0 || code2 != 0 || !strings.Contains(together, "down") || alone == together {
		t.Errorf("predict alone (status %d, %q) and with -ensemble (status %d, %q): %q, %q", code, stderr, code2, stderr2, alone, together)
	}
	if code, _, stderr := runCLI("train", "-data", "shapes", "-snapshots", "3", "-schedule", "step", "-quiet"); code != 2 || !strings.Contains(stderr, "-snapshots: restarts the cosine schedule") {
		t.Errorf("-snapshots with a step schedule: status %d, stderr %q", code, stderr)
	}
}
