//go:build amd64 && !purego

package gemm

import "testing"

// A kernelCase is a micro-kernel and whether this CPU can run it.
type kernelCase struct {
	kern      *microKernel
	supported bool
}

func allKernels() []kernelCase {
	return []kernelCase{
		{&avx512Kernel, hasAVX512},
		{&avx2Kernel, hasAVX2},
		{&goKernel, true},
	}
}

// BenchmarkPeakFMA measures one core's fused multiply-add peak: a loop of
// independent FMAs and nothing else. The GFLOP/s of BenchmarkSgemm/*/single
// divided by this is the fraction of peak a product reaches.
func BenchmarkPeakFMA(b *testing.B) {
	const iterations = 1 << 16
	peaks := []struct {
		name      string
		supported bool
		loop      func(int)
		flops     int // per trip round the loop
	}{
		{"avx512", hasAVX512, peakFMAAVX512, 24 * 16 * 2},
		{"avx2", hasAVX2, peakFMAAVX2, 12 * 8 * 2},
	}
	for _, p := range peaks {
		b.Run(p.name, func(b *testing.B) {
			if !p.supported {
				b.Skipf("this CPU cannot run the %s loop", p.name)
			}
			for b.Loop() {
				p.loop(iterations)
			}
			b.ReportMetric(float64(p.flops)*iterations*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
