//go:build amd64 && !purego

package vec

// The optimiser-step kernels in step_amd64.s take the settings as
// separate arguments, with 1 − β and the like worked out here, once. The
// AVX2 ones take a multiple of 8 elements; the Go code does the rest.

//go:noescape
func sgdAVX512(w, g []float32, lr, wd float32)

//go:noescape
func sgdMomentumAVX512(w, g, v []float32, lr, mu, wd float32, nesterov bool)

//go:noescape
func adamAVX512(w, g, m, v []float32, b1, c1, b2, c2, stepSize, root2, eps, decay, shrink float32, decoupled bool)

//go:noescape
func rmsPropAVX512(w, g, sq, buf []float32, lr, alpha, c, eps, mu, wd float32, momentum bool)

//go:noescape
func sgdAVX2x8(w, g []float32, lr, wd float32)

//go:noescape
func sgdMomentumAVX2x8(w, g, v []float32, lr, mu, wd float32, nesterov bool)

//go:noescape
func adamAVX2x8(w, g, m, v []float32, b1, c1, b2, c2, stepSize, root2, eps, decay, shrink float32, decoupled bool)

//go:noescape
func rmsPropAVX2x8(w, g, sq, buf []float32, lr, alpha, c, eps, mu, wd float32, momentum bool)

func sgdAVX512Step(w, g []float32, s SGDStep) {
	sgdAVX512(w, g, s.LR, s.WeightDecay)
}

func sgdMomentumAVX512Step(w, g, v []float32, s SGDStep) {
	sgdMomentumAVX512(w, g, v, s.LR, s.Momentum, s.WeightDecay, s.Nesterov)
}

func adamAVX512Step(w, g, m, v []float32, s AdamStep) {
	adamAVX512(w, g, m, v, s.Beta1, 1-s.Beta1, s.Beta2, 1-s.Beta2, s.StepSize, s.Root2, s.Eps, s.WeightDecay, s.Shrink, s.Decoupled)
}

func rmsPropAVX512Step(w, g, sq, buf []float32, s RMSPropStep) {
	rmsPropAVX512(w, g, sq, buf, s.LR, s.Alpha, 1-s.Alpha, s.Eps, s.Momentum, s.WeightDecay, s.Momentum != 0)
}

func sgdAVX2(w, g []float32, s SGDStep) {
	n := len(g) &^ 7
	sgdAVX2x8(w[:n], g[:n], s.LR, s.WeightDecay)
	sgdGo(w[n:], g[n:], s)
}

func sgdMomentumAVX2(w, g, v []float32, s SGDStep) {
	n := len(g) &^ 7
	sgdMomentumAVX2x8(w[:n], g[:n], v[:n], s.LR, s.Momentum, s.WeightDecay, s.Nesterov)
	sgdMomentumGo(w[n:], g[n:], v[n:], s)
}

func adamAVX2(w, g, m, v []float32, s AdamStep) {
	n := len(g) &^ 7
	adamAVX2x8(w[:n], g[:n], m[:n], v[:n], s.Beta1, 1-s.Beta1, s.Beta2, 1-s.Beta2, s.StepSize, s.Root2, s.Eps, s.WeightDecay, s.Shrink, s.Decoupled)
	adamGo(w[n:], g[n:], m[n:], v[n:], s)
}

// rmsPropAVX2 splits buf only where there is one: without momentum it
// may be nil.
func rmsPropAVX2(w, g, sq, buf []float32, s RMSPropStep) {
	n := len(g) &^ 7
	head, tail := buf, buf
	if s.Momentum != 0 {
		head, tail = buf[:n], buf[n:]
	}
	rmsPropAVX2x8(w[:n], g[:n], sq[:n], head, s.LR, s.Alpha, 1-s.Alpha, s.Eps, s.Momentum, s.WeightDecay, s.Momentum != 0)
	rmsPropGo(w[n:], g[n:], sq[n:], tail, s)
}
