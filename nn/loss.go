package nn

import (
	"fmt"
	"math"

	"github.com/gocnn/gocnn/tensor"
)

// A loss turns a batch of predictions and targets into one number to
// minimise, the mean over the batch, and gives the gradient of that number
// with respect to the predictions, which starts the backward pass.
// Forward returns the loss; Backward returns the gradient for the last
// Forward (a buffer the loss owns, valid until the next call).

// SoftmaxCrossEntropy is the loss of a classifier whose last layer outputs
// raw class scores (logits) z. For an example of class t it is
//
//	L = −log softmax(z)[t] = logΣⱼ e^zⱼ − z_t
//
// computed through the log-sum-exp, so logits of ±1000 give a finite loss.
// Fusing softmax and cross-entropy gives a simple gradient:
//
//	∂L/∂z = softmax(z) − onehot(t)
//
// With Weights set (one per class, for imbalanced data), each example
// counts in proportion to its class's weight, and the batch loss is
// Σ w_t·L / Σ w_t, as PyTorch's CrossEntropyLoss(weight=...) computes it.
//
// With Smoothing ε > 0 (label smoothing), the target is not onehot(t) but
// q = (1 − ε)·onehot(t) + ε/K, which keeps the network from driving its
// scores apart without end on classes it already gets right:
//
//	L = −Σⱼ qⱼ·log softmax(z)ⱼ = logΣⱼ e^zⱼ − (1 − ε)·z_t − (ε/K)·Σⱼ zⱼ
//	∂L/∂z = softmax(z) − q
//
// An example keeps its class's weight. Without class weights this is
// PyTorch's CrossEntropyLoss(label_smoothing=ε); with them PyTorch weighs
// the ε/K part of each class by that class's weight instead.
//
// With Focal γ > 0 it is the focal loss (Lin et al., 2017) instead, which
// weighs down the examples the network already gets right, so that the
// hard ones, often of the rare classes, count for more:
//
//	L = −(1 − p_t)^γ·log p_t,   p = softmax(z)
//	∂L/∂z_j = (δ_tj − p_j)·(γ·(1 − p_t)^(γ−1)·p_t·log p_t − (1 − p_t)^γ)
//
// Class weights apply as above; Focal does not go with Smoothing or with
// ForwardMixed.
type SoftmaxCrossEntropy struct {
	Weights   []float32 // optional per-class weights
	Smoothing float64   // label smoothing ε in [0, 1); 0 for none
	Focal     float64   // the focal loss's γ (2 is usual); 0 for the cross-entropy

	probs, grad tensor.Tensor
}

// Forward returns the mean loss of logits ([N, K]) against labels (N class
// indices in [0, K)). It also keeps softmax(logits), which Probs returns.
func (l *SoftmaxCrossEntropy) Forward(logits *tensor.Tensor, labels []int) float64 {
	n, k := logits.Shape[0], logits.Shape[1]
	if len(labels) != n {
		panic(fmt.Sprintf("nn: %d labels for a batch of %d", len(labels), n))
	}
	if l.Weights != nil && len(l.Weights) != k {
		panic(fmt.Sprintf("nn: %d class weights for %d classes", len(l.Weights), k))
	}
	l.probs.Resize(n, []int{k})
	l.grad.Resize(n, []int{k})
	if l.Focal != 0 {
		return l.focal(logits, labels)
	}
	var total, weights float64
	for i, t := range labels {
		if t < 0 || t >= k {
			panic(fmt.Sprintf("nn: label %d out of range for %d classes", t, k))
		}
		z, p := logits.Data[i*k:(i+1)*k], l.probs.Data[i*k:(i+1)*k]
		lse := SoftmaxRow(z, p)
		w := l.weight(t)
		if eps := l.Smoothing; eps != 0 {
			var sum float64
			for _, v := range z {
				sum += float64(v)
			}
			total += w * (lse - (1-eps)*float64(z[t]) - eps/float64(k)*sum)
		} else {
			total += w * (lse - float64(z[t]))
		}
		weights += w
	}
	// The gradient is (p − q)·w / Σw, q = onehot(t) without smoothing.
	for i, t := range labels {
		g, p := l.grad.Data[i*k:(i+1)*k], l.probs.Data[i*k:(i+1)*k]
		scale := float32(l.weight(t) / weights)
		if eps := l.Smoothing; eps != 0 {
			share := float32(eps / float64(k))
			for j := range g {
				g[j] = (p[j] - share) * scale
			}
			g[t] -= float32(1-eps) * scale
			continue
		}
		for j := range g {
			g[j] = p[j] * scale
		}
		g[t] -= scale
	}
	return total / weights
}

// focal is Forward for the focal loss.
func (l *SoftmaxCrossEntropy) focal(logits *tensor.Tensor, labels []int) float64 {
	if l.Smoothing != 0 {
		panic("nn: the focal loss does not go with label smoothing")
	}
	k := logits.Shape[1]
	gamma := l.Focal
	var total, weights float64
	for i, t := range labels {
		if t < 0 || t >= k {
			panic(fmt.Sprintf("nn: label %d out of range for %d classes", t, k))
		}
		z, p, g := logits.Data[i*k:(i+1)*k], l.probs.Data[i*k:(i+1)*k], l.grad.Data[i*k:(i+1)*k]
		logPt := float64(z[t]) - SoftmaxRow(z, p)
		pt := math.Exp(logPt)
		w := l.weight(t)
		total += -w * math.Pow(1-pt, gamma) * logPt
		weights += w
		// ∂L/∂z_j = (δ_tj − p_j)·c, c = γ(1−p_t)^(γ−1)·p_t·log p_t − (1−p_t)^γ;
		// weighted here, divided by the weights' sum below.
		c := -math.Pow(1-pt, gamma)
		if pt < 1 {
			c += gamma * math.Pow(1-pt, gamma-1) * pt * logPt
		}
		c *= w
		for j := range g {
			g[j] = float32(-float64(p[j]) * c)
		}
		g[t] += float32(c)
	}
	for j := range l.grad.Data {
		l.grad.Data[j] = float32(float64(l.grad.Data[j]) / weights)
	}
	return total / weights
}

// ForwardMixed is Forward for examples that are mixtures (mixup): example
// i is lam parts of an example of class a[i] and 1 − lam parts of one of
// class b[i], and its loss is lam·L(a[i]) + (1 − lam)·L(b[i]), each with
// its class's weight and the smoothing, so that
//
//	∂L/∂z = softmax(z) − (lam·q(a) + (1 − lam)·q(b))
//
// with the weights as in Forward: the batch loss is the sum over examples
// and terms of weight·loss, over the sum of the weights.
func (l *SoftmaxCrossEntropy) ForwardMixed(logits *tensor.Tensor, a, b []int, lam float64) float64 {
	n, k := logits.Shape[0], logits.Shape[1]
	if len(a) != n || len(b) != n {
		panic(fmt.Sprintf("nn: %d and %d labels for a batch of %d", len(a), len(b), n))
	}
	if l.Weights != nil && len(l.Weights) != k {
		panic(fmt.Sprintf("nn: %d class weights for %d classes", len(l.Weights), k))
	}
	if l.Focal != 0 {
		panic("nn: the focal loss does not go with mixed examples")
	}
	l.probs.Resize(n, []int{k})
	l.grad.Resize(n, []int{k})
	eps := l.Smoothing
	var total, weights float64
	for i := range n {
		ta, tb := a[i], b[i]
		if ta < 0 || ta >= k || tb < 0 || tb >= k {
			panic(fmt.Sprintf("nn: labels %d, %d out of range for %d classes", ta, tb, k))
		}
		z, p := logits.Data[i*k:(i+1)*k], l.probs.Data[i*k:(i+1)*k]
		lse := SoftmaxRow(z, p)
		var sum float64
		if eps != 0 {
			for _, v := range z {
				sum += float64(v)
			}
		}
		term := func(t int) float64 { return lse - (1-eps)*float64(z[t]) - eps/float64(k)*sum }
		wa, wb := lam*l.weight(ta), (1-lam)*l.weight(tb)
		total += wa*term(ta) + wb*term(tb)
		weights += wa + wb
	}
	for i := range n {
		ta, tb := a[i], b[i]
		g, p := l.grad.Data[i*k:(i+1)*k], l.probs.Data[i*k:(i+1)*k]
		wa, wb := lam*l.weight(ta)/weights, (1-lam)*l.weight(tb)/weights
		share := eps / float64(k)
		for j := range g {
			g[j] = float32((wa + wb) * (float64(p[j]) - share))
		}
		g[ta] -= float32(wa * (1 - eps))
		g[tb] -= float32(wb * (1 - eps))
	}
	return total / weights
}

// Probs returns softmax(logits) of the last Forward, [N, K].
func (l *SoftmaxCrossEntropy) Probs() *tensor.Tensor { return &l.probs }

func (l *SoftmaxCrossEntropy) weight(class int) float64 {
	if l.Weights == nil {
		return 1
	}
	return float64(l.Weights[class])
}

// Backward returns ∂L/∂logits for the last Forward.
func (l *SoftmaxCrossEntropy) Backward() *tensor.Tensor { return &l.grad }

// MSE is the mean squared error over every element:
//
//	L = (1/M) Σ (p − t)²        ∂L/∂p = 2(p − t)/M
type MSE struct{ grad tensor.Tensor }

// Forward returns the mean squared error of pred against target (same
// shape).
func (l *MSE) Forward(pred, target *tensor.Tensor) float64 {
	checkSameShape("MSE", pred, target)
	l.grad.Resize(pred.Shape[0], pred.Shape[1:])
	m := float64(len(pred.Data))
	var total float64
	for i, p := range pred.Data {
		d := float64(p - target.Data[i])
		total += d * d
		l.grad.Data[i] = float32(2 * d / m)
	}
	return total / m
}

// Backward returns ∂L/∂pred for the last Forward.
func (l *MSE) Backward() *tensor.Tensor { return &l.grad }

// BCE is the binary cross-entropy of probabilities p (the output of a
// sigmoid) against targets t in [0, 1], averaged over every element:
//
//	L = −(1/M) Σ [t·log p + (1 − t)·log(1 − p)]
//	∂L/∂p = (p − t) / (p·(1 − p)) / M
//
// As in PyTorch, each log is clamped at −100 so a confident wrong answer
// gives a large but finite loss, and p is kept a hair inside (0, 1) in the
// gradient.
type BCE struct{ grad tensor.Tensor }

// Forward returns the binary cross-entropy of pred against target.
func (l *BCE) Forward(pred, target *tensor.Tensor) float64 {
	checkSameShape("BCE", pred, target)
	l.grad.Resize(pred.Shape[0], pred.Shape[1:])
	m := float64(len(pred.Data))
	const eps = 1e-7
	var total float64
	for i, p32 := range pred.Data {
		p, t := float64(p32), float64(target.Data[i])
		total -= t*max(math.Log(p), -100) + (1-t)*max(math.Log(1-p), -100)
		pc := min(max(p, eps), 1-eps)
		l.grad.Data[i] = float32((pc - t) / (pc * (1 - pc)) / m)
	}
	return total / m
}

// Backward returns ∂L/∂pred for the last Forward.
func (l *BCE) Backward() *tensor.Tensor { return &l.grad }

func checkSameShape(loss string, pred, target *tensor.Tensor) {
	if !tensor.SameShape(pred.Shape, target.Shape) {
		panic(fmt.Sprintf("nn: %s of prediction %s against target %s", loss,
			tensor.ShapeString(pred.Shape), tensor.ShapeString(target.Shape)))
	}
}
