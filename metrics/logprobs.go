package metrics

import "math"

// Averaging predictions: several predictions of one thing (the views of an
// image, the images of a lesion) are combined by averaging their
// log-probabilities, a geometric mean, and scaling the result back to
// probabilities. A class that one prediction rules out firmly stays
// unlikely, where a plain mean of probabilities would let the others
// outvote it.

// AddLogProbs adds w·log p to sums[j] for each probability p = probs[j].
// A probability that rounded to 0 counts as the smallest float32, so that
// one prediction cannot veto a class outright.
func AddLogProbs(sums []float64, probs []float32, w float64) {
	for j, p := range probs {
		sums[j] += w * math.Log(max(float64(p), math.SmallestNonzeroFloat32))
	}
}

// FromLogProbs writes into probs the probabilities that the
// log-probabilities logs (known up to a constant) give: the softmax of
// logs. It returns the log of the normalising sum, so that the log of
// probability j is logs[j] − the returned value.
func FromLogProbs(probs []float32, logs []float64) (logSum float64) {
	top := math.Inf(-1)
	for _, v := range logs {
		top = max(top, v)
	}
	var total float64
	for _, v := range logs {
		total += math.Exp(v - top)
	}
	for j, v := range logs {
		probs[j] = float32(math.Exp(v-top) / total)
	}
	return top + math.Log(total)
}
