package nn

import (
	"fmt"

	"github.com/gocnn/gocnn/internal/vec"
	"github.com/gocnn/gocnn/tensor"
)

// AvgPool2D replaces each KH×KW window by its mean, channel by channel,
// moving by the stride (the window size by default). Every input of a
// window counts 1/(KH·KW) towards its output, so the backward pass hands
// each input that share of the output's gradient (summed over the windows
// it belongs to).
type AvgPool2D struct {
	KH, KW           int
	StrideH, StrideW int // 0 means the window size

	geom     convGeom
	outShape []int
	env      *Env
	x, dy    *tensor.Tensor
	y, dx    tensor.Tensor
	fwd, bwd func(worker, lo, hi int)
}

// NewAvgPool2D returns a k×k average pool with stride k.
func NewAvgPool2D(k int) *AvgPool2D { return &AvgPool2D{KH: k, KW: k} }

// Kind returns "avgpool2d".
func (a *AvgPool2D) Kind() string { return "avgpool2d" }

// Build checks that the window fits the image.
func (a *AvgPool2D) Build(in []int, env *Env) ([]int, error) {
	if a.StrideH == 0 {
		a.StrideH = a.KH
	}
	if a.StrideW == 0 {
		a.StrideW = a.KW
	}
	switch {
	case a.KH <= 0 || a.KW <= 0 || a.StrideH <= 0 || a.StrideW <= 0:
		return nil, fmt.Errorf("needs a positive window and stride, got window %dx%d, stride %dx%d", a.KH, a.KW, a.StrideH, a.StrideW)
	case len(in) != 3:
		return nil, fmt.Errorf("needs an image input [channels height width], got %s", tensor.ShapeString(in))
	case in[1] < a.KH || in[2] < a.KW:
		return nil, fmt.Errorf("window %dx%d is larger than the input %dx%d", a.KH, a.KW, in[1], in[2])
	}
	g := convGeom{c: in[0], h: in[1], w: in[2], kh: a.KH, kw: a.KW, strideH: a.StrideH, strideW: a.StrideW}
	g.oh = outSize(g.h, g.kh, g.strideH, 0)
	g.ow = outSize(g.w, g.kw, g.strideW, 0)
	a.geom, a.outShape, a.env = g, []int{g.c, g.oh, g.ow}, env
	a.fwd, a.bwd = a.forwardPlanes, a.backwardPlanes
	return a.outShape, nil
}

// Params returns nil.
func (a *AvgPool2D) Params() []*Param { return nil }

// Forward averages every window.
func (a *AvgPool2D) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	a.x = x
	a.y.Resize(x.Shape[0], a.outShape)
	a.env.For(x.Shape[0]*a.geom.c, a.fwd)
	return &a.y
}

func (a *AvgPool2D) forwardPlanes(_, lo, hi int) {
	g := &a.geom
	inPlane, outPlane := g.h*g.w, g.oh*g.ow
	scale := 1 / float32(g.kh*g.kw)
	for pl := lo; pl < hi; pl++ {
		x, y := a.x.Data[pl*inPlane:(pl+1)*inPlane], a.y.Data[pl*outPlane:(pl+1)*outPlane]
		for oh := 0; oh < g.oh; oh++ {
			for ow := 0; ow < g.ow; ow++ {
				top := oh*g.strideH*g.w + ow*g.strideW
				var s float32
				for i := 0; i < g.kh; i++ {
					for _, v := range x[top+i*g.w : top+i*g.w+g.kw] {
						s += v
					}
				}
				y[oh*g.ow+ow] = s * scale
			}
		}
	}
}

// Backward spreads each output's gradient evenly over its window.
func (a *AvgPool2D) Backward(dy *tensor.Tensor) *tensor.Tensor {
	a.dy = dy
	a.dx.Resize(dy.Shape[0], a.x.Shape[1:])
	a.env.For(dy.Shape[0]*a.geom.c, a.bwd)
	return &a.dx
}

func (a *AvgPool2D) backwardPlanes(_, lo, hi int) {
	g := &a.geom
	inPlane, outPlane := g.h*g.w, g.oh*g.ow
	scale := 1 / float32(g.kh*g.kw)
	for pl := lo; pl < hi; pl++ {
		dx, dy := a.dx.Data[pl*inPlane:(pl+1)*inPlane], a.dy.Data[pl*outPlane:(pl+1)*outPlane]
		clear(dx)
		for oh := 0; oh < g.oh; oh++ {
			for ow := 0; ow < g.ow; ow++ {
				top := oh*g.strideH*g.w + ow*g.strideW
				share := dy[oh*g.ow+ow] * scale
				for i := 0; i < g.kh; i++ {
					row := dx[top+i*g.w : top+i*g.w+g.kw]
					for j := range row {
						row[j] += share
					}
				}
			}
		}
	}
}

// GlobalAvgPool2D averages each channel over its whole H×W plane, turning
// [N, C, H, W] into [N, C, 1, 1] (PyTorch's AdaptiveAvgPool2d(1)). Put a
// flatten after it to feed a dense layer. It lets a network end without a
// large dense layer, whatever the input size.
type GlobalAvgPool2D struct {
	c, hw int
	x     *tensor.Tensor
	y, dx tensor.Tensor
}

// NewGlobalAvgPool2D returns a global average pool.
func NewGlobalAvgPool2D() *GlobalAvgPool2D { return &GlobalAvgPool2D{} }

// Kind returns "globalavgpool2d".
func (g *GlobalAvgPool2D) Kind() string { return "globalavgpool2d" }

// Build needs an image input.
func (g *GlobalAvgPool2D) Build(in []int, env *Env) ([]int, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("needs an image input [channels height width], got %s", tensor.ShapeString(in))
	}
	g.c, g.hw = in[0], in[1]*in[2]
	return []int{g.c, 1, 1}, nil
}

// Params returns nil.
func (g *GlobalAvgPool2D) Params() []*Param { return nil }

// Forward averages each plane.
func (g *GlobalAvgPool2D) Forward(x *tensor.Tensor, train bool) *tensor.Tensor {
	g.x = x
	g.y.Resize(x.Shape[0], []int{g.c, 1, 1})
	for pl := range g.y.Data {
		g.y.Data[pl] = vec.Sum(x.Data[pl*g.hw:(pl+1)*g.hw]) / float32(g.hw)
	}
	return &g.y
}

// Backward gives every position of a plane 1/(H·W) of its gradient.
func (g *GlobalAvgPool2D) Backward(dy *tensor.Tensor) *tensor.Tensor {
	g.dx.Resize(dy.Shape[0], g.x.Shape[1:])
	for pl, d := range dy.Data {
		vec.Fill(g.dx.Data[pl*g.hw:(pl+1)*g.hw], d/float32(g.hw))
	}
	return &g.dx
}
