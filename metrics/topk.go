package metrics

import (
	"cmp"
	"math"
	"slices"
)

// TopK returns the indices of the k largest values of probs, largest
// first; equal values are ordered by lower index, and NaN ranks below every
// number. It returns all indices if k ≥ len(probs) and none if k ≤ 0.
//
// For a model's softmax output, TopK(p, 3) are its three best guesses and
// TopK(p, 1)[0] its prediction.
func TopK(probs []float32, k int) []int {
	k = min(max(k, 0), len(probs))
	idx := make([]int, len(probs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		pa, pb := float64(probs[a]), float64(probs[b])
		switch na, nb := math.IsNaN(pa), math.IsNaN(pb); {
		case na && nb:
			return 0
		case na:
			return 1
		case nb:
			return -1
		}
		return cmp.Compare(pb, pa) // larger first; stable keeps lower index first on ties
	})
	return idx[:k:k]
}
