package model

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// sizeCases are specs and inputs that Build accepts or refuses, for
// comparing Size with it.
func sizeCases(t *testing.T) []struct {
	spec string
	in   []int
} {
	cases := []struct {
		spec string
		in   []int
	}{
		{"conv(4,3x2,pad=1,stride=2x1) tanh maxpool(2,stride=1) conv(3,2) sigmoid flatten dropout(0.3) dense(5) relu dense(4) softmax", []int{3, 9, 8}},
		{"conv(4,3,pad=1) batchnorm leakyrelu(0.2) residual(conv(4,3,pad=1) batchnorm(momentum=0.2) relu conv(4,3,pad=1)) relu " +
			"residual(conv(6,3,stride=2,pad=1) batchnorm) avgpool(2) conv(5,1) globalavgpool flatten dense(3) batchnorm dense(3)", []int{2, 10, 12}},
		{"residual(conv(3,3,stride=3x2,pad=1) residual(relu)) flatten dense(2)", []int{2, 11, 7}},
		{"avgpool(3,stride=2) maxpool(2x1,stride=1x2) flatten dense(1)", []int{1, 9, 9}},
		// Refused by Build, for reasons Size must give too.
		{"conv(2,3) relu maxpool(2) flatten dense(3)", []int{1, 2, 2}},
		{"conv(8,3) relu", []int{1, 8, 8}},
		{"dense(10)", []int{1, 28, 28}},
		{"flatten softmax conv(2,1)", []int{1, 4, 4}},
		{"maxpool(5) flatten dense(2)", []int{1, 4, 6}},
		{"flatten avgpool(2)", []int{1, 4, 4}},
		{"flatten globalavgpool", []int{1, 4, 4}},
		{"softmax", []int{1, 4, 4}},
		{"flatten batchnorm residual(dense(3)) dense(2)", []int{1, 4, 4}},
		{"residual(conv(2,3)) flatten dense(2)", []int{1, 5, 5}},
		{"residual(flatten) dense(2)", []int{1, 5, 5}},
		{"residual(conv(2,1,stride=2) conv(2,2,pad=1)) flatten dense(2)", []int{1, 6, 6}},
		{"residual(conv(2,9)) flatten dense(2)", []int{1, 5, 5}},
		{"flatten dense(2)", []int{1, 0, 5}},
	}
	for _, name := range PresetNames() {
		spec, err := Preset(name, 10)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, struct {
			spec string
			in   []int
		}{spec.String(), []int{1, 28, 28}})
	}
	files, _ := filepath.Glob("../specs/*.txt")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, struct {
			spec string
			in   []int
		}{string(b), []int{3, 32, 32}}, struct {
			spec string
			in   []int
		}{string(b), []int{1, 28, 28}})
	}
	return cases
}

// checkSizeMatchesBuild builds spec for in and checks that Size worked out
// the same output, the same parameters in the same order, or the same
// error.
func checkSizeMatchesBuild(t *testing.T, spec *Spec, in []int, env *nn.Env) {
	t.Helper()
	size, sizeErr := spec.Size(in)
	net, buildErr := spec.Build(in, env)
	if buildErr != nil || sizeErr != nil {
		if buildErr == nil || sizeErr == nil || buildErr.Error() != sizeErr.Error() {
			t.Errorf("%s for %v:\n  Build: %v\n  Size:  %v", spec, in, buildErr, sizeErr)
		}
		return
	}
	if !tensor.SameShape(size.Out, net.OutShape()) {
		t.Errorf("%s for %v: Size gives output %v, Build %v", spec, in, size.Out, net.OutShape())
	}
	params := net.Params()
	if len(params) != len(size.Params) {
		t.Fatalf("%s for %v: Size gives %d parameters, Build %d", spec, in, len(size.Params), len(params))
	}
	for i, p := range params {
		if p.Name != size.Params[i].Name || !tensor.SameShape(p.Value.Shape, size.Params[i].Shape) {
			t.Errorf("%s for %v: parameter %d is %s %v, Size says %s %v", spec, in, i,
				p.Name, p.Value.Shape, size.Params[i].Name, size.Params[i].Shape)
		}
	}
	if n := int64(countParams(net)); n != size.ParamCount {
		t.Errorf("%s for %v: Size counts %d parameter values, Build makes %d", spec, in, size.ParamCount, n)
	}
	if size.Work <= 0 {
		t.Errorf("%s for %v: work %d", spec, in, size.Work)
	}
}

func TestSizeMatchesBuild(t *testing.T) {
	env := nn.NewEnv(1, 1)
	defer env.Close()
	for _, c := range sizeCases(t) {
		spec, err := Parse(c.spec)
		if err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		checkSizeMatchesBuild(t, spec, c.in, env)
	}
	// Random specs from the standard layers, most of which Build refuses
	// somewhere: Size must refuse them the same way.
	r := rng.New(5)
	pick := func(n int) int { return int(r.Uint64() % uint64(n)) }
	layer := func(depth int) string {
		switch pick(12) {
		case 0:
			return fmt.Sprintf("conv(%d,%dx%d,stride=%d,pad=%d)", 1+pick(4), 1+pick(4), 1+pick(4), 1+pick(3), pick(3))
		case 1:
			return fmt.Sprintf("maxpool(%d,stride=%d)", 1+pick(3), 1+pick(3))
		case 2:
			return fmt.Sprintf("avgpool(%dx%d)", 1+pick(3), 1+pick(3))
		case 3:
			return fmt.Sprintf("dense(%d)", 1+pick(5))
		case 4:
			return "flatten"
		case 5:
			return "batchnorm"
		case 6:
			return "globalavgpool"
		case 7:
			return []string{"relu", "sigmoid", "tanh", "leakyrelu", "softmax", "dropout(0.5)"}[pick(6)]
		case 8:
			if depth < 2 {
				return fmt.Sprintf("residual(conv(%d,%d,stride=%d,pad=%d) batchnorm)", 1+pick(4), 1+pick(3), 1+pick(2), pick(2))
			}
		}
		return "relu"
	}
	for range 400 {
		var parts []string
		for range 1 + pick(6) {
			parts = append(parts, layer(0))
		}
		if pick(2) == 0 {
			parts = append(parts, "flatten", "dense(3)")
		}
		spec, err := Parse(strings.Join(parts, " "))
		if err != nil {
			t.Fatalf("%s: %v", strings.Join(parts, " "), err)
		}
		checkSizeMatchesBuild(t, spec, []int{1 + pick(3), 1 + pick(9), 1 + pick(9)}, env)
	}
}

func TestSizeOfHugeSpecs(t *testing.T) {
	// Sizes that no memory could hold are counted, not built: the counts
	// saturate instead of overflowing.
	for _, c := range []struct {
		spec   string
		in     []int
		params int64
	}{
		{"conv(65536,3) relu flatten dense(65536)", []int{1, 28, 28}, 65536*9 + 65536 + 65536*65536*26*26 + 65536},
		{"conv(65536,65536,pad=65536) conv(65536,65536,pad=65536) flatten dense(65536)", []int{1, 1, 1}, maxCount},
	} {
		spec, err := Parse(c.spec)
		if err != nil {
			t.Fatal(err)
		}
		size, err := spec.Size(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		if size.ParamCount != c.params {
			t.Errorf("%s: %d parameters, want %d", c.spec, size.ParamCount, c.params)
		}
		if size.Work <= MaxWork || size.Work > maxCount {
			t.Errorf("%s: work %d", c.spec, size.Work)
		}
	}
}
