package optim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/tensor"
)

// The update rules written out as plain scalar loops, in the order of
// operations the optimisers document: each product is converted to
// float32 (which forbids the compiler to fuse it with the addition after
// it), and the hyperparameters are turned into float32 as Step turns
// them. The optimisers run on vector kernels; TestStepsMatchScalarRules
// checks that they give exactly these bits.

func refSGD(s *SGD, w, g, v []float32) {
	lr, mu, wd := float32(s.Rate), float32(s.Momentum), float32(s.WeightDecay)
	for j := range w {
		d := g[j] + float32(wd*w[j])
		if mu != 0 {
			v[j] = float32(mu*v[j]) + d
			if s.Nesterov {
				d += float32(mu * v[j])
			} else {
				d = v[j]
			}
		}
		w[j] -= float32(lr * d)
	}
}

func refAdam(a *Adam, t int, w, g, m, v []float32) {
	c1 := 1 - math.Pow(a.Beta1, float64(t))
	c2 := 1 - math.Pow(a.Beta2, float64(t))
	b1, b2 := float32(a.Beta1), float32(a.Beta2)
	stepSize := float32(a.Rate / c1)
	root2 := float32(math.Sqrt(c2))
	eps, decay := float32(a.Eps), float32(a.WeightDecay)
	shrink := float32(1 - a.Rate*a.WeightDecay)
	for j := range w {
		gj := g[j]
		if a.Decoupled {
			w[j] = float32(w[j] * shrink)
		} else {
			gj += float32(decay * w[j])
		}
		m[j] = float32(b1*m[j]) + float32((1-b1)*gj)
		v[j] = float32(b2*v[j]) + float32(float32((1-b2)*gj)*gj)
		den := float32(math.Sqrt(float64(v[j])))/root2 + eps
		w[j] -= float32(stepSize*m[j]) / den
	}
}

func refRMSProp(r *RMSProp, w, g, s, b []float32) {
	lr, alpha, eps := float32(r.Rate), float32(r.Alpha), float32(r.Eps)
	mu, decay := float32(r.Momentum), float32(r.WeightDecay)
	for j := range w {
		gj := g[j] + float32(decay*w[j])
		s[j] = float32(alpha*s[j]) + float32(float32((1-alpha)*gj)*gj)
		d := gj / (float32(math.Sqrt(float64(s[j]))) + eps)
		if mu != 0 {
			b[j] = float32(mu*b[j]) + d
			d = b[j]
		}
		w[j] -= float32(lr * d)
	}
}

// refRun is a scalar copy of one optimiser: the parameters' values, their
// state buffers by State's names, and a step function.
type refRun struct {
	w     [][]float32
	state map[string][]float32
	step  func(t int, g [][]float32)
}

// refParamSizes are the sizes of the test's parameters: odd lengths, to
// reach the kernels' tails, 4,380 values in all.
var refParamSizes = []int{1, 7, 16, 33, 1000, 3323}

// TestStepsMatchScalarRules runs every optimiser for three steps on a few
// thousand random parameters, with fresh random gradients each step, and
// checks that the weights and every state buffer equal the scalar rule's
// bit for bit after each step.
func TestStepsMatchScalarRules(t *testing.T) {
	type maker func([]*nn.Param) (Optimizer, func(w [][]float32) refRun)
	cases := map[string]maker{}
	for _, c := range []struct {
		name         string
		rate, mu, wd float64
		nesterov     bool
	}{
		{"sgd", 0.1, 0, 0, false},
		{"sgd-decay", 0.1, 0, 0.01, false},
		{"sgd-momentum", 0.05, 0.9, 0, false},
		{"sgd-momentum-decay", 0.05, 0.9, 5e-4, false},
		{"sgd-nesterov-decay", 0.05, 0.9, 5e-4, true},
	} {
		cases[c.name] = func(p []*nn.Param) (Optimizer, func([][]float32) refRun) {
			s := NewSGD(p, c.rate, c.mu)
			s.Nesterov, s.WeightDecay = c.nesterov, c.wd
			return s, func(w [][]float32) refRun {
				v := buffers(s.params)
				run := refRun{w: w, state: map[string][]float32{}}
				addState(State{Buffers: run.state}, "momentum", s.params, v)
				run.step = func(_ int, g [][]float32) {
					for i := range w {
						refSGD(s, w[i], g[i], v[i])
					}
				}
				return run
			}
		}
	}
	for _, c := range []struct {
		name      string
		wd        float64
		decoupled bool
	}{
		{"adam", 0, false},
		{"adam-decay", 0.01, false},
		{"adamw", 0.05, true},
	} {
		cases[c.name] = func(p []*nn.Param) (Optimizer, func([][]float32) refRun) {
			a := NewAdam(p, 0.01)
			a.WeightDecay, a.Decoupled = c.wd, c.decoupled
			return a, func(w [][]float32) refRun {
				m, v := buffers(a.params), buffers(a.params)
				run := refRun{w: w, state: map[string][]float32{}}
				addState(State{Buffers: run.state}, "m", a.params, m)
				addState(State{Buffers: run.state}, "v", a.params, v)
				run.step = func(t int, g [][]float32) {
					for i := range w {
						refAdam(a, t, w[i], g[i], m[i], v[i])
					}
				}
				return run
			}
		}
	}
	for _, c := range []struct {
		name   string
		mu, wd float64
	}{
		{"rmsprop", 0, 0},
		{"rmsprop-momentum-decay", 0.9, 1e-3},
	} {
		cases[c.name] = func(p []*nn.Param) (Optimizer, func([][]float32) refRun) {
			r := NewRMSProp(p, 0.01)
			r.Momentum, r.WeightDecay = c.mu, c.wd
			return r, func(w [][]float32) refRun {
				s, b := buffers(r.params), buffers(r.params)
				run := refRun{w: w, state: map[string][]float32{}}
				addState(State{Buffers: run.state}, "square_avg", r.params, s)
				addState(State{Buffers: run.state}, "momentum", r.params, b)
				run.step = func(_ int, g [][]float32) {
					for i := range w {
						refRMSProp(r, w[i], g[i], s[i], b[i])
					}
				}
				return run
			}
		}
	}

	for name, newOpt := range cases {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(len(name))))
			var params []*nn.Param
			var w [][]float32
			for i, n := range refParamSizes {
				p := &nn.Param{Name: fmt.Sprint(i), Value: tensor.New(n), Grad: tensor.New(n)}
				for j := range p.Value.Data {
					p.Value.Data[j] = float32(rng.NormFloat64() * 0.1)
				}
				params = append(params, p)
				w = append(w, append([]float32(nil), p.Value.Data...))
			}
			opt, newRef := newOpt(params)
			ref := newRef(w)
			for step := 1; step <= 3; step++ {
				g := make([][]float32, len(params))
				for i, p := range params {
					for j := range p.Grad.Data {
						// Gradients of many sizes, so that weight decay,
						// momentum and the averages all show in the bits.
						p.Grad.Data[j] = float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(16)-12)))
					}
					g[i] = append([]float32(nil), p.Grad.Data...)
				}
				opt.Step()
				ref.step(step, g)
				for i, p := range params {
					compareBits(t, fmt.Sprintf("step %d: weights of parameter %d", step, i), p.Value.Data, ref.w[i])
				}
				got := opt.State().Buffers
				if len(got) != len(ref.state) {
					t.Fatalf("step %d: %d state buffers, the reference has %d", step, len(got), len(ref.state))
				}
				for key, want := range ref.state {
					compareBits(t, fmt.Sprintf("step %d: state %s", step, key), got[key], want)
				}
			}
		})
	}
}

// compareBits fails the test unless got and want hold the same float32s,
// bit for bit.
func compareBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for j := range want {
		if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
			t.Fatalf("%s: element %d is %v (%#08x), the scalar rule gives %v (%#08x)",
				what, j, got[j], math.Float32bits(got[j]), want[j], math.Float32bits(want[j]))
		}
	}
}
