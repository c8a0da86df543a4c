package nn

import (
	"fmt"
	"math"

	"github.com/gocnn/gocnn/internal/vec"
	"github.com/gocnn/gocnn/tensor"
)

// MaxPool2D keeps the largest value of each KH×KW window, channel by
// channel, moving the window by the stride (which defaults to the window
// size, so windows do not overlap). Windows that would run past the edge
// of the input are dropped, as in PyTorch: a 2×2 pool of a 7×7 map gives
// 3×3.
//
// The output depends only on the winning input of each window, so the
// backward pass sends each output's gradient to the position that won and
// nothing to the rest. Forward remembers those positions.
//
// A max-pool followed by a ReLU (and a ReLU followed by a max-pool, which
// Sequential runs in that order: see poolBeforeReLU) runs with it as one
// layer (poolReLU, or a convPool's ReLU): each pooled plane goes through
// the ReLU as soon as it is made, while it is in the cache, and in the
// backward pass each gradient is dropped where the ReLU stopped it as it
// is sent to its winner, instead of in passes of their own over the batch.
type MaxPool2D struct {
	KH, KW           int // window
	StrideH, StrideW int // step; 0 means the window size

	geom     convGeom
	outShape []int
	env      *Env
	x        *tensor.Tensor
	y, dx    tensor.Tensor
	dy       *tensor.Tensor
	argmax   []int32 // per output: the index of the winner within its image plane
	relu     bool    // whether the last Forward applied a ReLU to the pooled values
	fwd, bwd func(worker, lo, hi int)
}

// NewMaxPool2D returns a k×k max-pool with stride k.
func NewMaxPool2D(k int) *MaxPool2D { return &MaxPool2D{KH: k, KW: k} }

// Kind returns "maxpool2d".
func (m *MaxPool2D) Kind() string { return "maxpool2d" }

// Build checks that the window fits the image.
func (m *MaxPool2D) Build(in []int, env *Env) ([]int, error) {
	if m.StrideH == 0 {
		m.StrideH = m.KH
	}
	if m.StrideW == 0 {
		m.StrideW = m.KW
	}
	switch {
	case m.KH <= 0 || m.KW <= 0 || m.StrideH <= 0 || m.StrideW <= 0:
		return nil, fmt.Errorf("needs a positive window and stride, got window %dx%d, stride %dx%d", m.KH, m.KW, m.StrideH, m.StrideW)
	case len(in) != 3:
		return nil, fmt.Errorf("needs an image input [channels height width], got %s", tensor.ShapeString(in))
	case in[1] < m.KH || in[2] < m.KW:
		return nil, fmt.Errorf("window %dx%d is larger than the input %dx%d", m.KH, m.KW, in[1], in[2])
	}
	g := convGeom{c: in[0], h: in[1], w: in[2], kh: m.KH, kw: m.KW, strideH: m.StrideH, strideW: m.StrideW}
	g.oh = outSize(g.h, g.kh, g.strideH, 0)
	g.ow = outSize(g.w, g.kw, g.strideW, 0)
	m.geom = g
	m.outShape = []int{g.c, g.oh, g.ow}
	m.env = env
	m.fwd, m.bwd = m.forwardPlanes, m.backwardPlanes
	return m.outShape, nil
}

// Params returns nil: pooling has no parameters.
func (m *MaxPool2D) Params() []*Param { return nil }

// Forward pools every channel of every image.
func (m *MaxPool2D) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	return m.forward(x, false)
}

// forward is Forward, with a ReLU applied to the pooled values when relu
// is true.
func (m *MaxPool2D) forward(x *tensor.Tensor, relu bool) *tensor.Tensor {
	m.x = x
	m.begin(x.Shape[0], relu)
	m.env.For(x.Shape[0]*m.geom.c, m.fwd)
	return &m.y
}

// begin readies the output and the winners' positions for a batch of n,
// pooled with the ReLU after it if relu.
func (m *MaxPool2D) begin(n int, relu bool) {
	m.relu = relu
	m.y.Resize(n, m.outShape)
	if need := len(m.y.Data); cap(m.argmax) < need {
		m.argmax = make([]int32, need)
	}
	m.argmax = m.argmax[:len(m.y.Data)]
}

// poolImage pools x, image n of the batch ([C, H, W]), into its place in
// the output: what Forward does for one image, given the image from
// elsewhere than the batch (a fused convolution's scratch memory).
func (m *MaxPool2D) poolImage(n int, x []float32) {
	inPlane := m.geom.h * m.geom.w
	for c := range m.geom.c {
		y, arg := m.outPlane(n*m.geom.c + c)
		m.poolPlane(x[c*inPlane:(c+1)*inPlane], y, arg)
	}
}

// unpoolImage writes the input gradient of image n into dx ([C, H, W]):
// what Backward does for one image, into memory of the caller's.
func (m *MaxPool2D) unpoolImage(n int, dx []float32) {
	inPlane := m.geom.h * m.geom.w
	for c := range m.geom.c {
		m.unpoolPlane(dx[c*inPlane:(c+1)*inPlane], n*m.geom.c+c)
	}
}

// outPlane returns plane pl of the output and of the winners' positions.
func (m *MaxPool2D) outPlane(pl int) (y []float32, arg []int32) {
	size := m.geom.oh * m.geom.ow
	return m.y.Data[pl*size : (pl+1)*size], m.argmax[pl*size : (pl+1)*size]
}

// gradPlane returns plane pl of the output's gradient and of the winners'
// positions.
func (m *MaxPool2D) gradPlane(pl int) (dy []float32, arg []int32) {
	size := m.geom.oh * m.geom.ow
	return m.dy.Data[pl*size : (pl+1)*size], m.argmax[pl*size : (pl+1)*size]
}

// forwardPlanes pools the image planes (one channel of one image) [lo, hi).
func (m *MaxPool2D) forwardPlanes(_, lo, hi int) {
	inPlane := m.geom.h * m.geom.w
	for pl := lo; pl < hi; pl++ {
		y, arg := m.outPlane(pl)
		m.poolPlane(m.x.Data[pl*inPlane:(pl+1)*inPlane], y, arg)
	}
}

// poolPlane pools one image plane x into y, and the position of each
// output's winner in x into arg, then applies the fused ReLU, if any.
func (m *MaxPool2D) poolPlane(x, y []float32, arg []int32) {
	m.pool(x, y, arg)
	if m.relu {
		vec.Relu(y, y)
	}
}

// pool is poolPlane without the ReLU.
func (m *MaxPool2D) pool(x, y []float32, arg []int32) {
	g := &m.geom
	// The usual 2×2 pool with stride 2 has a vector kernel that does the
	// loops below sixteen outputs at a time.
	if g.kh == 2 && g.kw == 2 && g.strideH == 2 && g.strideW == 2 {
		vec.MaxPool2x2(y, arg, x, g.h, g.w)
		return
	}
	for oh := 0; oh < g.oh; oh++ {
		for ow := 0; ow < g.ow; ow++ {
			top := oh*g.strideH*g.w + ow*g.strideW // the window's top-left corner
			best, bestAt := x[top], top
			for i := 0; i < g.kh; i++ {
				for j := 0; j < g.kw; j++ {
					at := top + i*g.w + j
					// Kept free of branches (the compiler turns these
					// into a max and a conditional move): on real
					// data the winner is unpredictable.
					better := x[at] > best
					best = max(best, x[at])
					if better {
						bestAt = at
					}
				}
			}
			y[oh*g.ow+ow] = best
			arg[oh*g.ow+ow] = int32(bestAt)
		}
	}
}

// Backward routes each output's gradient to the input that was its max.
func (m *MaxPool2D) Backward(dy *tensor.Tensor) *tensor.Tensor {
	m.dy = dy
	m.dx.Resize(dy.Shape[0], m.x.Shape[1:])
	m.env.For(dy.Shape[0]*m.geom.c, m.bwd)
	return &m.dx
}

// backwardPlanes scatters the gradient of planes [lo, hi).
func (m *MaxPool2D) backwardPlanes(_, lo, hi int) {
	inPlane := m.geom.h * m.geom.w
	for pl := lo; pl < hi; pl++ {
		m.unpoolPlane(m.dx.Data[pl*inPlane:(pl+1)*inPlane], pl)
	}
}

// unpoolPlane writes the input gradient of output plane pl into dx: each
// output's gradient goes to the position that won its window, and nothing
// to the rest. After a fused ReLU, an output the ReLU stopped sends
// nothing: only where !(y <= 0), as vec.ReluBackward passes a gradient.
func (m *MaxPool2D) unpoolPlane(dx []float32, pl int) {
	dy, arg := m.gradPlane(pl)
	clear(dx)
	if m.relu {
		// As the ReLU's backward pass and the pool's in turn would: a
		// stopped gradient is +0, added like any other. Kept free of
		// branches, as in poolPlane.
		y, _ := m.outPlane(pl)
		for i, d := range dy {
			keep := uint32(0)
			if !(y[i] <= 0) {
				keep = ^uint32(0)
			}
			dx[arg[i]] += math.Float32frombits(math.Float32bits(d) & keep)
		}
		return
	}
	// Overlapping windows (stride < window) can share a winner, so add.
	for i, d := range dy {
		dx[arg[i]] += d
	}
}

// poolReLU is a max-pool and the ReLU after it run as one layer: the
// ReLU is applied to each pooled plane as it is made. The numbers are the
// same as the two layers'.
type poolReLU struct{ *MaxPool2D }

// Forward pools x and applies the ReLU.
func (l poolReLU) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	return l.forward(x, true)
}
