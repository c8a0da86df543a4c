package model

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/safetensors"
)

// FuzzParseSpec feeds the spec parser arbitrary text. It must never
// panic; its errors must say they are about the spec; and a spec it
// accepts must come back unchanged through its canonical text and through
// its JSON form. The registry includes a nesting layer type, so nested
// sequences are fuzzed too. The seeds run as an ordinary test.
func FuzzParseSpec(f *testing.F) {
	for _, name := range PresetNames() {
		spec, err := Preset(name, 10)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(spec.String())
		b, _ := json.Marshal(spec)
		f.Add(string(b))
	}
	for _, s := range []string{
		"conv(32,3x5,stride=2x1,pad=1,init=he_uniform) maxpool(3,stride=2) dropout(0.5) flatten dense(10,init=glorot_normal) softmax",
		"conv(out=8,kernel=3) relu() sigmoid tanh",
		"block(conv(4,3,pad=1) relu block(relu)) flatten dense(2)",
		"conv(32,,3)", "conv(32,3", "conv(32,3))", "conv(32,3)relu", "cnov(3)", "dropout(1)", "dropout(nan)",
		"conv(-1,3)", "conv(1,3,init=xavier)", "dense(99999999999999999999)", "block()", "block(block(block(relu)))",
		`{"layers":[{"type":"conv","out":3,"kernel":[3,5]},{"type":"block","body":[{"type":"relu"}]},{"type":"flatten"},{"type":"dense","out":2}]}`,
		`{"layers":[{"type":"dropout","p":0.25e0}]}`, `{"layers":[]}`, `{"layers":[{"type":"dense","out":"1"}]}`, "{", "",
	} {
		f.Add(s)
	}
	r := testRegistry(f)
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := r.Parse(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "model spec") {
				t.Fatalf("Parse(%q) error %q does not say it is about the model spec", s, err)
			}
			return
		}
		text := spec.String()
		again, err := r.Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q) gave %q, which does not parse: %v", s, text, err)
		}
		if !sameSpec(again, spec) || again.String() != text {
			t.Fatalf("Parse(%q) gave %q, which parses to %q", s, text, again.String())
		}
		b, err := json.Marshal(spec)
		if err != nil {
			t.Fatalf("Parse(%q) gave a spec that cannot be written as JSON: %v", s, err)
		}
		fromJSON, err := r.Parse(string(b))
		if err != nil {
			t.Fatalf("the JSON %s of %q does not parse: %v", b, text, err)
		}
		if !sameSpec(fromJSON, spec) {
			t.Fatalf("the JSON %s of %q parses to %q", b, text, fromJSON.String())
		}
	})
}

// FuzzLoad feeds the model loader arbitrary files, as an attacker would
// make them: whatever the mutation, the checksum is recomputed before the
// file is loaded, so that mutations of the spec, the input and the
// tensors reach the checks behind it. Loading must never panic; its
// errors must be one line; and a file it accepts must hold a model that
// saves to a file that loads again with the same parameters, to the bit.
// The seeds are good files (a checkpoint with its state among them) and
// the crafted files of TestLoadRefusesCraftedFilesBeforeBuilding; they run
// as an ordinary test.
func FuzzLoad(f *testing.F) {
	good := smallModel(f)
	f.Add(fileBytes(f, good))
	f.Add(fileBytes(f, newModel(f, "conv(2,3,pad=1) batchnorm relu residual(conv(3,3,stride=2,pad=1) batchnorm) globalavgpool flatten dense(2)",
		Input{Shape: []int{2, 5, 5}, Prep: PrepResize}, []string{"x", "y"}, 3)))
	tensors, meta, err := encode(good)
	if err != nil {
		f.Fatal(err)
	}
	tensors = append(tensors, safetensors.Tensor{Name: StatePrefix + "momentum/0.weight", Shape: []int{2}, Data: []float32{1, 2}})
	meta[keyState] = `{"epoch":1}`
	meta[keyChecksum] = checksum(meta, tensors)
	f.Add(writeBytes(f, tensors, meta))
	for _, c := range crafted(f) {
		if len(c.file) <= 64<<10 { // the fuzzing engine crawls on megabytes
			f.Add(c.file)
		}
	}
	env := nn.NewEnv(1, 1)
	defer env.Close()
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := safetensors.Read(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return // safetensors' own fuzz target covers this
		}
		if _, ok := file.Metadata[keyChecksum]; ok {
			file.Metadata[keyChecksum] = checksum(file.Metadata, file.Tensors)
		}
		m, err := decode(file, env)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of more than one line: %q", err)
			}
			return
		}
		again, err := loadBytes(fileBytes(t, m), env)
		if err != nil {
			t.Fatalf("a loaded model saves to a file that does not load: %v", err)
		}
		if again.Spec.String() != m.Spec.String() {
			t.Fatalf("spec %q came back as %q", m.Spec, again.Spec)
		}
		want, got := m.Net.Params(), again.Net.Params()
		for i := range want {
			if got[i].Name != want[i].Name || !sameBits(got[i].Value.Data, want[i].Value.Data) {
				t.Fatalf("parameter %s changed on the way through a file", want[i].Name)
			}
		}
	})
}
