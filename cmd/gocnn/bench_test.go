package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// writeSpec writes spec text to a file in a test's temporary folder.
func writeSpec(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBenchRejectsBadFlags(t *testing.T) {
	bad := writeSpec(t, "bad.txt", "conv(8,,3) relu flatten dense(10)")
	short := writeSpec(t, "short.txt", "conv(4,5) relu flatten dense(3)")
	for _, c := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"-models", "lenet6"}, 2, []string{`"lenet6" is neither a preset`, "lenet5"}},
		{[]string{"-models", bad}, 1, []string{bad, "empty argument"}},
		{[]string{"-models", "no-such/ham.txt"}, 1, []string{"no-such/ham.txt", "no such file"}},
		{[]string{"-models", short, "-input", "1x3x3", "-measure", "latency"}, 1, []string{short, "larger than the padded input"}},
		{[]string{"-input", "28x28"}, 2, []string{"-input", `"28x28" is not CxHxW`}},
		{[]string{"-input", "1x0x28"}, 2, []string{"-input", `"1x0x28"`}},
		{[]string{"-input", "1xx28"}, 2, []string{"-input", `"1xx28"`}},
		{[]string{"-input", "1x70000x1"}, 2, []string{"-input", "dimension outside"}},
		{[]string{"-input", "3x4096x4096"}, 2, []string{"-input", "over the limit"}},
		{[]string{"-optimizer", "adagrad"}, 2, []string{`-optimizer "adagrad"`, "adamw"}},
		{[]string{"-measure", "train,speed"}, 2, []string{`-measure: "speed"`}},
		{[]string{"-lr", "-1"}, 2, []string{"-lr must be positive"}},
		{[]string{"-batch", "0"}, 2, []string{"-batch must be at least 1"}},
	} {
		code, _, errOut := runCLI(append([]string{"bench"}, c.args...)...)
		if code != c.code {
			t.Errorf("gocnn bench %s: status %d, want %d (stderr %q)", strings.Join(c.args, " "), code, c.code, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("gocnn bench %s: stderr %q lacks %q", strings.Join(c.args, " "), errOut, w)
			}
		}
	}
}

// TestBenchSpecFileJSON times a small spec file on a 2x8x8 input with
// AdamW and checks the JSON line: the model's path as given, the shape,
// the optimiser and its default rate, and every figure measured.
func TestBenchSpecFileJSON(t *testing.T) {
	spec := writeSpec(t, "small.txt", "conv(4,3,pad=1) batchnorm relu maxpool(2) flatten dense(3)")
	code, out, errOut := runCLI("bench", "-models", spec+",tiny", "-input", "2x8x8", "-optimizer", "adamw", "-images", "32",
		"-infer-images", "40", "-latency-runs", "7", "-batch", "8", "-threads", "1", "-json")
	if code != 0 {
		t.Fatalf("status %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one line per model, got %q", out)
	}
	for i, want := range []string{spec, "tiny"} {
		var r map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &r); err != nil {
			t.Fatalf("line %q: %v", lines[i], err)
		}
		for key, v := range map[string]any{"model": want, "input": "2x8x8", "optimizer": "adamw", "lr": 0.001, "threads": 1.0,
			"batch": 8.0, "images": 32.0, "infer_images": 40.0, "latency_runs": 7.0} {
			if r[key] != v {
				t.Errorf("%s: %s is %v, want %v", want, key, r[key], v)
			}
		}
		for _, key := range []string{"train_images_per_sec", "infer_images_per_sec", "latency_us", "train_step_allocs"} {
			if _, ok := r[key].(float64); !ok {
				t.Errorf("%s: %s missing or not a number in %s", want, key, lines[i])
			}
		}
		for _, key := range []string{"train_images_per_sec", "infer_images_per_sec", "latency_us"} {
			if v, _ := r[key].(float64); !(v > 0) {
				t.Errorf("%s: %s is %v, want a positive figure", want, key, r[key])
			}
		}
		checkGFLOPS(t, want, r, "train_gflops", "train_multiply_adds", "train_images_per_sec")
		checkGFLOPS(t, want, r, "infer_gflops", "forward_multiply_adds", "infer_images_per_sec")
	}
	// The small spec's arithmetic by hand: the convolution 4·2·3·3 per
	// position on 8x8, the dense layer 64·3; in training the first layer
	// costs twice its forward pass (no gradient back to the images), the
	// dense layer three times.
	var r map[string]any
	json.Unmarshal([]byte(lines[0]), &r)
	conv, dense := 4.0*2*9*64, 64.0*3
	if r["forward_multiply_adds"] != conv+dense || r["train_multiply_adds"] != 2*conv+3*dense {
		t.Errorf("%s: multiply-adds %v and %v, want %v and %v", spec, r["forward_multiply_adds"], r["train_multiply_adds"],
			conv+dense, 2*conv+3*dense)
	}
}

// checkGFLOPS checks that a JSON line's GFLOP/s figure is twice its
// multiply-adds an image times its images a second.
func checkGFLOPS(t *testing.T, model string, r map[string]any, key, maddsKey, rateKey string) {
	t.Helper()
	got, _ := r[key].(float64)
	madds, _ := r[maddsKey].(float64)
	rate, _ := r[rateKey].(float64)
	want := 2 * madds * rate / 1e9
	if !(want > 0) || math.Abs(got-want) > 1e-9*want {
		t.Errorf("%s: %s is %v, want 2 × %s × %s = %v", model, key, r[key], maddsKey, rateKey, want)
	}
}

// TestBenchMeasuresOnlyWhatIsAsked checks that -measure latency times
// batch-1 inference alone, on the given threads, and leaves the other
// figures out of the JSON line, and that the table shows a dash for them.
func TestBenchMeasuresOnlyWhatIsAsked(t *testing.T) {
	code, out, errOut := runCLI("bench", "-models", "tiny", "-measure", "latency", "-latency-runs", "5", "-threads", "1", "-json")
	if code != 0 {
		t.Fatalf("status %d: %s", code, errOut)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	for _, key := range []string{"train_images_per_sec", "infer_images_per_sec", "images", "train_step_allocs"} {
		if _, ok := r[key]; ok {
			t.Errorf("%s present in %s", key, out)
		}
	}
	if r["latency_runs"] != 5.0 || r["threads"] != 1.0 || r["input"] != "1x28x28" || r["optimizer"] != "sgd" || r["lr"] != 0.05 {
		t.Errorf("line %s: want 5 latency runs on 1 thread, input 1x28x28, sgd at lr 0.05", out)
	}

	code, out, errOut = runCLI("bench", "-models", "tiny", "-measure", "infer", "-infer-images", "64", "-threads", "1")
	if code != 0 {
		t.Fatalf("status %d: %s", code, errOut)
	}
	fields := strings.Fields(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	if len(fields) != 6 || fields[0] != "tiny" || fields[1] != "-" || fields[2] == "-" || fields[3] != "-" ||
		fields[4] != "-" || fields[5] == "-" {
		t.Errorf("table row %q: want tiny, -, an inference rate, -, -, its GFLOP/s", fields)
	}
}

// TestBenchSteps checks -measure steps: after the main table, a table of
// where a training step's time goes, a line for each step of the
// network's run order and one for the optimiser, with shares that add up
// to the whole.
func TestBenchSteps(t *testing.T) {
	code, out, errOut := runCLI("bench", "-models", "tiny", "-measure", "steps", "-threads", "1", "-batch", "16")
	if code != 0 {
		t.Fatalf("status %d: %s", code, errOut)
	}
	_, table, ok := strings.Cut(out, "tiny: a training step of 16 images, ")
	if !ok {
		t.Fatalf("no steps table in\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(table), "\n")
	var steps []string
	var share float64
	for _, l := range lines[2:] {
		f := strings.Fields(l)
		steps = append(steps, strings.Join(f[:len(f)-3], " "))
		v, err := strconv.ParseFloat(strings.TrimSuffix(f[len(f)-1], "%"), 64)
		if err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		share += v
	}
	want := []string{"0 conv2d+maxpool2d+relu", "1 flatten", "2 dense", "optimizer sgd"}
	if !slices.Equal(steps, want) {
		t.Errorf("steps %q, want %q", steps, want)
	}
	if math.Abs(share-100) > 0.5 {
		t.Errorf("shares add up to %.1f%%, want 100%%:\n%s", share, table)
	}
}
