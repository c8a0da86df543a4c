package augment

import (
	"testing"

	"github.com/gocnn/gocnn/rng"
)

func benchmark(b *testing.B, o Options, n, c, h, w int) {
	p := newPipeline(b, o)
	batch := batch(n, c, h, w, 1)
	r := rng.New(1)
	p.Apply(batch, r)
	b.ReportAllocs()
	for b.Loop() {
		p.Apply(batch, r)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/image")
}

// A batch of 64 MNIST digits, 28×28, with the digits preset.
func BenchmarkAugmentMNIST(b *testing.B) { benchmark(b, Digits(), 64, 1, 28, 28) }

// A batch of 64 skin lesion photographs, 3×64×64, with the skin preset
// (whole-pixel geometry only).
func BenchmarkAugmentHAM(b *testing.B) { benchmark(b, Skin(), 64, 3, 64, 64) }

// The skin preset plus a small rotation, which interpolates every pixel.
func BenchmarkAugmentHAMRotate(b *testing.B) {
	o := Skin()
	o.Rotate = 15
	benchmark(b, o, 64, 3, 64, 64)
}
