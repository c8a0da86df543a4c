// Package safetensors reads and writes files in the safetensors format,
// the plain and safe tensor format of Hugging Face that PyTorch loads with
// safetensors.torch.load_file.
//
// A safetensors file has three parts:
//
//	8 bytes   N, the length of the header: a little-endian uint64
//	N bytes   the header: a UTF-8 JSON object, padded with spaces
//	the rest  the byte buffer: every tensor's numbers, back to back
//
// The header maps each tensor's name to its element type, its shape and
// where its bytes lie in the buffer, counted from the buffer's start:
//
//	{"__metadata__": {"format": "gocnn"},
//	 "0.weight": {"dtype": "F32", "shape": [8, 1, 3, 3], "data_offsets": [0, 288]},
//	 "0.bias":   {"dtype": "F32", "shape": [8], "data_offsets": [288, 320]}}
//
// The optional "__metadata__" entry is a map of strings to strings, free
// for the writer to fill. Numbers are stored little-endian in row-major
// order (the last dimension varies fastest), so a [out, in] weight matrix
// is out rows of in numbers, as in PyTorch.
//
// The format is safe to read from an untrusted source because everything
// in it is checked before it is used. Read follows the reference
// implementation: the header length must be at most 100 MB and fit in the
// file; the header must be a JSON object with known element types; each
// tensor's byte range must match its shape; and the ranges, taken in
// order, must tile the whole buffer, with no gap, no overlap and nothing
// left over. A file cut short or with bytes appended is rejected, and no
// memory is allocated for a tensor before its size has been checked
// against the length of the file.
//
// gocnn's models hold float32 numbers and a few counters, so Write writes
// F32 and I64 tensors and Read returns the values of those two types; it
// still checks and reports tensors of other types (F16, BF16, ...) so that
// a caller can say clearly why such a file does not fit.
package safetensors

import (
	"errors"
	"fmt"
)

// MaxHeaderSize is the largest header Read accepts, the limit of the
// reference implementation.
const MaxHeaderSize = 100_000_000

// ErrFormat is wrapped by every error that Read returns for a file that is
// not a well-formed safetensors file (as opposed to an error reading it).
var ErrFormat = errors.New("safetensors: invalid file")

// The element types whose values Read returns and Write writes: 32-bit
// IEEE floating-point numbers, and 64-bit signed integers (PyTorch keeps a
// batch norm's count of batches, num_batches_tracked, as one).
const (
	F32 = "F32"
	I64 = "I64"
)

// Tensor is a named tensor of a safetensors file.
type Tensor struct {
	Name  string
	DType string // element type, as the header spells it: "F32", "F16", "I64", ...
	Shape []int

	// Data holds the values of an F32 tensor, Size(Shape) of them in
	// row-major order, and Ints those of an I64 tensor. For any other
	// DType both are nil: Read checks such a tensor but does not load it.
	Data []float32
	Ints []int64
}

// File is the content of a safetensors file.
type File struct {
	// Metadata is the header's "__metadata__" map; it is empty (not nil)
	// when the file has none.
	Metadata map[string]string

	// Tensors lists the tensors in the order of their bytes in the file.
	Tensors []Tensor
}

// Tensor returns the tensor with the given name, or nil if the file has
// none by that name.
func (f *File) Tensor(name string) *Tensor {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i]
		}
	}
	return nil
}

// dtypeBits gives the size in bits of one element of each type the format
// defines. Sub-byte types (F4, F6) pack their elements; a tensor of them
// must fill a whole number of bytes.
var dtypeBits = map[string]int{
	"BOOL": 8, "U8": 8, "I8": 8,
	"F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
	"F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
	"I16": 16, "U16": 16, "F16": 16, "BF16": 16,
	"I32": 32, "U32": 32, "F32": 32,
	"I64": 64, "U64": 64, "F64": 64, "C64": 64,
}

// DTypeBits returns the size in bits of one element of the given type, and
// false if the format does not define the type.
func DTypeBits(dtype string) (int, bool) {
	b, ok := dtypeBits[dtype]
	return b, ok
}

// formatError returns an error wrapping ErrFormat.
func formatError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}
