package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSgemmPacked checks that a product with A packed once (PackedA,
// SgemmPacked) gives the bits of Sgemm with A itself, for every kernel
// the CPU has, with its own block sizes and with tiny ones (several k and
// m blocks), every combination of transposes, alpha and beta, ragged
// slivers, and C narrow enough that Sgemm reads a transposed A in place.
// One packed A then serves a second B, as the callers use it.
func TestSgemmPacked(t *testing.T) {
	shapes := [][3]int{{1, 1, 1}, {14, 32, 32}, {37, 20, 45}, {128, 126, 128}, {45, 90, 600}, {300, 200, 70}, {9, 256, 300}}
	forEachKernel(t, func(t *testing.T, own *microKernel) {
		rng := rand.New(rand.NewPCG(13, 14))
		var ws Workspace
		var packed PackedA
		for _, kern := range []*microKernel{own, tinyBlocks(own)} {
			for i, s := range shapes {
				for combo := range 12 {
					transA, transB := combo&1 != 0, combo&2 != 0
					alpha, beta := alphas[(i+combo)%3], betas[combo/4]
					p := newProduct(rng, transA, transB, s[0], s[1], s[2], alpha, beta)
					packed.pack(kern, transA, p.m, p.k, alpha, p.a, p.lda)
					for _, b := range [][]float32{p.b, randomMatrix(rng, len(p.b)/p.ldb, p.ldb)} {
						want := append([]float32(nil), p.c...)
						ws.sgemm(kern, transA, transB, p.m, p.n, p.k, alpha, p.a, p.lda, b, p.ldb, beta, want, p.ldc)
						got := append([]float32(nil), p.c...)
						ws.SgemmPacked(&packed, transB, p.n, b, p.ldb, beta, got, p.ldc)
						for j := range want {
							if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
								t.Fatalf("%s, %v: c[%d] = %g packed, %g from A itself", kern.name, p, j, got[j], want[j])
							}
						}
					}
				}
			}
		}
	})
}

// TestPackedLayout checks that PackedLayout says where Pack puts each
// value, for every kernel the CPU has, with its own block sizes and with
// tiny ones (several k blocks), either transpose and ragged slivers: the
// values written there, with zeros elsewhere, are Pack's bits, and an
// operand adopted from them multiplies as the packed one does.
func TestPackedLayout(t *testing.T) {
	shapes := [][2]int{{1, 1}, {14, 32}, {37, 45}, {128, 128}, {45, 600}, {9, 300}}
	forEachKernel(t, func(t *testing.T, own *microKernel) {
		rng := rand.New(rand.NewPCG(15, 16))
		var ws Workspace
		for _, kern := range []*microKernel{own, tinyBlocks(own)} {
			for _, s := range shapes {
				for _, transA := range []bool{false, true} {
					m, k := s[0], s[1]
					p := newProduct(rng, transA, false, m, 7, k, 0.5, 0)
					var packed, adopted PackedA
					packed.pack(kern, transA, m, k, 0.5, p.a, p.lda)
					size, index := kern.packedLayout(m, k)
					data := make([]float32, size)
					for i := range m {
						for j := range k {
							v := p.a[i*p.lda+j]
							if transA {
								v = p.a[j*p.lda+i]
							}
							data[index[i*k+j]] = 0.5 * v
						}
					}
					if len(packed.data) != size {
						t.Fatalf("%s, %dx%d: Pack wrote %d values, PackedLayout says %d", kern.name, m, k, len(packed.data), size)
					}
					for i := range data {
						if math.Float32bits(data[i]) != math.Float32bits(packed.data[i]) {
							t.Fatalf("%s, %dx%d, transA %v: packed value %d is %g, PackedLayout puts %g there", kern.name, m, k, transA, i, packed.data[i], data[i])
						}
					}
					adopted.adopt(kern, m, k, data)
					want, got := append([]float32(nil), p.c...), append([]float32(nil), p.c...)
					ws.SgemmPacked(&packed, false, p.n, p.b, p.ldb, 0, want, p.ldc)
					ws.SgemmPacked(&adopted, false, p.n, p.b, p.ldb, 0, got, p.ldc)
					for j := range want {
						if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
							t.Fatalf("%s, %dx%d: c[%d] = %g adopted, %g packed", kern.name, m, k, j, got[j], want[j])
						}
					}
				}
			}
		}
	})
}

// TestSgemmPackedUnpacked checks that SgemmPacked refuses an operand
// that was never packed rather than multiply by nothing.
func TestSgemmPackedUnpacked(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("SgemmPacked of a zero PackedA did not panic")
		}
	}()
	var ws Workspace
	ws.SgemmPacked(&PackedA{}, false, 1, []float32{1}, 1, 0, []float32{0}, 1)
}
