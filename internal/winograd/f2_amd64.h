// The arithmetic of F(2×2, 3×3)'s output-gradient transform, shared by
// its plane kernel (kernel_amd64.s) and its lane kernel (lanes_amd64.s).

// AT2 transforms one column or row (e0, e1) of a 2×2 block of dY into
// the four values e0, e0 + e1, e0 − e1, −e1 (purego.go's outputGradGo2):
// the first is e0 itself, the other three go to r1, r2, r3. Z26 holds
// the sign bit. The outputs must not be among the inputs.
#define AT2(e0, e1, r1, r2, r3) \
	VADDPS e1, e0, r1 \
	VSUBPS e1, e0, r2 \
	VXORPS Z26, e1, r3
