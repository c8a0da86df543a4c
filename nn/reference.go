package nn

import (
	"math"

	"github.com/gocnn/gocnn/tensor"
)

// This file holds the definitions: a convolution and max-pooling, forward
// and backward, written as the nested loops of their formulas and
// nothing else. They are slow. Conv2D and MaxPool2D compute the same
// things fast (matrix products, Winograd's method, several images at a
// time, on several workers), and the tests hold every one of their paths
// to these loops. Read these first.

// ConvGeometry is the shape of a convolution: In input channels, Out
// filters of KH×KW, moved StrideH rows and StrideW columns at a time over
// the input padded with PadH rows of zeros above and below and PadW
// columns left and right.
type ConvGeometry struct {
	In, Out          int
	KH, KW           int
	StrideH, StrideW int
	PadH, PadW       int
}

// OutputSize is the height and width of the output for an input of h×w.
func (g ConvGeometry) OutputSize(h, w int) (oh, ow int) {
	return (h+2*g.PadH-g.KH)/g.StrideH + 1, (w+2*g.PadW-g.KW)/g.StrideW + 1
}

// ReferenceConvForward computes a convolution of the batch x [N, In, H, W]
// with the filters w [Out, In, KH, KW] and biases b [Out]:
//
//	y[n, o, r, c] = b[o] + Σ_{ch, i, j} w[o, ch, i, j] · x[n, ch, r·StrideH − PadH + i, c·StrideW − PadW + j]
//
// where x is zero outside the image (the padding). Sums are kept in
// float64, so the result is as exact as float32 can hold.
func ReferenceConvForward(g ConvGeometry, x *tensor.Tensor, w, b []float32) *tensor.Tensor {
	n, h, wd := x.Shape[0], x.Shape[2], x.Shape[3]
	oh, ow := g.OutputSize(h, wd)
	y := tensor.New(n, g.Out, oh, ow)
	for img := range n {
		for o := range g.Out {
			for r := range oh {
				for c := range ow {
					sum := float64(b[o])
					for ch := range g.In {
						for i := range g.KH {
							for j := range g.KW {
								ih, iw := r*g.StrideH-g.PadH+i, c*g.StrideW-g.PadW+j
								if ih < 0 || ih >= h || iw < 0 || iw >= wd {
									continue // the padding: zero
								}
								sum += float64(w[((o*g.In+ch)*g.KH+i)*g.KW+j]) * float64(x.Data[((img*g.In+ch)*h+ih)*wd+iw])
							}
						}
					}
					y.Data[((img*g.Out+o)*oh+r)*ow+c] = float32(sum)
				}
			}
		}
	}
	return y
}

// ReferenceConvBackward computes the gradients of a convolution, given
// its input x, its filters w and the gradient dy [N, Out, OH, OW] of the
// loss with respect to its output. Each output y[n, o, r, c] was made
// from one bias, and from each weight times one input value, so by the
// chain rule:
//
//	∂L/∂b[o]             = Σ_{n, r, c} dy[n, o, r, c]
//	∂L/∂w[o, ch, i, j]   = Σ_{n, r, c} dy[n, o, r, c] · x[n, ch, r·StrideH − PadH + i, c·StrideW − PadW + j]
//	∂L/∂x[n, ch, ih, iw] = Σ of dy[n, o, r, c] · w[o, ch, i, j] over the (o, r, c, i, j) whose window put that input at (i, j)
//
// The loops below walk each output and hand its gradient back to what
// made it, which is the same sums without solving for the windows.
func ReferenceConvBackward(g ConvGeometry, x *tensor.Tensor, w []float32, dy *tensor.Tensor) (dw, db []float32, dx *tensor.Tensor) {
	n, h, wd := x.Shape[0], x.Shape[2], x.Shape[3]
	oh, ow := dy.Shape[2], dy.Shape[3]
	dw64 := make([]float64, len(w))
	db64 := make([]float64, g.Out)
	dx64 := make([]float64, len(x.Data))
	for img := range n {
		for o := range g.Out {
			for r := range oh {
				for c := range ow {
					d := float64(dy.Data[((img*g.Out+o)*oh+r)*ow+c])
					db64[o] += d
					for ch := range g.In {
						for i := range g.KH {
							for j := range g.KW {
								ih, iw := r*g.StrideH-g.PadH+i, c*g.StrideW-g.PadW+j
								if ih < 0 || ih >= h || iw < 0 || iw >= wd {
									continue
								}
								wi := ((o*g.In+ch)*g.KH+i)*g.KW + j
								xi := ((img*g.In+ch)*h+ih)*wd + iw
								dw64[wi] += d * float64(x.Data[xi])
								dx64[xi] += d * float64(w[wi])
							}
						}
					}
				}
			}
		}
	}
	return toFloat32(dw64), toFloat32(db64), tensor.FromData(toFloat32(dx64), x.Shape...)
}

// ReferenceMaxPoolForward takes the largest value of each KH×KW window of
// x [N, C, H, W], the windows StrideH rows and StrideW columns apart. It
// also returns, for each output, the index in x of the value it took (the
// first of equal ones), which is all the backward pass needs.
func ReferenceMaxPoolForward(x *tensor.Tensor, kh, kw, sh, sw int) (y *tensor.Tensor, argmax []int) {
	n, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	oh, ow := (h-kh)/sh+1, (w-kw)/sw+1
	y = tensor.New(n, c, oh, ow)
	argmax = make([]int, len(y.Data))
	for plane := range n * c {
		for r := range oh {
			for col := range ow {
				best, at := float32(math.Inf(-1)), -1
				for i := range kh {
					for j := range kw {
						k := (plane*h+r*sh+i)*w + col*sw + j
						if x.Data[k] > best || at < 0 {
							best, at = x.Data[k], k
						}
					}
				}
				out := (plane*oh+r)*ow + col
				y.Data[out], argmax[out] = best, at
			}
		}
	}
	return y, argmax
}

// ReferenceMaxPoolBackward hands each output's gradient to the input it
// took: ∂L/∂x is dy at the winners and zero elsewhere (summed where
// overlapping windows chose the same input).
func ReferenceMaxPoolBackward(xShape []int, argmax []int, dy *tensor.Tensor) *tensor.Tensor {
	dx := tensor.New(xShape...)
	for out, at := range argmax {
		dx.Data[at] += dy.Data[out]
	}
	return dx
}

func toFloat32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
