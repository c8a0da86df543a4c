package model

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/safetensors"
)

// craftFile writes a model file as an attacker would: any spec, input and
// tensors, with a checksum recomputed to match, so that only Load's own
// checks stand between it and the layers it describes.
func craftFile(t testing.TB, spec, input string, classes int, tensors []safetensors.Tensor) []byte {
	t.Helper()
	names := make([]string, classes)
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	meta := map[string]string{
		keyFormat:  formatName,
		keyVersion: strconv.Itoa(FormatVersion),
		keySpec:    spec,
		keyInput:   input,
		keyClasses: mustJSON(names),
		keyInfo:    "{}",
	}
	meta[keyChecksum] = checksum(meta, tensors)
	return writeBytes(t, tensors, meta)
}

// f32Tensor is a tensor of the given shape whose values are all v.
func f32Tensor(name string, v float32, shape ...int) safetensors.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = v
	}
	return safetensors.Tensor{Name: name, DType: safetensors.F32, Shape: shape, Data: data}
}

// smallTensors are the tensors of smallSpec ("conv(2,3) relu maxpool(2)
// flatten dense(3)") for a 1×6×6 input, all set to v.
func smallTensors(v float32) []safetensors.Tensor {
	return []safetensors.Tensor{
		f32Tensor("0.weight", v, 2, 1, 3, 3), f32Tensor("0.bias", v, 2),
		f32Tensor("4.weight", v, 3, 8), f32Tensor("4.bias", v, 3),
	}
}

// crafted are model files that must be refused, with what the error must
// say. Each has a valid checksum.
func crafted(t testing.TB) []struct {
	name, want string
	file       []byte
} {
	const mnist = `{"shape":[1,28,28],"prep":"mnist"}`
	const six = `{"shape":[1,6,6],"prep":"resize"}`
	huge := "conv(65536,3) relu flatten dense(65536)"
	nanWeights := smallTensors(0.5)
	nanWeights[2].Data[5] = float32(math.NaN())
	infBias := smallTensors(0.5)
	infBias[3].Data[1] = float32(math.Inf(-1))
	swapped := smallTensors(0.5)
	swapped[0].Shape = []int{1, 2, 3, 3}
	bn := []safetensors.Tensor{
		f32Tensor("0.weight", 1, 1), f32Tensor("0.bias", 0, 1), f32Tensor("0.running_mean", 0, 1),
		f32Tensor("0.running_var", -1, 1), f32Tensor("0.num_batches_tracked", 3),
		f32Tensor("2.weight", 0.1, 2, 36), f32Tensor("2.bias", 0, 2),
	}
	return []struct {
		name, want string
		file       []byte
	}{
		{"terabytes of layers on the tensors of a small model", `tensor "0.weight" has shape [2 1 3 3] but the spec makes it [65536 1 3 3]`,
			craftFile(t, huge, mnist, 65536, smallTensors(0.5))},
		{"terabytes of layers on tensors named as the spec names them",
			`tensor "3.weight" has shape [65536 1] but the spec makes it [65536 44302336] (the spec makes a network of 2903398612992 parameters, the file holds 786432 values)`,
			craftFile(t, huge, mnist, 65536, []safetensors.Tensor{
				f32Tensor("0.weight", 0.5, 65536, 1, 3, 3), f32Tensor("0.bias", 0, 65536),
				f32Tensor("3.weight", 0.5, 65536, 1), f32Tensor("3.bias", 0, 65536),
			})},
		{"a small spec on a large input, refused only after its layers were built",
			`tensor "4.weight" has shape [3 8] but the spec makes it [3 1996002]`,
			craftFile(t, smallSpec, `{"shape":[1,2000,2000],"prep":"resize"}`, 3, smallTensors(0.5))},
		{"the right tensors for gigabytes of working memory", "makes 201326596 values for each example on its way through, over the limit of 67108864 (256 MiB)",
			craftFile(t, "conv(2,3,pad=1) globalavgpool flatten", `{"shape":[1,4096,4096],"prep":"resize"}`, 2,
				[]safetensors.Tensor{f32Tensor("0.weight", 0.5, 2, 1, 3, 3), f32Tensor("0.bias", 0, 2)})},
		{"a standard deviation of 1e-45", "input normalisation of channel 0 has mean 0.5 and standard deviation 1e-45 (want a finite mean and a deviation of at least 1e-12",
			craftFile(t, smallSpec, `{"shape":[1,6,6],"prep":"resize","mean":[0.5],"std":[1e-45]}`, 3, smallTensors(0.5))},
		{"a standard deviation of 0", "input normalisation of channel 0 has mean 0.5 and standard deviation 0",
			craftFile(t, smallSpec, `{"shape":[1,6,6],"prep":"resize","mean":[0.5],"std":[0]}`, 3, smallTensors(0.5))},
		{"a mean that overflows the normalised pixels", "input normalisation of channel 0 has mean 1e+30 and standard deviation 1e-10",
			craftFile(t, smallSpec, `{"shape":[1,6,6],"prep":"resize","mean":[1e30],"std":[1e-10]}`, 3, smallTensors(0.5))},
		{"NaN weights", `tensor "4.weight" holds NaN at index 5: a model's parameters must be finite numbers`,
			craftFile(t, smallSpec, six, 3, nanWeights)},
		{"an infinite bias", `tensor "4.bias" holds -Inf at index 1`,
			craftFile(t, smallSpec, six, 3, infBias)},
		{"a negative running variance", `tensor "0.running_var" holds -1 at index 0: a batch norm's running variances cannot be negative`,
			craftFile(t, "batchnorm flatten dense(2)", six, 2, bn)},
		{"a tensor's dimensions swapped", `tensor "0.weight" has shape [1 2 3 3] but the spec makes it [2 1 3 3]`,
			craftFile(t, smallSpec, six, 3, swapped)},
		{"a class for each of too few outputs", "the network has 3 outputs but there are 4 class names",
			craftFile(t, smallSpec, six, 4, smallTensors(0.5))},
	}
}

// TestLoadRefusesCraftedFilesBeforeBuilding loads each crafted file and
// checks the error and the memory it took. With GOCNN_CRAFTED_DIR set, it
// also leaves the files there, to try them on the command:
//
//	GOCNN_CRAFTED_DIR=/tmp/crafted go test ./model -run Crafted
//	go build -o /tmp/gocnn ./cmd/gocnn
//	/usr/bin/time -v /tmp/gocnn eval -model /tmp/crafted/01.safetensors
func TestLoadRefusesCraftedFilesBeforeBuilding(t *testing.T) {
	env := nn.NewEnv(1, 2)
	defer env.Close()
	// The files load once the fault is mended, so it is the fault that
	// each is refused for.
	if _, err := loadBytes(craftFile(t, smallSpec, `{"shape":[1,6,6],"prep":"resize","mean":[0.5],"std":[0.25]}`, 3, smallTensors(0.5)), env); err != nil {
		t.Fatalf("the file the crafted ones are made from: %v", err)
	}
	dir := t.TempDir()
	keep := os.Getenv("GOCNN_CRAFTED_DIR")
	for i, c := range crafted(t) {
		if keep != "" {
			if err := os.MkdirAll(keep, 0o755); err != nil {
				t.Fatal(err)
			}
			name := filepath.Join(keep, fmt.Sprintf("%02d.safetensors", i+1))
			if err := os.WriteFile(name, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %s", name, c.name)
		}
		path := filepath.Join(dir, "crafted.safetensors")
		if err := os.WriteFile(path, c.file, 0o644); err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Load(path, env)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%s: loads", c.name)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "loading model "+path+": ") || !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: error\n  %s\nwant one line naming the file and containing\n  %s", c.name, msg, c.want)
		}
		// Reading and checking the file takes some times its size (its
		// JSON header most); the layers it describes would take far more.
		limit := 32*uint64(len(c.file)) + 4<<20
		if got := after.TotalAlloc - before.TotalAlloc; got > limit {
			t.Errorf("%s: %d bytes allocated to refuse a file of %d bytes, want at most %d", c.name, got, len(c.file), limit)
		}
	}
}

func TestNewRefusesWhatLoadWould(t *testing.T) {
	env := nn.NewEnv(1, 1)
	defer env.Close()
	spec, err := Parse("conv(2,3,pad=1) globalavgpool flatten")
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Shape: []int{1, 4096, 4096}, Prep: PrepResize}
	want := "over the limit of 67108864 (256 MiB) that loading a model allows"
	if _, err := New(spec, in, []string{"a", "b"}, env); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want it to contain %q", err, want)
	}
	in.Shape = []int{1, 1024, 1024}
	if _, err := New(spec, in, []string{"a", "b"}, env); err != nil {
		t.Errorf("a network within the limit: %v", err)
	}
}
