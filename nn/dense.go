package nn

import (
	"fmt"

	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// Dense is a fully connected layer (PyTorch's Linear): every output is a
// weighted sum of every input plus a bias. For a batch X of shape [N, In],
//
//	Y = X·Wᵀ + b        W is [Out, In], b is [Out], Y is [N, Out]
//
// and, given dY = ∂L/∂Y, the backward pass is
//
//	∂L/∂W = dYᵀ·X       (sum over the batch of outer products)
//	∂L/∂b = Σₙ dY[n]
//	∂L/∂X = dY·W
//
// All three products run on the matrix-multiply kernel. In evaluation the
// layer keeps Wᵀ, [In, Out], made once from the weights (see derived), so
// that the product reads it row by row where it lies: otherwise every
// batch transposes W again, which at batch 1 costs more than the
// product, a matrix times one vector.
type Dense struct {
	In   int  // inputs per example; 0 means take it from the input shape
	Out  int  // outputs per example
	Init Init // how to draw the starting weights

	weight, bias *Param
	env          *Env
	needDX       bool
	x            *tensor.Tensor // the last input, kept for the backward pass
	y, dx        tensor.Tensor
	wT           []float32 // Wᵀ, [In, Out], for evaluation
	wTFrom       derived   // the weights wT holds
}

// NewDense returns a dense layer with out outputs; its number of inputs is
// taken from the model.
func NewDense(out int) *Dense { return &Dense{Out: out} }

// Kind returns "dense".
func (d *Dense) Kind() string { return "dense" }

func (d *Dense) multiplyAdds() (forward, train int64) {
	forward = int64(d.In) * int64(d.Out)
	return forward, trainingMultiplyAdds(forward, d.needDX)
}

// Build checks that in is a flat vector of d.In numbers (if set) and
// allocates the parameters.
func (d *Dense) Build(in []int, env *Env) ([]int, error) {
	if d.Out <= 0 {
		return nil, fmt.Errorf("needs a positive number of outputs, got %d", d.Out)
	}
	if len(in) != 1 {
		return nil, fmt.Errorf("needs a flat input, got %s (put a flatten layer before it)", tensor.ShapeString(in))
	}
	if d.In != 0 && d.In != in[0] {
		return nil, fmt.Errorf("expects %d inputs, got %d", d.In, in[0])
	}
	d.In = in[0]
	d.weight = newParam("weight", d.Out, d.In)
	d.bias = newParam("bias", d.Out)
	d.env, d.needDX = env, env.NeedInputGrad
	return []int{d.Out}, nil
}

// InitWeights draws the weights; the bias starts at zero.
func (d *Dense) InitWeights(auto Init, r *rng.RNG) {
	d.Init.resolve(auto).fill(d.weight.Value.Data, d.In, d.Out, r)
	d.bias.Value.Zero()
}

// Params returns the weight [Out, In] and the bias [Out].
func (d *Dense) Params() []*Param { return []*Param{d.weight, d.bias} }

// Forward computes Y = X·Wᵀ + b.
func (d *Dense) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	n := x.Shape[0]
	d.x = x
	d.y.Resize(n, []int{d.Out})
	y, b := d.y.Data, d.bias.Value.Data
	// Start every row of Y at the bias, then add X·Wᵀ onto it (beta = 1).
	for i := 0; i < n; i++ {
		copy(y[i*d.Out:(i+1)*d.Out], b)
	}
	w := d.weight.Value.Data
	if train {
		d.env.gemm.Sgemm(false, true, n, d.Out, d.In, 1, x.Data, d.In, w, d.In, 1, y, d.Out)
		return &d.y
	}
	if d.wTFrom.stale(d.env, train, w) {
		if len(d.wT) != len(w) {
			d.wT = make([]float32, len(w))
		}
		for o := range d.Out {
			for i, v := range w[o*d.In : (o+1)*d.In] {
				d.wT[i*d.Out+o] = v
			}
		}
	}
	d.env.gemm.Sgemm(false, false, n, d.Out, d.In, 1, x.Data, d.In, d.wT, d.Out, 1, y, d.Out)
	return &d.y
}

// Backward sets ∂L/∂W and ∂L/∂b and returns ∂L/∂X.
func (d *Dense) Backward(dy *tensor.Tensor) *tensor.Tensor {
	n := dy.Shape[0]
	g := d.env.gemm
	// ∂L/∂W = dYᵀ·X: [Out, N]·[N, In].
	g.Sgemm(true, false, d.Out, d.In, n, 1, dy.Data, d.Out, d.x.Data, d.In, 0, d.weight.Grad.Data, d.In)
	// ∂L/∂b: add up dY's rows.
	db := d.bias.Grad.Data
	clear(db)
	for i := 0; i < n; i++ {
		for j, v := range dy.Data[i*d.Out : (i+1)*d.Out] {
			db[j] += v
		}
	}
	if !d.needDX {
		return nil
	}
	// ∂L/∂X = dY·W: [N, Out]·[Out, In].
	d.dx.Resize(n, []int{d.In})
	g.Sgemm(false, false, n, d.In, d.Out, 1, dy.Data, d.Out, d.weight.Value.Data, d.In, 0, d.dx.Data, d.In)
	return &d.dx
}
