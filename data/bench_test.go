package data

import (
	"fmt"
	"testing"

	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// BenchmarkBatches times building one shuffled, normalised batch of 64,
// from 8-bit images (converted as the batch is built) and from float32
// ones (copied), at MNIST's shape and at HAM10000's at 64×64:
//
//	go test -run '^$' -bench Batches ./data
func BenchmarkBatches(b *testing.B) {
	for _, s := range []struct {
		name       string
		n, c, h, w int
	}{
		{"mnist", 4096, 1, 28, 28},
		{"ham64", 1024, 3, 64, 64},
	} {
		raw := make([]byte, s.n*s.c*s.h*s.w)
		r := rng.New(1)
		for i := range raw {
			raw[i] = byte(r.IntN(256))
		}
		p, err := NewPixels(raw, s.n, s.c, s.h, s.w)
		if err != nil {
			b.Fatal(err)
		}
		x := tensor.New(s.n, s.c, s.h, s.w)
		for i, v := range raw {
			x.Data[i] = float32(v) / 255
		}
		labels := make([]int, s.n)
		for form, d := range map[string]*Dataset{
			"pixels":  {Name: s.name, Pixels: p, Labels: labels, Classes: []string{"a"}},
			"float32": {Name: s.name, Images: x, Labels: labels, Classes: []string{"a"}},
		} {
			norm := ComputeNormalization(d)
			if err := norm.Apply(d); err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%s/%s", s.name, form), func(b *testing.B) {
				it, err := NewBatches(d, 64, true, rng.New(2))
				if err != nil {
					b.Fatal(err)
				}
				var batch Batch
				b.SetBytes(int64(64 * d.ExampleSize() * 4))
				b.ReportAllocs()
				for b.Loop() {
					if !it.Next(&batch) {
						it.Reset()
						it.Next(&batch)
					}
				}
			})
		}
	}
}
