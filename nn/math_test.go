package nn

import "math"

func abs32(x float32) float32 { return float32(math.Abs(float64(x))) }

func sqrt(x float64) float64 { return math.Sqrt(x) }
