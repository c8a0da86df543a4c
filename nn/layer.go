// Package nn holds the layers of a convolutional network, each with its
// forward and backward pass, the losses, and Sequential, which chains
// layers into a model.
//
// reference.go defines a convolution and max-pooling, forward and
// backward, as the nested loops of their formulas
// (ReferenceConvForward, ReferenceConvBackward, ReferenceMaxPoolForward,
// ReferenceMaxPoolBackward): the place to start reading. Conv2D and
// MaxPool2D compute the same fast, and their tests hold every path they
// take to those loops.
//
// Every layer works on a whole mini-batch at once. Forward takes a tensor
// of shape [N, ...] and returns the layer's output; Backward takes the
// gradient of the loss with respect to that output and returns the
// gradient with respect to the input, setting the gradients of the layer's
// own parameters on the way. A layer keeps what its backward pass needs
// (its input, a mask, the positions of the maxima) from the last Forward
// call, so Forward and Backward alternate: one forward, then one backward.
//
// Layers own their output buffers and reuse them from one call to the next.
// The tensor a layer returns is valid until its next Forward (or Backward)
// call; copy it to keep it. Once warmed up, a training step allocates
// nothing.
//
// Parameter names and layouts follow PyTorch: a convolution's weight is
// [out, in, kh, kw], a dense layer's is [out, in], a bias is [out], and a
// Sequential names them by position, "0.weight", "0.bias", "3.weight", so a
// model's numbers can be saved in a file PyTorch reads.
package nn

import (
	"github.com/gocnn/gocnn/internal/gemm"
	"github.com/gocnn/gocnn/internal/parallel"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// Layer is one stage of a network.
type Layer interface {
	// Kind names the layer's type the way model specs and error messages
	// spell it: "conv2d", "relu", "dense".
	Kind() string

	// Build readies the layer for examples of shape in (one example, no
	// batch dimension: [C, H, W] for images, [F] for flat vectors) and
	// returns the shape of one example of its output. It allocates the
	// parameters, and returns an error when in does not fit the layer.
	Build(in []int, env *Env) (out []int, err error)

	// Forward computes the output for a batch x of shape [N, in...]. With
	// train false the layer runs as in evaluation (dropout off, batch
	// norm on its running statistics).
	Forward(x *tensor.Tensor, train bool) *tensor.Tensor

	// Backward takes dy, the gradient of the loss with respect to the last
	// Forward's output, sets the gradients of the layer's parameters, and
	// returns the gradient with respect to that Forward's input. The
	// parameter gradients are overwritten, not added to. The gradient it
	// returns is its own memory, which it does not read again, or dy
	// itself, whole, perhaps viewed in another shape: a Sequential lets
	// the layer before write over the first kind (see gradOverwriter).
	Backward(dy *tensor.Tensor) *tensor.Tensor

	// Params lists the layer's parameters, named as PyTorch names them
	// within the layer ("weight", "bias"). Layers with none return nil.
	Params() []*Param
}

// Param is a named tensor of a layer with the gradient of the loss with
// respect to it. Grad is nil for state that is saved with the model but
// not trained (batch norm's running statistics).
type Param struct {
	Name  string
	Value *tensor.Tensor
	Grad  *tensor.Tensor
}

// newParam returns a trainable parameter of the given shape, zero-filled.
func newParam(name string, shape ...int) *Param {
	return &Param{Name: name, Value: tensor.New(shape...), Grad: tensor.New(shape...)}
}

// Env is what a model gives its layers when it builds them: the random
// source for initial weights and for dropout masks, the worker pool
// that spreads a batch over the cores, and the memory the layers share
// for what lasts one pass (workerScratch, filterBlock). The layers built
// on one Env run one at a time.
type Env struct {
	// Rand draws initial weights; layers that draw at training time take
	// their own stream from it with Split.
	Rand *rng.RNG

	// NeedInputGrad says whether the layer being built must return the
	// gradient with respect to its input from Backward. Training never
	// needs it for a model's input, so it starts false and the first
	// layer skips that work (returning nil); Sequential sets it for the
	// layers after the first. Set it before Build to get the input
	// gradient of a whole model (to see which pixels matter, say).
	NeedInputGrad bool

	gemm    *gemm.Engine
	frozen  bool
	scratch [][]float32 // per worker: see workerScratch
	// filters and filtersHeld: see filterBlock
	filters     []float32
	filtersHeld any
}

// NewEnv returns an environment drawing from seed and running on the given
// number of workers (0 means one per core). Close releases its workers.
func NewEnv(seed uint64, workers int) *Env {
	return &Env{Rand: rng.New(seed), gemm: gemm.NewEngine(parallel.New(workers))}
}

// workerScratch returns n values of worker w's scratch memory: one block
// per worker, shared by every layer built on e, grown to the largest
// asked for. Layers run one at a time, and what a layer keeps in the
// block lasts one pass of that layer (a chunk's transformed tiles, a
// worker's partial sums), so one block serves them all; and the layers
// then find it in the cache, where memory of their own, a few megabytes
// a layer, would be fetched for each pass and would push out the
// activations the next layers read. Called between passes, never by a
// worker in one. The values are whatever the last pass left.
func (e *Env) workerScratch(w, n int) []float32 {
	if e.scratch == nil {
		e.scratch = make([][]float32, e.Workers())
	}
	if len(e.scratch[w]) < n {
		e.scratch[w] = make([]float32, n)
	}
	return e.scratch[w][:n]
}

// filterBlock returns n values of the memory in which a layer keeps
// what it derives from its weights for one training pass (a Winograd
// convolution's transformed filters), shared by every layer built on e
// and grown to the largest asked for, and records holder as the one
// whose values it holds from now on. held says whether holder was the
// last to ask, so that its values are still there.
func (e *Env) filterBlock(n int, holder any) (block []float32, held bool) {
	held = e.filtersHeld == holder
	if len(e.filters) < n {
		e.filters, held = make([]float32, n), false
	}
	e.filtersHeld = holder
	return e.filters[:n], held
}

// carve shares out worker w's scratch (Env.workerScratch) among the
// parts dst, of the given sizes, each starting on a 64-byte line.
func (e *Env) carve(w int, sizes []int, dst [][]float32) {
	total := 0
	for _, n := range sizes {
		total += (n + 15) &^ 15
	}
	block := e.workerScratch(w, total)
	for i, n := range sizes {
		dst[i], block = block[:n:n], block[(n+15)&^15:]
	}
}

// Freeze promises that the parameters of the layers built on e will not
// change from here on, as for a model loaded to make predictions. A layer
// keeps what it prepares from its parameters for evaluation (a
// convolution's transformed filters) from one batch to the next; without
// the promise it compares the parameters with the ones it prepared from
// at every batch, which at batch 1 is a noticeable part of the time. A
// training pass on a frozen environment panics.
func (e *Env) Freeze() { e.frozen = true }

// Workers is the number of goroutines the layers split a batch over.
func (e *Env) Workers() int { return e.pool().Workers() }

// Close stops the environment's worker goroutines.
func (e *Env) Close() { e.pool().Close() }

func (e *Env) pool() *parallel.Pool { return e.gemm.Pool() }

// For runs body over the range [0, n) split among the workers, each
// worker getting the same piece every time; see parallel.Pool.For. Layers
// split their batches with it, and optimisers their update loops.
func (e *Env) For(n int, body func(worker, lo, hi int)) { e.pool().For(n, body) }

// MatrixKernel names the matrix-multiply kernel the layers run on this
// CPU: "avx512", "avx2" or "purego".
func MatrixKernel() string { return gemm.Kernel() }
