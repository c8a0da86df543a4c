package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocnn/gocnn/internal/parallel"
)

// A testProduct is one test case: the arguments of an Sgemm call.
type testProduct struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
}

func (p *testProduct) String() string {
	return fmt.Sprintf("transA=%v transB=%v m=%d n=%d k=%d alpha=%g beta=%g lda=%d ldb=%d ldc=%d",
		p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.beta, p.lda, p.ldb, p.ldc)
}

// newProduct makes a testProduct of the given shape with random matrices.
// Leading dimensions get a random padding of 0 to 3 columns, and when
// beta is 0 the old C is all NaN, which must not leak into the result.
func newProduct(rng *rand.Rand, transA, transB bool, m, n, k int, alpha, beta float32) *testProduct {
	p := &testProduct{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta}
	rowsA, colsA := m, k
	if transA {
		rowsA, colsA = k, m
	}
	rowsB, colsB := k, n
	if transB {
		rowsB, colsB = n, k
	}
	p.lda = colsA + rng.IntN(4)
	p.ldb = colsB + rng.IntN(4)
	p.ldc = n + rng.IntN(4)
	p.a = randomMatrix(rng, rowsA, p.lda)
	p.b = randomMatrix(rng, rowsB, p.ldb)
	p.c = randomMatrix(rng, m, p.ldc)
	if beta == 0 {
		for i := range p.c {
			p.c[i] = float32(math.NaN())
		}
	}
	return p
}

// randomMatrix returns rows*ld values uniform in [-1, 1). The last row is
// cut to its used width when that is shorter, as callers' slices may be.
func randomMatrix(rng *rand.Rand, rows, ld int) []float32 {
	x := make([]float32, rows*ld)
	for i := range x {
		x[i] = 2*rng.Float32() - 1
	}
	return x
}

// reference computes the testProduct with a triple loop accumulating in
// float64, and for each element of C the scale of its error budget:
// |alpha| * sum over p of |a(i,p)*b(p,j)| + |beta*c(i,j)|.
func (p *testProduct) reference() (want, scale []float64) {
	want = make([]float64, p.m*p.n)
	scale = make([]float64, p.m*p.n)
	for i := 0; i < p.m; i++ {
		for j := 0; j < p.n; j++ {
			var sum, abs float64
			for q := 0; q < p.k; q++ {
				var aiq, bqj float32
				if p.transA {
					aiq = p.a[q*p.lda+i]
				} else {
					aiq = p.a[i*p.lda+q]
				}
				if p.transB {
					bqj = p.b[j*p.ldb+q]
				} else {
					bqj = p.b[q*p.ldb+j]
				}
				sum += float64(aiq) * float64(bqj)
				abs += math.Abs(float64(aiq) * float64(bqj))
			}
			alpha := float64(p.alpha)
			w, s := alpha*sum, math.Abs(alpha)*abs
			if p.beta != 0 {
				old := float64(p.beta) * float64(p.c[i*p.ldc+j])
				w += old
				s += math.Abs(old)
			}
			want[i*p.n+j], scale[i*p.n+j] = w, s
		}
	}
	return want, scale
}

// check runs sgemm on a copy of p's C and compares the result with the
// reference. Float32 sums of k terms are accurate to a few units of 2^-24
// times sqrt(k) relative to the sum of magnitudes (errors of random sign
// add up like a random walk); 1e-5*sqrt(k) leaves room for unlucky cases
// while still catching a single misplaced term.
func (p *testProduct) check(t *testing.T, sgemm func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)) {
	t.Helper()
	c := append([]float32(nil), p.c...)
	sgemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, c, p.ldc)
	want, scale := p.reference()
	tol := 1e-5 * math.Sqrt(float64(p.k)+1)
	for i := 0; i < p.m; i++ {
		for j := 0; j < p.ldc; j++ {
			got := c[i*p.ldc+j]
			if j >= p.n {
				// Padding beyond column n must be untouched.
				if old := p.c[i*p.ldc+j]; math.Float32bits(got) != math.Float32bits(old) {
					t.Fatalf("%v: c[%d][%d] (padding) changed from %g to %g", p, i, j, old, got)
				}
				continue
			}
			w, s := want[i*p.n+j], scale[i*p.n+j]
			if err := math.Abs(float64(got) - w); !(err <= tol*s+1e-30) {
				t.Fatalf("%v: c[%d][%d] = %g, want %g (error %.3g, allowed %.3g)", p, i, j, got, w, err, tol*s)
			}
		}
	}
}

// forEachKernel runs test as a subtest named after the kernel for every
// micro-kernel, skipping those this CPU cannot run.
func forEachKernel(t *testing.T, test func(t *testing.T, kern *microKernel)) {
	for _, kc := range allKernels() {
		t.Run(kc.kern.name, func(t *testing.T) {
			if !kc.supported {
				t.Skipf("this CPU cannot run the %s kernel", kc.kern.name)
			}
			test(t, kc.kern)
		})
	}
}

// tinyBlocks returns kern with tiny block sizes (k blocks of 8, two
// tiles of rows and of columns a block), which make small products cross
// k, m and n blocks and pack B.
func tinyBlocks(kern *microKernel) *microKernel {
	tiny := *kern
	tiny.kc, tiny.mc, tiny.nc = 8, 2*tiny.mr, 2*tiny.nr
	return &tiny
}

// kernelSgemm returns ws.sgemm bound to one micro-kernel.
func kernelSgemm(ws *Workspace, kern *microKernel) func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	return func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		ws.sgemm(kern, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
}

var (
	alphas = []float32{1, -0.5, 2}
	betas  = []float32{0, 1, 0.3}
)

// TestSgemmSmall runs every micro-kernel the CPU has through the driver on
// sizes from 1 to 67 in each dimension: every remainder of every tile
// shape. Each value of m, n and k occurs three times, and the 36
// combinations of transposes, alpha and beta take turns. Each product is
// computed twice: with the kernel's own block sizes (B is then read in
// place whenever it is not transposed) and with tiny ones, which make
// these small products cross k, m and n blocks and pack B.
func TestSgemmSmall(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kern *microKernel) {
		rng := rand.New(rand.NewPCG(1, 2))
		var ws Workspace
		sgemm, sgemmTiny := kernelSgemm(&ws, kern), kernelSgemm(&ws, tinyBlocks(kern))
		for i := 0; i < 3*67*3; i++ {
			dims := [3]int{1 + rng.IntN(67), 1 + rng.IntN(67), 1 + rng.IntN(67)}
			dims[i%3] = 1 + i/3%67
			combo := i % 36
			transA, transB := combo&1 != 0, combo&2 != 0
			alpha, beta := alphas[combo/4%3], betas[combo/12]
			p := newProduct(rng, transA, transB, dims[0], dims[1], dims[2], alpha, beta)
			p.check(t, sgemm)
			p.check(t, sgemmTiny)
		}
	})
}

// TestSgemmBlocks uses sizes that cross the kernels' k, m and n block
// boundaries, so that C is added to across k blocks and the packed blocks
// are refilled.
func TestSgemmBlocks(t *testing.T) {
	shapes := [][3]int{
		{350, 70, 530},  // several k blocks, several m blocks for most kernels
		{45, 90, 600},   // several k blocks with B read in place
		{20, 4200, 9},   // several n blocks
		{700, 33, 257},  // several m blocks, k just over a block
		{130, 4100, 20}, // several m and n blocks
		{6, 40, 256},    // a k block of exactly 256 (BZHI reads 8 bits of its index)
		{20, 33, 512},   // two such blocks
	}
	forEachKernel(t, func(t *testing.T, kern *microKernel) {
		rng := rand.New(rand.NewPCG(3, 4))
		var ws Workspace
		sgemm := kernelSgemm(&ws, kern)
		for i, s := range shapes {
			for combo := 0; combo < 4; combo++ {
				p := newProduct(rng, combo&1 != 0, combo&2 != 0, s[0], s[1], s[2], alphas[(i+combo)%3], betas[(i+combo)%3])
				p.check(t, sgemm)
			}
		}
	})
}

// TestSgemmDegenerate covers the products that multiply nothing: k = 0
// or alpha = 0 leave beta*C, and m = 0 or n = 0 touch nothing.
func TestSgemmDegenerate(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, beta := range betas {
		newProduct(rng, false, false, 5, 7, 0, 1, beta).check(t, Sgemm)
		newProduct(rng, true, true, 5, 7, 3, 0, beta).check(t, Sgemm)
	}
	Sgemm(false, false, 0, 5, 5, 1, nil, 5, make([]float32, 25), 5, 0, nil, 5)
	Sgemm(false, false, 5, 0, 5, 1, make([]float32, 25), 5, nil, 1, 0, nil, 1)
}

// TestKernels compares each micro-kernel, and each of its short variants,
// with referenceKernel on the same slivers: reading A and B both packed
// and in place (a larger stride), storing and accumulating, for every k
// from 1 to 67 and a few around the k block size.
func TestKernels(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kern *microKernel) {
		variants := append([]shortKernel{{kern.mr, kern.run}}, kern.short...)
		for _, v := range variants {
			testKernel(t, kern, v.rows, kern.nr, v.run)
		}
		for _, v := range kern.narrow {
			testKernel(t, kern, v.rows, kern.narrowCols, v.run)
		}
	})
}

func testKernel(t *testing.T, kern *microKernel, rows, cols int, run kernelFunc) {
	mr, nr := kern.mr, kern.nr
	reference := referenceKernel(rows, cols)
	rng := rand.New(rand.NewPCG(7, uint64(rows)))
	ks := []int{255, 256, 257, 300}
	for k := 1; k <= 67; k++ {
		ks = append(ks, k)
	}
	for _, k := range ks {
		for _, stride := range []int{0, 5} {
			aStride, bStride := mr+stride, nr+stride
			for _, accumulate := range []bool{false, true} {
				a := randomMatrix(rng, k, aStride)
				b := randomMatrix(rng, k, bStride)
				ldc := nr + 3
				c := randomMatrix(rng, mr, ldc)
				want := append([]float32(nil), c...)
				kern.runTile(run, rows, cols, k, a, aStride, b, bStride, c, ldc, accumulate)
				reference(k, a, aStride, b, bStride, want, ldc, accumulate)
				// Every value is at most 1 in magnitude, so k+1 bounds
				// sum |a||b| + |c|. Rows and columns beyond the kernel's
				// must be left alone: they compare equal to the
				// untouched want.
				tol := float32(1e-5*math.Sqrt(float64(k))) * float32(k+1)
				for i := range c {
					if d := c[i] - want[i]; d > tol || d < -tol || math.IsNaN(float64(d)) {
						t.Fatalf("%dx%d kernel, k=%d aStride=%d bStride=%d accumulate=%v: c[%d][%d] = %g, want %g",
							rows, cols, k, aStride, bStride, accumulate, i/ldc, i%ldc, c[i], want[i])
					}
				}
			}
		}
	}
}

// TestPackers compares each kernel's packing primitives with the portable
// ones, which are simple enough to check by reading: the results must be
// identical, including which elements of dst are left alone.
func TestPackers(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kern *microKernel) {
		rng := rand.New(rand.NewPCG(13, 14))
		const srcStride, dstLen = 70, 70 * 40
		src := randomMatrix(rng, 20, srcStride)
		got, want := make([]float32, dstLen), make([]float32, dstLen)
		reset := func() {
			for i := range got {
				got[i] = float32(i) // anything that is not a result
				want[i] = float32(i)
			}
		}
		compare := func(what string) {
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s: dst[%d] = %g, want %g", what, i, got[i], want[i])
				}
			}
		}
		for width := 1; width <= maxCopyWidth; width++ {
			for cols := 1; cols <= width; cols++ {
				for _, rows := range []int{1, 2, 7, 16} {
					reset()
					alpha := alphas[(width+cols)%3]
					kern.copyPanel(got[3:], width, src[5:], srcStride, rows, cols, alpha)
					packCopyGo(want[3:], width, src[5:], srcStride, rows, cols, alpha)
					compare(fmt.Sprintf("packCopy width=%d rows=%d cols=%d", width, rows, cols))
				}
			}
		}
		for width := 1; width <= maxTransposeWidth; width++ {
			for rows := 0; rows <= width; rows++ {
				for _, cols := range []int{1, 2, 5, 15, 16, 17, 31, 32, 33, 40} {
					reset()
					alpha := alphas[(rows+cols)%3]
					kern.transposePanel(got[3:], width+2, width, src[5:], srcStride, rows, cols, alpha)
					packTransposeGo(want[3:], width+2, width, src[5:], srcStride, rows, cols, alpha)
					compare(fmt.Sprintf("packTranspose width=%d rows=%d cols=%d", width, rows, cols))
				}
			}
		}
	})
}

// TestEngineDeterministic checks that Engine.Sgemm gives bit-for-bit the
// Workspace's result with 1, 2 and 3 workers, for shapes that split by
// rows, by columns and not at all.
func TestEngineDeterministic(t *testing.T) {
	shapes := [][3]int{
		{32, 676, 9}, {64, 576, 288}, {64, 288, 576}, {288, 576, 64},
		{64, 128, 700}, {64, 10, 128}, {1, 1, 1}, {257, 130, 300}, {15, 33, 17},
		{3, 5000, 40}, {1000, 5, 200}, {100, 1100, 9}, {1000, 1000, 1},
	}
	rng := rand.New(rand.NewPCG(9, 10))
	var ws Workspace
	for _, workers := range []int{1, 2, 3} {
		pool := parallel.New(workers)
		e := NewEngine(pool)
		e.minFlops = 0 // split even the small products
		for i, s := range shapes {
			combo := i % 4
			p := newProduct(rng, combo&1 != 0, combo&2 != 0, s[0], s[1], s[2], alphas[i%3], betas[i%3])
			want := append([]float32(nil), p.c...)
			ws.Sgemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, want, p.ldc)
			got := append([]float32(nil), p.c...)
			e.Sgemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, got, p.ldc)
			for j := range got {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Fatalf("%d workers, %v: c[%d] = %g, Workspace gives %g", workers, p, j, got[j], want[j])
				}
			}
		}
		pool.Close()
	}
}

// TestNoAllocs checks that a warmed Workspace, and an Engine, allocate
// nothing per product, for the product that warmed them and for smaller
// ones, including ones blocked or split differently.
func TestNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	big := newProduct(rng, false, true, 520, 700, 600, 1, 0.5)
	smaller := []*testProduct{
		big,
		newProduct(rng, false, false, 32, 676, 9, 1, 0),   // B read in place
		newProduct(rng, true, false, 288, 576, 64, 1, 1),  // one k block
		newProduct(rng, false, true, 64, 10, 128, 2, 0),   // narrower than a tile
		newProduct(rng, false, true, 168, 256, 256, 1, 0), // one whole m block, one whole k block
		newProduct(rng, true, true, 400, 600, 512, 1, 0),  // split by rows, not columns
	}
	type sgemmFunc = func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	call := func(sgemm sgemmFunc, p *testProduct) {
		sgemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, p.c, p.ldc)
	}
	var ws Workspace
	pool := parallel.New(2)
	defer pool.Close()
	e := NewEngine(pool)
	for _, tc := range []struct {
		name  string
		sgemm sgemmFunc
	}{{"Workspace", ws.Sgemm}, {"Engine", e.Sgemm}} {
		call(tc.sgemm, big)
		for _, p := range smaller {
			if allocs := testing.AllocsPerRun(5, func() { call(tc.sgemm, p) }); allocs != 0 {
				t.Errorf("%s: %v: %v allocations per call, want 0", tc.name, p, allocs)
			}
		}
	}
}

// TestKernelName checks that Kernel names the kernel the driver uses.
func TestKernelName(t *testing.T) {
	switch Kernel() {
	case "avx512", "avx2", "purego":
	default:
		t.Fatalf("Kernel() = %q", Kernel())
	}
	for _, kc := range allKernels() {
		if kc.kern.name == Kernel() && !kc.supported {
			t.Fatalf("Kernel() = %q, which this CPU does not support", Kernel())
		}
	}
	t.Logf("kernel: %s", Kernel())
}

// TestComputedCountsTiles checks Computed's arithmetic against the driver
// itself: every kernel is swapped for one that only counts the elements
// of C it would compute, and a product of every shape is run through it.
func TestComputedCountsTiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, kc := range allKernels() {
		counted := 0
		counter := func(rows, cols int) kernelFunc {
			return func(int, []float32, int, []float32, int, []float32, int, bool) { counted += rows * cols }
		}
		kern := *kc.kern
		kern.run = counter(kern.mr, kern.nr)
		kern.short = nil
		for _, s := range kc.kern.short {
			kern.short = append(kern.short, shortKernel{s.rows, counter(s.rows, kern.nr)})
		}
		kern.narrow = nil
		for _, s := range kc.kern.narrow {
			kern.narrow = append(kern.narrow, shortKernel{s.rows, counter(s.rows, kern.narrowCols)})
		}
		kern.packCopy, kern.packTranspose = packCopyGo, packTransposeGo
		for trial := 0; trial < 200; trial++ {
			m, n := 1+rng.IntN(600), 1+rng.IntN(600)
			if trial < 67 {
				m, n = 1+trial, 67-trial
			}
			transB := trial%2 == 1
			a, b, ldb := randomMatrix(rng, m, 3), randomMatrix(rng, 3, n), n
			if transB {
				b, ldb = randomMatrix(rng, n, 3), 3
			}
			counted = 0
			var ws Workspace
			ws.sgemm(&kern, false, transB, m, n, 3, 1, a, 3, b, ldb, 0, make([]float32, m*n), n)
			if want := kern.computed(m, n); counted != want {
				t.Fatalf("%s kernel, %d×%d: the driver computed %d elements, computed says %d", kern.name, m, n, counted, want)
			}
			if counted < m*n {
				t.Fatalf("%s kernel, %d×%d: only %d elements computed", kern.name, m, n, counted)
			}
		}
	}
}
