package nn

import (
	"math"
	"slices"
	"testing"

	"github.com/gocnn/gocnn/tensor"
)

func TestSoftmaxCrossEntropyValue(t *testing.T) {
	// By hand: logits (1, 2, 3), class 0.
	// log(e¹ + e² + e³) − 1 = log(30.1928) − 1 = 2.407606.
	// The gradient is softmax − onehot = (0.0900306 − 1, 0.2447285, 0.6652410).
	var l SoftmaxCrossEntropy
	loss := l.Forward(tensor.FromData([]float32{1, 2, 3}, 1, 3), []int{0})
	if math.Abs(loss-2.4076059644) > 1e-6 {
		t.Errorf("loss %.7f, want 2.4076060", loss)
	}
	want := []float32{0.0900306 - 1, 0.2447285, 0.6652410}
	for i, g := range l.Backward().Data {
		if math.Abs(float64(g-want[i])) > 1e-6 {
			t.Errorf("gradient[%d] = %.7f, want %.7f", i, g, want[i])
		}
	}
	// A batch averages: the second example (logits all equal, 3 classes)
	// costs log 3.
	loss = l.Forward(tensor.FromData([]float32{1, 2, 3, 5, 5, 5}, 2, 3), []int{0, 1})
	if want := (2.4076059644 + math.Log(3)) / 2; math.Abs(loss-want) > 1e-6 {
		t.Errorf("batch loss %.7f, want %.7f", loss, want)
	}
}

func TestSoftmaxCrossEntropyStable(t *testing.T) {
	var l SoftmaxCrossEntropy
	logits := tensor.FromData([]float32{1000, -1000, 0, -1000, 1000, 999}, 2, 3)
	loss := l.Forward(logits, []int{1, 1})
	// Example 1: class 1 trails the best logit by 2000, so it costs 2000.
	// Example 2: log(e¹⁰⁰⁰ + e⁹⁹⁹) − 1000 = log(1 + e⁻¹) = 0.3132617.
	want := (2000 + math.Log1p(math.Exp(-1))) / 2
	if math.IsNaN(loss) || math.IsInf(loss, 0) || math.Abs(loss-want) > 1e-3 {
		t.Fatalf("loss %v, want %v", loss, want)
	}
	for i, g := range l.Backward().Data {
		if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) {
			t.Fatalf("gradient[%d] = %v", i, g)
		}
	}
	if g := l.Backward().Data[1]; math.Abs(float64(g)-(-0.5)) > 1e-6 {
		t.Errorf("gradient of the hopeless class = %v, want -0.5 (−1 averaged over 2)", g)
	}
}

func TestWeightedCrossEntropyMatchesPyTorchDefinition(t *testing.T) {
	// Σ w_t·L_t / Σ w_t, with L from the unweighted loss of each example.
	logits := tensor.FromData([]float32{0.5, -1, 2, 0, 1, 1}, 2, 3)
	labels := []int{2, 0}
	var plain SoftmaxCrossEntropy
	l0 := plain.Forward(tensor.FromData(logits.Data[:3], 1, 3), labels[:1])
	l1 := plain.Forward(tensor.FromData(logits.Data[3:], 1, 3), labels[1:])
	weighted := SoftmaxCrossEntropy{Weights: []float32{3, 1, 0.5}}
	got := weighted.Forward(logits, labels)
	if want := (0.5*l0 + 3*l1) / 3.5; math.Abs(got-want) > 1e-6 {
		t.Errorf("weighted loss %v, want %v", got, want)
	}
}

func TestBCEClampsLog(t *testing.T) {
	var l BCE
	loss := l.Forward(tensor.FromData([]float32{0, 1}, 2, 1), tensor.FromData([]float32{1, 0}, 2, 1))
	if loss != 100 {
		t.Errorf("completely wrong predictions cost %v, want the clamp 100", loss)
	}
}

// TestLabelSmoothingValue checks label smoothing against its definition,
// −Σⱼ qⱼ·log pⱼ with q = (1 − ε)·onehot(t) + ε/K, summed in float64, and
// that ε = 0 gives the plain loss and gradient bit for bit.
func TestLabelSmoothingValue(t *testing.T) {
	logits := tensor.FromData([]float32{2, -1, 0.5, 3, 0, -2}, 2, 3)
	labels := []int{0, 2}
	const eps = 0.2
	l := SoftmaxCrossEntropy{Smoothing: eps}
	got := l.Forward(logits, labels)
	var want float64
	for i, t := range labels {
		z := logits.Data[i*3 : (i+1)*3]
		var sum float64
		for _, v := range z {
			sum += math.Exp(float64(v))
		}
		for j, v := range z {
			q := eps / 3
			if j == t {
				q += 1 - eps
			}
			want -= q * (float64(v) - math.Log(sum))
		}
	}
	want /= 2
	if math.Abs(got-want) > 1e-6 {
		t.Errorf("smoothed loss %v, want %v", got, want)
	}
	var plain, zero SoftmaxCrossEntropy
	zero.Smoothing = 0
	a, b := plain.Forward(logits, labels), zero.Forward(logits, labels)
	if a != b || !slices.Equal(plain.Backward().Data, zero.Backward().Data) {
		t.Error("ε = 0 does not give the plain loss")
	}
}

// TestMixedLoss checks ForwardMixed against its definition: with lam = 1
// it is Forward on the first labels, with lam = 0 on the second, and in
// between the weighted mean of the two.
func TestMixedLoss(t *testing.T) {
	logits := tensor.FromData([]float32{2, -1, 0.5, 3, 0, -2, 1, 1, 0}, 3, 3)
	a, b := []int{0, 2, 1}, []int{1, 1, 0}
	l := SoftmaxCrossEntropy{Weights: []float32{1, 2, 0.5}, Smoothing: 0.1}
	la, lb := l.Forward(logits, a), l.Forward(logits, b)
	for _, c := range []struct{ lam, want float64 }{{1, la}, {0, lb}} {
		if got := l.ForwardMixed(logits, a, b, c.lam); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("lam %g: %v, want %v", c.lam, got, c.want)
		}
	}
	// In between: Σ(lam·w_a·L_a + (1−lam)·w_b·L_b) / Σ(lam·w_a + (1−lam)·w_b).
	var single SoftmaxCrossEntropy
	single.Smoothing = 0.1
	var num, den float64
	for i := range 3 {
		row := tensor.FromData(logits.Data[i*3:(i+1)*3], 1, 3)
		wa, wb := 0.3*float64(l.Weights[a[i]]), 0.7*float64(l.Weights[b[i]])
		num += wa*single.Forward(row, a[i:i+1]) + wb*single.Forward(row, b[i:i+1])
		den += wa + wb
	}
	if got := l.ForwardMixed(logits, a, b, 0.3); math.Abs(got-num/den) > 1e-6 {
		t.Errorf("lam 0.3: %v, want %v", got, num/den)
	}
}

// TestFocalLoss checks the focal loss against its definition,
// −(1 − p_t)^γ·log p_t averaged, and that a small γ is close to the
// cross-entropy while a large one weighs confident examples down.
func TestFocalLoss(t *testing.T) {
	logits := tensor.FromData([]float32{2, -1, 0.5, 3, 0, -2}, 2, 3)
	labels := []int{0, 2}
	l := SoftmaxCrossEntropy{Focal: 2}
	got := l.Forward(logits, labels)
	var want float64
	for i, t := range labels {
		z := logits.Data[i*3 : (i+1)*3]
		var sum float64
		for _, v := range z {
			sum += math.Exp(float64(v))
		}
		pt := math.Exp(float64(z[t])) / sum
		want += -math.Pow(1-pt, 2) * math.Log(pt)
	}
	want /= 2
	if math.Abs(got-want) > 1e-6 {
		t.Errorf("focal loss %v, want %v", got, want)
	}
	var plain SoftmaxCrossEntropy
	ce := plain.Forward(logits, labels)
	tiny := SoftmaxCrossEntropy{Focal: 1e-9}
	if f := tiny.Forward(logits, labels); math.Abs(f-ce) > 1e-6 {
		t.Errorf("γ near 0: %v, the cross-entropy %v", f, ce)
	}
	if got >= ce {
		t.Errorf("γ 2 gives %v, not below the cross-entropy %v", got, ce)
	}
}
