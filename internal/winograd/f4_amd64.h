// The arithmetic of F(4×4, 3×3)'s transforms for the lane kernels
// (lanes_amd64.s), each a macro of f4.go's function of the same name.

// B6 is the 1-D input transform of x0..x5 into y0..y5 (f4.go's b6):
//
//	a = x4 − 4x2   b = x3 − 4x1   c = x4 − x2   e = 2(x3 − x1)
//	y0 = (4x0 − 5x2) + x4   y1 = a + b   y2 = a − b
//	y3 = c + e   y4 = c − e   y5 = (4x1 − 5x3) + x5
//
// Z25 holds 4s and Z26 5s; t0-t3 are scratch. The outputs must not be
// among the inputs.
#define B6(x0, x1, x2, x3, x4, x5, y0, y1, y2, y3, y4, y5, t0, t1, t2, t3) \
	VMULPS Z25, x2, t0     \
	VSUBPS t0, x4, t0      \
	VMULPS Z25, x1, t1     \
	VSUBPS t1, x3, t1      \
	VADDPS t1, t0, y1      \
	VSUBPS t1, t0, y2      \
	VSUBPS x2, x4, t2      \
	VSUBPS x1, x3, t3      \
	VADDPS t3, t3, t3      \
	VADDPS t3, t2, y3      \
	VSUBPS t3, t2, y4      \
	VMULPS Z25, x0, t0     \
	VMULPS Z26, x2, t1     \
	VSUBPS t1, t0, t0      \
	VADDPS x4, t0, y0      \
	VMULPS Z25, x1, t0     \
	VMULPS Z26, x3, t1     \
	VSUBPS t1, t0, t0      \
	VADDPS x5, t0, y5

// A4 is the 1-D output transform of x0..x5 into y0..y3 (f4.go's a4):
//
//	s1 = x1 + x2   d1 = x1 − x2   s2 = x3 + x4   d2 = x3 − x4
//	y0 = (x0 + s1) + s2   y1 = d1 + 2d2   y2 = s1 + 4s2
//	y3 = (d1 + 8d2) + x5
//
// Z25 holds 4s and Z26 8s; t0-t3 are scratch, and t3 may be x0, read
// before t3 is written. The outputs must not be among the inputs.
#define A4(x0, x1, x2, x3, x4, x5, y0, y1, y2, y3, t0, t1, t2, t3) \
	VADDPS x2, x1, t0      \
	VADDPS x4, x3, t2      \
	VADDPS t0, x0, y0      \
	VADDPS t2, y0, y0      \
	VSUBPS x2, x1, t1      \
	VSUBPS x4, x3, t3      \
	VADDPS t3, t3, y1      \
	VADDPS y1, t1, y1      \
	VMULPS Z25, t2, y2     \
	VADDPS y2, t0, y2      \
	VMULPS Z26, t3, y3     \
	VADDPS y3, t1, y3      \
	VADDPS x5, y3, y3

// AT6 is the 1-D transform of x0..x3 into y0..y5 for the output's
// gradient (f4.go's at6):
//
//	e = x0 + x2   o = x1 + x3   e4 = x0 + 4x2   o4 = 2x1 + 8x3
//	y0 = x0   y1 = e + o   y2 = e − o   y3 = e4 + o4   y4 = e4 − o4   y5 = x3
//
// Z25 holds 4s and Z26 8s; t0, t1 are scratch. The outputs must not be
// among the inputs.
#define AT6(x0, x1, x2, x3, y0, y1, y2, y3, y4, y5, t0, t1) \
	VMOVAPS x0, y0         \
	VMOVAPS x3, y5         \
	VADDPS  x2, x0, t0     \
	VADDPS  x3, x1, t1     \
	VADDPS  t1, t0, y1     \
	VSUBPS  t1, t0, y2     \
	VMULPS  Z25, x2, t0    \
	VADDPS  t0, x0, t0     \
	VADDPS  x1, x1, t1     \
	VMULPS  Z26, x3, y4    \
	VADDPS  y4, t1, t1     \
	VADDPS  t1, t0, y3     \
	VSUBPS  t1, t0, y4

// OUTCOLUMN transforms column b of the output's rows (m A, six rows of
// four vectors in the frame, column b at off = 64b) plus the bias (Z30)
// into Y[0..3][b]. It clobbers Z16-Z23 and Z31.
#define OUTCOLUMN(off, y0, y1, y2, y3) \
	VMOVUPS off(SP), Z16        \
	VMOVUPS off+256(SP), Z17    \
	VMOVUPS off+512(SP), Z18    \
	VMOVUPS off+768(SP), Z19    \
	VMOVUPS off+1024(SP), Z20   \
	VMOVUPS off+1280(SP), Z21   \
	A4(Z16, Z17, Z18, Z19, Z20, Z21, y0, y1, y2, y3, Z22, Z23, Z31, Z16) \
	VADDPS  Z30, y0, y0         \
	VADDPS  Z30, y1, y1         \
	VADDPS  Z30, y2, y2         \
	VADDPS  Z30, y3, y3

// GRADCOLUMN transforms column b of dY (x0..x3: rows 0-3) into six
// vectors of A dY in the frame at off = 384b. It clobbers Z16-Z23.
#define GRADCOLUMN(off, x0, x1, x2, x3) \
	AT6(x0, x1, x2, x3, Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23) \
	VMOVUPS Z16, off(SP)      \
	VMOVUPS Z17, off+64(SP)   \
	VMOVUPS Z18, off+128(SP)  \
	VMOVUPS Z19, off+192(SP)  \
	VMOVUPS Z20, off+256(SP)  \
	VMOVUPS Z21, off+320(SP)
