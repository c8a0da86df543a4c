package vec

// The optimisers' update rules, each fused into one pass over its slices.
//
// An optimiser step reads and writes several numbers per parameter (the
// weight, its gradient, one or two running averages) and does only a few
// operations on them, so its speed is that of memory. Done as a series of
// vector operations (scale this, add that) it would go over the slices
// several times; done here, it reads each slice once and writes each
// output once.
//
// Each rule is given as the exact sequence of float32 operations it
// performs: every product, quotient, sum and square root is rounded to
// float32 before the next operation uses it, so the results are the same
// on every implementation, and the same as a plain Go loop that converts
// each product with float32(...) to stop the compiler fusing it into a
// multiply-add.

// SGDStep is the setting of one step of stochastic gradient descent: the
// learning rate, momentum and L2 weight decay of optim.SGD.
type SGDStep struct {
	LR          float32
	Momentum    float32 // 0 for plain SGD, without a velocity
	WeightDecay float32
	Nesterov    bool // look ahead along the momentum
}

// SGD moves the weights w one step against their gradients g. For each i,
// with v the velocity (momentum buffer):
//
//	d = g + WeightDecay·w
//	v = Momentum·v + d                                 (if Momentum ≠ 0)
//	d = d + Momentum·v (Nesterov) or d = v (classical)  (if Momentum ≠ 0)
//	w = w − LR·d
//
// each operation rounded to float32 as it is written, left to right. v is
// updated in place. With Momentum 0, v is neither read nor written and may
// be nil; otherwise it must be as long as w and g.
func SGD(w, g, v []float32, s SGDStep) {
	sameLen("SGD", "w", len(w), "g", len(g))
	if s.Momentum == 0 {
		active.sgd(w, g, s)
		return
	}
	sameLen("SGD", "w", len(w), "v", len(v))
	active.sgdMomentum(w, g, v, s)
}

// AdamStep is the setting of one step of Adam or AdamW (optim.Adam) at
// step t. The bias corrections come in precomputed, since they depend on
// t: StepSize is the learning rate divided by 1 − β₁ᵗ, and Root2 is
// √(1 − β₂ᵗ).
type AdamStep struct {
	Beta1, Beta2 float32 // decay rates of the running averages m and v
	StepSize     float32 // LR / (1 − β₁ᵗ)
	Root2        float32 // √(1 − β₂ᵗ)
	Eps          float32

	// Weight decay, as Adam's L2 term (WeightDecay, added to the
	// gradient) or, with Decoupled, as AdamW's (every weight multiplied by
	// Shrink = 1 − LR·WeightDecay before the step). Only one is used.
	WeightDecay float32
	Decoupled   bool
	Shrink      float32
}

// Adam moves the weights w one step, updating the running averages m (of
// the gradient) and v (of its square) in place. For each i:
//
//	w = Shrink·w   (Decoupled)   or   g = g + WeightDecay·w   (not)
//	m = Beta1·m + (1 − Beta1)·g
//	v = Beta2·v + ((1 − Beta2)·g)·g
//	w = w − (StepSize·m) / (√v / Root2 + Eps)
//
// each operation rounded to float32 as it is written, left to right;
// 1 − Beta1 and 1 − Beta2 are computed once, in float32, and √ is the
// correctly rounded float32 square root. All four slices must have the
// same length.
func Adam(w, g, m, v []float32, s AdamStep) {
	sameLen("Adam", "w", len(w), "g", len(g))
	sameLen("Adam", "w", len(w), "m", len(m))
	sameLen("Adam", "w", len(w), "v", len(v))
	active.adam(w, g, m, v, s)
}

// RMSPropStep is the setting of one step of RMSProp (optim.RMSProp).
type RMSPropStep struct {
	LR          float32
	Alpha       float32 // decay rate of the running average of g²
	Eps         float32
	Momentum    float32 // 0 for none, and then no momentum buffer
	WeightDecay float32
}

// RMSProp moves the weights w one step, updating the running average sq
// of the squared gradient and the momentum buffer buf in place. For each
// i:
//
//	g = g + WeightDecay·w
//	sq = Alpha·sq + ((1 − Alpha)·g)·g
//	d = g / (√sq + Eps)
//	buf = Momentum·buf + d;  d = buf     (if Momentum ≠ 0)
//	w = w − LR·d
//
// each operation rounded to float32 as it is written, left to right;
// 1 − Alpha is computed once, in float32. With Momentum 0, buf is neither
// read nor written and may be nil; otherwise it must be as long as w.
func RMSProp(w, g, sq, buf []float32, s RMSPropStep) {
	sameLen("RMSProp", "w", len(w), "g", len(g))
	sameLen("RMSProp", "w", len(w), "sq", len(sq))
	if s.Momentum != 0 {
		sameLen("RMSProp", "w", len(w), "buf", len(buf))
	}
	active.rmsProp(w, g, sq, buf, s)
}
