package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/safetensors"
)

// These tests train on real MNIST: the data folder gets it on first use
// (through the Go module proxy on machines without the HTTP mirrors), and
// .ci/run fetches it before the tests run.

// TestTrainEndToEnd trains lenet5 on 2,000 real MNIST images and requires
// at least 90% accuracy on 1,000 test images, then evaluates and predicts
// with the saved model.
func TestTrainEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on real MNIST")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "e2e.safetensors")
	code, stdout, stderr := runCLI("train", "-model", "lenet5", "-train-limit", "2000", "-test-limit", "1000",
		"-epochs", "5", "-out", out, "-quiet")
	if code != 0 {
		t.Fatalf("train: status %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"epoch 1/5", "epoch 5/5", "done   test accuracy", "saved  " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("train output lacks %q:\n%s", want, stdout)
		}
	}
	env := nn.NewEnv(1, 0)
	defer env.Close()
	m, err := model.Load(out, env)
	if err != nil {
		t.Fatal(err)
	}
	code, evalOut, stderr := runCLI("eval", "-model", out, "-limit", "1000")
	if code != 0 {
		t.Fatalf("eval: status %d: %s", code, stderr)
	}
	var acc float64
	for _, line := range strings.Split(evalOut, "\n") {
		if strings.HasPrefix(line, "accuracy ") {
			f := strings.Fields(line)
			acc = parseFloat(t, f[1])
		}
	}
	if acc < 0.90 {
		t.Errorf("accuracy on 1,000 test images %.4f, want at least 0.90\n%s", acc, evalOut)
	}
	for _, flag := range []string{"-by-lesion", "-metadata"} {
		if code, _, errOut := runCLI("eval", "-model", out, "-limit", "10", flag); code != 2 || !strings.Contains(errOut, "it is for ham10000") {
			t.Errorf("eval %s of an MNIST model: status %d, stderr %q", flag, code, errOut)
		}
	}
	if m.Info["test_accuracy"] == "" || m.Info["dataset"] != "mnist" {
		t.Errorf("model info %v", m.Info)
	}
	// The log has one JSON line per epoch.
	log, err := os.ReadFile(filepath.Join(dir, "e2e.jsonl"))
	if err != nil || bytes.Count(log, []byte("\n")) != 5 {
		t.Errorf("metrics log: %v, %d lines", err, bytes.Count(log, []byte("\n")))
	}
	code, predOut, stderr := runCLI("predict", "-model", out, "../../imageprep/testdata/seven-paper.jpg")
	if code != 0 || !strings.Contains(predOut, "seven-paper.jpg:  7 ") {
		t.Errorf("predict: status %d, %q %q", code, predOut, stderr)
	}
}

func parseFloat(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("parsing %q: %v", s, err)
	}
	return f
}

// TestKillAndResume kills a training process with SIGKILL once it has
// written a checkpoint, resumes it, and checks that the final model has
// exactly the weights of the same run left alone.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on real MNIST in a separate process")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "gocnn")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building gocnn: %v\n%s", err, out)
	}
	args := func(out string) []string {
		// -ema: the weight average is part of what a checkpoint must resume.
		return []string{"train", "-model", "mnist-cnn", "-train-limit", "3000", "-test-limit", "200", "-epochs", "4",
			"-ema", "0.99", "-threads", "2", "-out", filepath.Join(dir, out), "-quiet"}
	}
	if out, err := exec.Command(bin, args("whole.safetensors")...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}

	cmd := exec.Command(bin, args("killed.safetensors")...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(dir, "killed.ckpt")
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := os.Stat(ckpt); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint after 2 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	err := cmd.Wait()
	if cmd.ProcessState.Success() {
		t.Skip("the run finished before it could be killed")
	}
	t.Logf("killed: %v", err)
	if out, err := exec.Command(bin, "train", "-resume", ckpt, "-quiet").CombinedOutput(); err != nil {
		t.Fatalf("resumed run: %v\n%s", err, out)
	} else if !strings.Contains(string(out), "resume from") {
		t.Errorf("resumed run did not say it resumed:\n%s", out)
	}
	whole, err := safetensors.ReadFile(filepath.Join(dir, "whole.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	resumed, err := safetensors.ReadFile(filepath.Join(dir, "killed.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range whole.Tensors {
		r := resumed.Tensor(w.Name)
		if r == nil {
			t.Fatalf("resumed model lacks %s", w.Name)
		}
		for i := range w.Data {
			if w.Data[i] != r.Data[i] {
				t.Fatalf("%s[%d]: resumed %v, uninterrupted %v", w.Name, i, r.Data[i], w.Data[i])
			}
		}
	}
}

// TestTrainChecksOutputFoldersFirst points each output of train at a
// folder no one may create files in (/proc, which refuses even root) and
// checks that train stops before it loads data or trains, naming the file.
func TestTrainChecksOutputFoldersFirst(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc")
	}
	if _, err := os.Stat("/proc/self"); err != nil {
		t.Skip("no /proc")
	}
	dir := t.TempDir()
	ok := filepath.Join(dir, "m.safetensors")
	for _, flag := range []string{"-out", "-log", "-checkpoint"} {
		bad := "/proc/gocnn-test-output"
		args := []string{"train", "-out", ok, "-epochs", "1", "-quiet", flag, bad}
		code, stdout, stderr := runCLI(args...)
		if code != 1 || !strings.Contains(stderr, "cannot write "+bad) {
			t.Errorf("train %s %s: status %d, stderr %q; want 1 and an error naming %s", flag, bad, code, stderr, bad)
		}
		if strings.Contains(stdout, "data ") || strings.Contains(stdout, "epoch") {
			t.Errorf("train %s %s went on to load or train:\n%s", flag, bad, stdout)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the checks left %d files in the output folder", len(entries))
	}
}

// TestTrainStopsOnNonFiniteTestLoss runs the case: with momentum 5
// the weights stay finite through the first epoch while the test loss is
// NaN. Training must stop with that said, not die writing the metrics log,
// and must not point at the checkpoint already at its path, another run's.
func TestTrainStopsOnNonFiniteTestLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on real MNIST")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "m.safetensors")
	ckpt := filepath.Join(dir, "m.ckpt")
	if err := os.WriteFile(ckpt, []byte("another run's checkpoint"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI("train", "-train-limit", "2000", "-test-limit", "500", "-epochs", "3", "-momentum", "5",
		"-threads", "1", "-out", out, "-quiet")
	if code != 1 || !strings.Contains(stderr, "loss is ") || !strings.Contains(stderr, "training stopped") || strings.Contains(stderr, "json") {
		t.Fatalf("status %d, stderr %q; want 1 and the loss that is not a number named\n%s", code, stderr, stdout)
	}
	// On this machine the loss is NaN at the first epoch, before any
	// checkpoint; where other kernels round it later, the run writes its
	// own first. Either way the hint is there exactly when it did.
	b, _ := os.ReadFile(ckpt)
	wrote := string(b) != "another run's checkpoint"
	if hint := strings.Contains(stderr, "-resume "+ckpt); hint != wrote {
		t.Errorf("stderr %q: resume hint %v, but this run wrote %s: %v", stderr, hint, ckpt, wrote)
	}
}

// TestTrainRefusesWhatItWouldIgnore checks the flags that train once took
// silently and then ignored or replaced: each is now a usage error
// (status 2) that names it, before any data is loaded.
func TestTrainRefusesWhatItWouldIgnore(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-lr", "0"}, "-lr must be positive, got 0"},
		{[]string{"-size", "32x32"}, "-size is for -data ham10000"},
		{[]string{"-data", "fashion-mnist", "-split-file", "s.csv"}, "-split-file is for -data ham10000"},
		{[]string{"-resume", "run.ckpt", "-lr", "0.1", "-model", "tiny"}, "-lr, -model: -resume carries on with the settings saved"},
		{[]string{"-resume", "run.ckpt", "-threads", "1"}, "-threads: -resume carries on"},
	} {
		code, stdout, stderr := runCLI(append([]string{"train"}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) || stdout != "" {
			t.Errorf("train %s: status %d, stderr %q, stdout %q; want 2 and %q", strings.Join(c.args, " "), code, stderr, stdout, c.want)
		}
	}
}

// TestTrainClassesAndResumeChecks trains on real MNIST: a one-class -classes
// is refused, a run on some classes gets a file name of its own (and so
// leaves the ten-class model alone), and resuming it with fewer epochs than
// it has trained is refused rather than printing "epoch 2/1".
func TestTrainClassesAndResumeChecks(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on real MNIST")
	}
	dir := t.TempDir()
	t.Chdir(dir)
	for _, classes := range []string{"3", "3,3"} {
		code, _, stderr := runCLI("train", "-classes", classes, "-quiet")
		if code != 2 || !strings.Contains(stderr, "needs at least two classes") {
			t.Errorf("train -classes %s: status %d, stderr %q; want 2 and a refusal", classes, code, stderr)
		}
	}
	code, stdout, stderr := runCLI("train", "-classes", "3,5", "-epochs", "2", "-train-limit", "300", "-test-limit", "100", "-quiet")
	if code != 0 || !strings.Contains(stdout, "saved  mnist-classes-3-5-lenet5.safetensors") {
		t.Fatalf("train -classes 3,5: status %d, stderr %q; want it saved as mnist-classes-3-5-lenet5.safetensors:\n%s", code, stderr, stdout)
	}
	// One epoch and one thread are counted in the singular.
	code, stdout, stderr = runCLI("train", "-classes", "0,1", "-epochs", "1", "-threads", "1", "-train-limit", "200", "-test-limit", "100", "-quiet")
	if code != 0 || !strings.Contains(stdout, "train  1 epoch, ") || !strings.Contains(stdout, "; 1 thread; ") ||
		!strings.Contains(stdout, " after 1 epoch in ") || strings.Contains(stdout, "1 epochs") {
		t.Errorf("train -epochs 1 -threads 1: status %d, stderr %q, output not in the singular:\n%s", code, stderr, stdout)
	}
	code, stdout, stderr = runCLI("train", "-resume", "mnist-classes-3-5-lenet5.ckpt", "-epochs", "1", "-quiet")
	if code != 2 || !strings.Contains(stderr, "-epochs 1: mnist-classes-3-5-lenet5.ckpt has trained 2 epochs already") {
		t.Errorf("resume with -epochs 1: status %d, stderr %q; want 2 and a refusal\n%s", code, stderr, stdout)
	}
}

// TestBadRecipeRefusedBeforeLoading gives recipes that cannot work with a
// data folder that does not exist: each must be refused as a usage error
// naming its flag, before any data is looked for.
func TestBadRecipeRefusedBeforeLoading(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-data")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-mixup", "-1"}, `-mixup -1: want α in [0, 100]`},
		{[]string{"-sampler", "random"}, `-sampler "random": want shuffle or balanced`},
		{[]string{"-focal", "2", "-label-smoothing", "0.1"}, "-focal: the focal loss does not go with label smoothing"},
		{[]string{"-schedule", "zigzag"}, `-schedule: unknown learning-rate schedule "zigzag"`},
		{[]string{"-ema-bn", "256"}, "-ema-bn: recomputes batch norm for a weight average, and there is none"},
		{[]string{"-ema", "0.99", "-ema-bn", "-5"}, "-ema-bn -5: want a number of images, 1 or more"},
	} {
		args := append([]string{"train", "-data-dir", missing, "-quiet", "-out", filepath.Join(t.TempDir(), "m.safetensors")}, c.args...)
		if code, _, stderr := runCLI(args...); code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: status %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}
