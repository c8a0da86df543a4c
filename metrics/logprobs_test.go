package metrics

import (
	"math"
	"testing"
)

func TestLogProbsRoundTrip(t *testing.T) {
	// Two predictions, averaged by hand: the geometric mean of (0.2, 0.8)
	// and (0.8, 0.2) is (0.4, 0.4), which scales back to (0.5, 0.5).
	sums := make([]float64, 2)
	AddLogProbs(sums, []float32{0.2, 0.8}, 0.5)
	AddLogProbs(sums, []float32{0.8, 0.2}, 0.5)
	if want := math.Log(0.4); math.Abs(sums[0]-want) > 1e-7 || math.Abs(sums[1]-want) > 1e-7 {
		t.Fatalf("mean log-probabilities %v, want %v twice", sums, want)
	}
	probs := make([]float32, 2)
	if logSum := FromLogProbs(probs, sums); math.Abs(logSum-math.Log(0.8)) > 1e-7 {
		t.Fatalf("log of the normalising sum %v, want log 0.8", logSum)
	}
	if probs[0] != 0.5 || probs[1] != 0.5 {
		t.Fatalf("probabilities %v, want 0.5 twice", probs)
	}

	// Logs known up to a constant: shifting them changes nothing.
	FromLogProbs(probs, []float64{1000 + math.Log(0.25), 1000 + math.Log(0.75)})
	if math.Abs(float64(probs[0])-0.25) > 1e-7 || math.Abs(float64(probs[1])-0.75) > 1e-7 {
		t.Fatalf("shifted logs: %v, want [0.25 0.75]", probs)
	}

	// A probability of 0 counts as the smallest float32, not −∞.
	sums = make([]float64, 1)
	AddLogProbs(sums, []float32{0}, 1)
	if want := math.Log(math.SmallestNonzeroFloat32); sums[0] != want {
		t.Fatalf("log of 0 counted as %v, want %v", sums[0], want)
	}
}
