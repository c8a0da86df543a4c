package nn

import "unsafe"

// derived remembers the parameters that a layer last computed something
// from (a convolution's filters transformed or transposed), so that in
// evaluation, where the parameters stay put from one batch to the next,
// the work is done once rather than for every batch: at batch 1 it can
// cost more than the convolution. In training the parameters change at
// every step, so the layer recomputes and forgets.
//
// It compares the parameters' bits with a copy, which costs a fraction
// of recomputing and cannot be fooled by parameters changed behind the
// layer's back (a model file loaded into it, an average swapped in).
type derived struct {
	seen  []float32 // the parameters, one after the other, when valid
	valid bool
}

// stale reports whether what was derived from params must be computed
// again: always in training (and the copy is forgotten), otherwise when
// params differ from the last call's, which it then remembers; on a
// frozen environment (Env.Freeze) only the first time, with no copy.
func (d *derived) stale(env *Env, train bool, params ...[]float32) bool {
	if train {
		if env.frozen {
			panic("nn: training pass on a frozen environment (see Env.Freeze)")
		}
		d.valid = false
		return true
	}
	if env.frozen {
		if d.valid {
			return false
		}
		d.valid, d.seen = true, nil
		return true
	}
	n := 0
	for _, p := range params {
		n += len(p)
	}
	if d.valid && len(d.seen) == n {
		same, at := true, 0
		for _, p := range params {
			if !sameBits(d.seen[at:at+len(p)], p) {
				same = false
				break
			}
			at += len(p)
		}
		if same {
			return false
		}
	}
	d.seen = d.seen[:0]
	for _, p := range params {
		d.seen = append(d.seen, p...)
	}
	d.valid = true
	return true
}

// sameBits reports whether a and b hold the same bits (a NaN equals a
// NaN with the same payload; +0 and −0 differ).
func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 {
		return true
	}
	ab := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(a))), 4*len(a))
	bb := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(b))), 4*len(b))
	return string(ab) == string(bb)
}
