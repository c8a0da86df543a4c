package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/ham10000"
	"github.com/gocnn/gocnn/ham10000/hamtest"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
)

// TestEvalPriorAdjust scores a small network trained on a made-up
// HAM10000 whose nevi are fewer than the other classes' images, with and
// without -prior-adjust: taking the training part's class shares out
// must move the probabilities, and τ = 0 must leave every figure as it
// was.
func TestEvalPriorAdjust(t *testing.T) {
	data := t.TempDir()
	if err := hamtest.Write(data, hamtest.Options{PerClass: 12, Width: 20, Height: 15, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	// Keep 6 of the 12 nevi (class 4): the other 6 images stay on disk
	// but are not listed.
	csv := filepath.Join(data, "HAM10000_metadata.csv")
	text, err := os.ReadFile(csv)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.SplitAfter(string(text), "\n") {
		dropped := false
		for j := 6; j < 12; j++ {
			dropped = dropped || strings.Contains(line, hamtest.ImageID(4, j))
		}
		if !dropped {
			kept = append(kept, line)
		}
	}
	if err := os.WriteFile(csv, []byte(strings.Join(kept, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOCNN_DATA", t.TempDir())
	out := filepath.Join(t.TempDir(), "ham.safetensors")
	code, stdout, stderr := runCLI("train", "-data", "ham10000", "-data-dir", data, "-size", "12x12",
		"-model", "conv(4,3,pad=1) relu globalavgpool flatten dense(7)", "-optimizer", "adam", "-lr", "0.05",
		"-epochs", "2", "-out", out, "-quiet")
	if code != 0 {
		t.Fatalf("train: status %d\n%s\n%s", code, stdout, stderr)
	}
	code, plain, stderr := runCLI("eval", "-model", out, "-part", "validation")
	if code != 0 {
		t.Fatalf("eval: status %d: %s", code, stderr)
	}
	code, adjusted, stderr := runCLI("eval", "-model", out, "-part", "validation", "-prior-adjust", "0.5")
	if code != 0 || !strings.Contains(adjusted, "\npredicted with the training part's class shares taken out (τ = 0.5)") ||
		lossLine(t, adjusted) == lossLine(t, plain) {
		t.Errorf("eval -prior-adjust 0.5: status %d, %q against %q without it\n%s", code, lossLine(t, adjusted), lossLine(t, plain), stderr)
	}
	if code, none, stderr := runCLI("eval", "-model", out, "-part", "validation", "-prior-adjust", "0"); code != 0 || none != plain {
		t.Errorf("eval -prior-adjust 0: status %d, output\n%s\nwant it as without the flag\n%s%s", code, none, plain, stderr)
	}
}

// TestEvalHAMViewsAndLesions trains a small network on a made-up
// HAM10000, then scores it with -tta and -by-lesion.
func TestEvalHAMViewsAndLesions(t *testing.T) {
	// 84 small JPEGs, 12 a class, each class its own colour, age and site.
	data := t.TempDir()
	if err := hamtest.Write(data, hamtest.Options{PerClass: 12, Width: 20, Height: 15, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOCNN_DATA", t.TempDir()) // the image cache goes there
	out := filepath.Join(t.TempDir(), "ham.safetensors")
	code, stdout, stderr := runCLI("train", "-data", "ham10000", "-data-dir", data, "-size", "12x12",
		"-model", "conv(4,3,pad=1) relu globalavgpool flatten dense(7)", "-optimizer", "adam", "-lr", "0.05",
		"-epochs", "3", "-ema", "0.9", "-out", out, "-quiet")
	if code != 0 {
		t.Fatalf("train: status %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "weights averaged (decay 0.9)") {
		t.Errorf("train does not say it averages the weights:\n%s", stdout)
	}
	plainCode, plain, stderr := runCLI("eval", "-model", out)
	if plainCode != 0 {
		t.Fatalf("eval: status %d: %s", plainCode, stderr)
	}
	code, both, stderr := runCLI("eval", "-model", out, "-tta", "8", "-by-lesion")
	if code != 0 {
		t.Fatalf("eval -tta 8 -by-lesion: status %d: %s", code, stderr)
	}
	if strings.Contains(plain, "\npredicted ") || !strings.Contains(both, "\npredicted from 8 views of each image (flips and quarter turns), per lesion, from all its images") {
		t.Errorf("eval does not say how it predicts:\n%s\n%s", plain, both)
	}
	// -limit keeps images spread through the part, with their records.
	code, limited, stderr := runCLI("eval", "-model", out, "-limit", "5", "-by-lesion", "-metadata")
	if code != 0 || !strings.Contains(limited, "test set (5 images)") {
		t.Errorf("eval -limit 5 -by-lesion -metadata: status %d, stderr %q:\n%s", code, stderr, limited)
	}
	page := filepath.Join(t.TempDir(), "ham.html")
	code, rep, stderr := runCLI("report", "-model", out, "-tta", "8", "-by-lesion", "-out", page)
	html, err := os.ReadFile(page)
	if code != 0 || err != nil || !strings.Contains(rep, "ham10000, predicted from 8 views") || !strings.Contains(string(html), "predicted from 8 views") {
		t.Errorf("report -tta 8 -by-lesion does not say how it predicts: status %d, %v\n%s%s", code, err, rep, stderr)
	}
	if lossLine(t, plain) == lossLine(t, both) {
		t.Errorf("-tta 8 -by-lesion changed nothing: %q", lossLine(t, plain))
	}
	// Each class has its own age and site here, so the metadata alone
	// names every test image's class (evidence of (9/16)² against (1/16)²
	// for the others): -metadata must get every image right, and lower
	// the loss.
	code, clinical, stderr := runCLI("eval", "-model", out, "-metadata")
	if code != 0 || !strings.Contains(clinical, "\npredicted with the age, sex and body site of the metadata") ||
		!strings.Contains(lossLine(t, clinical), "accuracy 100.00%") || lossOf(t, clinical) >= lossOf(t, plain) {
		t.Errorf("eval -metadata: status %d, %q against %q without it\n%s", code, lossLine(t, clinical), lossLine(t, plain), stderr)
	}
	// The model keeps the counts; one saved without them counts them on
	// its split instead, and gets the same answer. Broken counts are an
	// error naming the model file.
	env := nn.NewEnv(1, 1)
	defer env.Close()
	m, err := model.Load(out, env)
	if err != nil || m.Info["clinical"] == "" {
		t.Fatalf("loading %s: %v; its info: %v", out, err, m.Info)
	}
	delete(m.Info, "clinical")
	old := filepath.Join(t.TempDir(), "old.safetensors")
	if err := model.Save(old, m); err != nil {
		t.Fatal(err)
	}
	if code, again, stderr := runCLI("eval", "-model", old, "-metadata"); code != 0 || lossLine(t, again) != lossLine(t, clinical) {
		t.Errorf("eval -metadata of a model without its counts: status %d, %q, want %q\n%s", code, lossLine(t, again), lossLine(t, clinical), stderr)
	}
	m.Info["clinical"] = `{"classes":["nv"],"total":[1,2]}`
	broken := filepath.Join(t.TempDir(), "broken.safetensors")
	if err := model.Save(broken, m); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI("eval", "-model", broken, "-metadata"); code != 1 || !strings.Contains(stderr, broken+": clinical model: 1 classes but 2 totals") {
		t.Errorf("eval -metadata of a model with broken counts: status %d, stderr %q", code, stderr)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"eval", "-model", out, "-tta", "9"}, "-tta must be between 1 and 8"},
		{[]string{"eval", "-model", out, "-tta", "0"}, "-tta must be between 1 and 8"},
		{[]string{"eval", "-model", out, "-prior-adjust", "-1"}, "-prior-adjust must be a number not below 0"},
		{[]string{"eval", "-model", out, "-prior-adjust", "NaN"}, "-prior-adjust must be a number not below 0"},
		{[]string{"eval", "-model", out, "-data", "mnist", "-part", "validation"}, "-part validation: mnist has no validation part of its own"},
		{[]string{"predict", "-model", out, "-tta", "9", "x.jpg"}, "-tta must be between 1 and 8"},
	} {
		if code, _, errOut := runCLI(c.args...); code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("gocnn %s: status %d, stderr %q", strings.Join(c.args, " "), code, errOut)
		}
	}
	// A model of two of the classes scores the test images of those two,
	// with the lesions of those images.
	two := filepath.Join(t.TempDir(), "two.safetensors")
	code, stdout, stderr = runCLI("train", "-data", "ham10000", "-data-dir", data, "-size", "12x12", "-classes", "nv,mel",
		"-model", "conv(4,3,pad=1) relu globalavgpool flatten dense(2)", "-epochs", "2", "-best", "last", "-out", two, "-quiet")
	if code != 0 {
		t.Fatalf("train -classes nv,mel: status %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "keeps the last epoch") || !strings.Contains(stdout, "kept   epoch 2, the last") {
		t.Errorf("train -best last does not say it keeps the last epoch:\n%s", stdout)
	}
	// -train-val trains on the training and validation parts together,
	// keeps the last epoch, counts the metadata of both, and scores the
	// test part only once, at the end.
	var trainN, valN, together, trainedTwo, trainedOn int
	for _, line := range strings.Split(stdout, "\n") {
		fmt.Sscanf(line, "split  "+filepath.Join(filepath.Dir(two), "two.split.csv")+" (grouped): %d train, %d validation", &trainN, &valN)
		fmt.Sscanf(line, "data   ham10000: %d training", &trainedTwo)
	}
	tv := filepath.Join(t.TempDir(), "tv.safetensors")
	code, stdout, stderr = runCLI("train", "-data", "ham10000", "-data-dir", data, "-size", "12x12", "-classes", "nv,mel",
		"-model", "conv(4,3,pad=1) relu globalavgpool flatten dense(2)", "-epochs", "1", "-train-val", "-split-file", filepath.Join(filepath.Dir(two), "two.split.csv"), "-out", tv, "-quiet")
	for _, line := range strings.Split(stdout, "\n") {
		fmt.Sscanf(line, "data   ham10000: %d training", &trainedOn)
		fmt.Sscanf(line, "       training on the train and validation parts together (-train-val): %d images", &together)
	}
	if code != 0 || trainN == 0 || valN == 0 || together != trainN+valN || trainedOn <= trainedTwo || strings.Contains(stdout, "validation images held out") ||
		strings.Contains(stdout, "test loss") || !strings.Contains(stdout, "done   test accuracy") {
		t.Errorf("train -train-val: status %d, trained on %d of %d images, want %d + %d, and more than %d without it\n%s\n%s",
			code, trainedOn, together, trainN, valN, trainedTwo, stdout, stderr)
	}
	if m, err := model.Load(tv, env); err != nil {
		t.Error(err)
	} else if c, err := ham10000.ParseClinical(m.Info["clinical"]); err != nil || c.Total[0]+c.Total[1] != trainedOn {
		t.Errorf("the -train-val model's clinical counts: %v, %+v, want %d images", err, c, trainedOn)
	}
	if code, _, errOut := runCLI("train", "-data", "ham10000", "-data-dir", data, "-train-val", "-best", "val_loss", "-out", tv); code != 2 || !strings.Contains(errOut, "no validation set to pick an epoch with") {
		t.Errorf("train -train-val -best val_loss: status %d, %q", code, errOut)
	}
	if code, out, errOut := runCLI("eval", "-model", two, "-by-lesion", "-metadata"); code != 0 || !strings.Contains(out, "test set (4 images)") {
		t.Errorf("eval -by-lesion -metadata of a two-class model: status %d\n%s\n%s", code, out, errOut)
	}
	// -part validation scores the validation part of a model's split,
	// and refuses a model that trained on it.
	var valTwo int
	code, valOut, errOut := runCLI("eval", "-model", two, "-part", "validation", "-by-lesion", "-metadata")
	for _, line := range strings.Split(valOut, "\n") {
		fmt.Sscanf(line, two+" on ham10000 validation set (%d images)", &valTwo)
	}
	if code != 0 || valTwo == 0 || valTwo > valN {
		t.Errorf("eval -part validation of a two-class model: status %d, %d images, want some of the %d of the validation part\n%s\n%s", code, valTwo, valN, valOut, errOut)
	}
	if code, _, errOut := runCLI("eval", "-model", tv, "-part", "validation"); code != 1 || !strings.Contains(errOut, tv+": the model was trained on its split's validation part too (-train-val)") {
		t.Errorf("eval -part validation of a -train-val model: status %d, %q", code, errOut)
	}
	// A -train-val model saved before the info said so is told by its
	// clinical counts, which cover more images than the training part.
	if m, err := model.Load(tv, env); err != nil {
		t.Error(err)
	} else {
		delete(m.Info, "train_val")
		older := filepath.Join(t.TempDir(), "older.safetensors")
		if err := model.Save(older, m); err != nil {
			t.Fatal(err)
		}
		if code, _, errOut := runCLI("eval", "-model", older, "-part", "validation"); code != 1 || !strings.Contains(errOut, "more than the") {
			t.Errorf("eval -part validation of an older -train-val model: status %d, %q", code, errOut)
		}
	}
	if code, _, errOut := runCLI("eval", "-model", two, "-part", "val"); code != 2 || !strings.Contains(errOut, `-part "val": want test or validation`) {
		t.Errorf("eval -part val: status %d, %q", code, errOut)
	}

	img := filepath.Join(data, hamtest.ImageID(1, 0)+".jpg") // the first bcc
	code, pred, stderr := runCLI("predict", "-model", out, "-tta", "8", img)
	if code != 0 || !strings.HasPrefix(pred, img+":  ") || strings.Count(pred, "%") != 3 {
		t.Errorf("predict -tta 8: status %d, %q %q", code, pred, stderr)
	}
	// With the metadata, which names the class here, bcc comes first.
	meta := filepath.Join(data, "HAM10000_metadata.csv")
	code, pred, stderr = runCLI("predict", "-model", out, "-metadata", meta, img)
	if code != 0 || !strings.HasPrefix(pred, img+":  bcc ") {
		t.Errorf("predict -metadata: status %d, %q %q", code, pred, stderr)
	}
	// An image with no row is an error naming it; the others are still predicted.
	stranger := filepath.Join(t.TempDir(), "ISIC_9999999.jpg")
	if b, err := os.ReadFile(img); err != nil || os.WriteFile(stranger, b, 0o644) != nil {
		t.Fatal("copying an image", err)
	}
	code, pred, stderr = runCLI("predict", "-model", out, "-metadata", meta, stranger, img)
	if code != 1 || !strings.Contains(stderr, stranger+": "+meta+" has no row for image ISIC_9999999") || !strings.HasPrefix(pred, img+":  bcc ") {
		t.Errorf("predict -metadata of an image with no row: status %d, %q %q", code, pred, stderr)
	}
	if code, _, stderr := runCLI("predict", "-model", old, "-metadata", meta, img); code != 1 || !strings.Contains(stderr, "keeps no age, sex and body-site counts") {
		t.Errorf("predict -metadata with a model without counts: status %d, %q", code, stderr)
	}
	// Non-square images have four views, not eight.
	wide := filepath.Join(t.TempDir(), "wide.safetensors")
	if code, stdout, stderr := runCLI("train", "-data", "ham10000", "-data-dir", data, "-size", "9x12",
		"-model", "conv(4,3,pad=1) relu globalavgpool flatten dense(7)", "-epochs", "1", "-out", wide, "-quiet"); code != 0 {
		t.Fatalf("train 9x12: status %d\n%s\n%s", code, stdout, stderr)
	}
	if code, _, errOut := runCLI("eval", "-model", wide, "-tta", "8"); code != 1 || !strings.Contains(errOut, "a 9x12 image has 4") {
		t.Errorf("eval -tta 8 on 9x12 images: status %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCLI("eval", "-model", wide, "-tta", "4", "-by-lesion"); code != 0 {
		t.Errorf("eval -tta 4 -by-lesion on 9x12 images: status %d, stderr %q", code, errOut)
	}
}

// lossLine returns eval's line with the loss and the accuracy.
func lossLine(t *testing.T, out string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "loss ") {
			return line
		}
	}
	t.Fatalf("no loss line in\n%s", out)
	return ""
}

// lossOf returns the loss on eval's loss line.
func lossOf(t *testing.T, out string) float64 {
	t.Helper()
	f := strings.Fields(lossLine(t, out))
	return parseFloat(t, f[1])
}
