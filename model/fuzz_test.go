package model

import (
	"encoding/json"
	"strings"
	"testing"
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
