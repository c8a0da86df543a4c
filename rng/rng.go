// Package rng is gocnn's seeded source of random numbers.
//
// Everything random in training (initial weights, the order of the
// examples, dropout masks, augmentation) draws from an *RNG made from a
// seed, so the same seed gives the same run. An RNG's state can be saved and
// restored, which is what lets a resumed training run continue exactly where
// an interrupted one stopped.
package rng

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// RNG is a deterministic random number generator (PCG, from math/rand/v2).
// It is not safe for concurrent use: give each goroutine its own, made with
// Split.
type RNG struct {
	src *rand.PCG
	r   *rand.Rand
}

// New returns a generator seeded with seed.
func New(seed uint64) *RNG {
	src := rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	return &RNG{src: src, r: rand.New(src)}
}

// Split returns a new generator seeded from this one, for an independent
// stream (a layer's dropout masks, a worker's augmentation).
func (g *RNG) Split() *RNG { return New(g.src.Uint64()) }

// Uint64 returns a uniformly random 64-bit value.
func (g *RNG) Uint64() uint64 { return g.src.Uint64() }

// Float32 returns a uniform value in [0, 1).
func (g *RNG) Float32() float32 { return g.r.Float32() }

// Float64 returns a uniform value in [0, 1).
func (g *RNG) Float64() float64 { return g.r.Float64() }

// Normal returns a value from the standard normal distribution.
func (g *RNG) Normal() float64 { return g.r.NormFloat64() }

// IntN returns a uniform value in [0, n).
func (g *RNG) IntN(n int) int { return g.r.IntN(n) }

// Shuffle puts the elements of s in a random order (Fisher–Yates).
func (g *RNG) Shuffle(s []int) {
	g.r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
}

// Perm returns a random permutation of 0..n-1.
func (g *RNG) Perm(n int) []int { return g.r.Perm(n) }

// FillUniform fills x with values drawn uniformly from [-limit, limit).
func (g *RNG) FillUniform(x []float32, limit float64) {
	for i := range x {
		x[i] = float32((2*g.r.Float64() - 1) * limit)
	}
}

// FillNormal fills x with values of mean 0 and standard deviation std from
// a truncated normal distribution: draws beyond two standard deviations are
// redrawn, as Keras's he_normal and glorot_normal do, so no initial weight
// is an outlier. Cutting the tails shrinks the spread to 0.8796 of the
// untruncated one, so the draws are scaled back up to give std exactly.
func (g *RNG) FillNormal(x []float32, std float64) {
	const truncatedStd = 0.87962566103423978 // std of N(0,1) cut at ±2
	for i := range x {
		v := g.r.NormFloat64()
		for math.Abs(v) > 2 {
			v = g.r.NormFloat64()
		}
		x[i] = float32(v * std / truncatedStd)
	}
}

// MarshalBinary returns the generator's state.
func (g *RNG) MarshalBinary() ([]byte, error) { return g.src.MarshalBinary() }

// UnmarshalBinary restores a state returned by MarshalBinary.
func (g *RNG) UnmarshalBinary(b []byte) error {
	if g.src == nil {
		g.src = &rand.PCG{}
		g.r = rand.New(g.src)
	}
	if err := g.src.UnmarshalBinary(b); err != nil {
		return fmt.Errorf("rng: restoring state: %w", err)
	}
	return nil
}
