package nn

import (
	"math"
	"slices"
	"testing"

	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// TestRecomputeBatchNorm checks that RecomputeBatchNorm gives every batch
// norm, the residual block's and the dense layer's after dropout too, the
// average of the batches' own means and unbiased variances, found by
// running each batch alone with momentum 1 and dropout off; that it
// counts the batches; and that it leaves the momentum and the dropout as
// they were, its random stream untouched: a training pass after it drops
// what a training pass of a network that never recomputed drops.
func TestRecomputeBatchNorm(t *testing.T) {
	layers := func() []Layer {
		conv := &Conv2D{Out: 4, KH: 3, KW: 3, PadH: 1, PadW: 1}
		return []Layer{conv, NewBatchNorm(), NewReLU(),
			NewResidual(&Conv2D{Out: 4, KH: 3, KW: 3, PadH: 1, PadW: 1}, NewBatchNorm(), NewReLU(),
				&Conv2D{Out: 4, KH: 3, KW: 3, PadH: 1, PadW: 1}, NewBatchNorm()), NewReLU(),
			NewFlatten(), NewDropout(0.5), NewDense(6), NewBatchNorm(), NewReLU(), NewDense(3)}
	}
	build := func() (*Sequential, *Env) {
		env := NewEnv(3, 2)
		net := NewSequential(layers()...)
		if _, err := net.Build([]int{2, 5, 5}, env); err != nil {
			t.Fatal(err)
		}
		return net, env
	}
	net, env := build()
	defer env.Close()
	ref, refEnv := build()
	defer refEnv.Close()
	twin, twinEnv := build()
	defer twinEnv.Close()
	for i, p := range net.Params() {
		rng.New(uint64(i+20)).FillUniform(p.Value.Data, 0.5)
		copy(ref.Params()[i].Value.Data, p.Value.Data)
		copy(twin.Params()[i].Value.Data, p.Value.Data)
	}
	var batches []*tensor.Tensor
	for k := range 3 {
		x := tensor.New(4+k, 2, 5, 5)
		rng.New(uint64(k+1)).FillUniform(x.Data, 1)
		for i := range x.Data {
			x.Data[i] += float32(k) // batches of different means
		}
		batches = append(batches, x)
	}
	n := net.RecomputeBatchNorm(slices.Values(batches))
	if n != 3 {
		t.Fatalf("RecomputeBatchNorm returned %d batches, want 3", n)
	}

	var bns, refBNs []*BatchNorm
	net.visit(func(l Layer) {
		if b, ok := l.(*BatchNorm); ok {
			bns = append(bns, b)
		}
	})
	ref.visit(func(l Layer) {
		switch l := l.(type) {
		case *BatchNorm:
			refBNs = append(refBNs, l)
			l.Momentum = 1
		case *Dropout:
			l.P = 0
		}
	})
	if len(bns) != 4 {
		t.Fatalf("found %d batch norms, want 4", len(bns))
	}
	sums := make([][2][]float64, len(bns))
	for _, x := range batches {
		ref.Forward(x, true) // each batch norm's running statistics are the batch's
		for i, b := range refBNs {
			for _, k := range []int{0, 1} {
				if sums[i][k] == nil {
					sums[i][k] = make([]float64, b.channels)
				}
				src := []*Param{b.runMean, b.runVar}[k]
				for c, v := range src.Value.Data {
					sums[i][k][c] += float64(v) / float64(len(batches))
				}
			}
		}
	}
	for i, b := range bns {
		if b.Momentum != 0.1 || b.batches.Value.Data[0] != 3 {
			t.Errorf("batch norm %d: momentum %v, %v batches tracked; want 0.1 and 3", i, b.Momentum, b.batches.Value.Data[0])
		}
		for k, p := range []*Param{b.runMean, b.runVar} {
			for c, v := range p.Value.Data {
				if want := sums[i][k][c]; math.Abs(float64(v)-want) > 1e-6*max(1, math.Abs(want)) {
					t.Errorf("batch norm %d %s[%d] = %v, want the batches' average %v", i, p.Name, c, v, want)
				}
			}
		}
	}

	// The dropout is back, its stream where it was.
	x := batches[0]
	got := append([]float32(nil), net.Forward(x, true).Data...)
	want := twin.Forward(x, true).Data
	if !slices.Equal(got, want) {
		t.Errorf("a training pass after RecomputeBatchNorm differs from one without it")
	}
}
