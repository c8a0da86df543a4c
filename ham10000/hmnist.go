package ham10000

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gocnn/gocnn/data"
)

// LoadHMNIST reads one of the "hmnist" files of Kaggle's HAM10000 listing
// (kmader/skin-cancer-mnist-ham10000): every image shrunk to 8×8 or
// 28×28, greyscale (L) or RGB, one image a row.
//
//	file                 columns                       images
//	hmnist_8_8_L.csv     pixel0000..pixel0063, label   [N, 1, 8, 8]
//	hmnist_8_8_RGB.csv   pixel0000..pixel0191, label   [N, 3, 8, 8]
//	hmnist_28_28_L.csv   pixel0000..pixel0783, label   [N, 1, 28, 28]
//	hmnist_28_28_RGB.csv pixel0000..pixel2351, label   [N, 3, 28, 28]
//
// The size and colour come from the header: P pixel columns are a P = S·S
// greyscale image or a P = 3·S·S RGB one. Pixels are 0..255, row by row;
// RGB files hold each pixel's red, green and blue in turn (the layout
// NumPy gives an [S, S, 3] array flattened), and come out planar
// [3, S, S]. The labels are already in the order of Classes() (0 akiec,
// 1 bcc, 2 bkl, 3 df, 4 nv, 5 vasc, 6 mel).
//
// Row i of an hmnist file is row i of HAM10000_metadata.csv, but the file
// has no image or lesion ids: the set's Records hold only the diagnosis
// until AttachMetadata fills them in.
func LoadHMNIST(path string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading hmnist file: %w", err)
	}
	defer f.Close()
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	d, err := DecodeHMNIST(f, name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return &Set{Dataset: d, Records: recordsForLabels(d.Labels)}, nil
}

// DecodeHMNIST reads an hmnist file, as LoadHMNIST does, from r into a
// dataset called name.
func DecodeHMNIST(r io.Reader, name string) (*data.Dataset, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<20))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("empty file: want a header pixel0000,...,label")
	}
	if err != nil {
		return nil, err
	}
	header = slices.Clone(header) // the reader reuses its record
	p := len(header) - 1
	if p < 1 || strings.TrimSpace(header[p]) != "label" {
		return nil, fmt.Errorf("line 1: the last column is %q, want label", header[len(header)-1])
	}
	for j, h := range header[:p] {
		if want := fmt.Sprintf("pixel%04d", j); strings.TrimSpace(h) != want {
			return nil, fmt.Errorf("line 1: column %d is %q, want %s", j+1, h, want)
		}
	}
	c, s := 1, isqrt(p)
	if s*s != p {
		c, s = 3, isqrt(p/3)
		if 3*s*s != p {
			return nil, fmt.Errorf("line 1: %d pixel columns are neither an S×S greyscale image nor an S×S RGB one", p)
		}
	}
	plane := s * s
	var pix []byte
	var labels []int
	values := make([]byte, p)
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(row) != p+1 {
			return nil, fmt.Errorf("line %d has %d fields, the header has %d", line, len(row), p+1)
		}
		for j, field := range row[:p] {
			v, err := strconv.Atoi(strings.TrimSpace(field))
			if err != nil || v < 0 || v > 255 {
				return nil, fmt.Errorf("line %d: %s is %q, want an integer from 0 to 255", line, header[j], field)
			}
			// RGB columns run pixel by pixel, channel fastest; the tensor
			// is planar.
			if c == 3 {
				values[(j%3)*plane+j/3] = byte(v)
			} else {
				values[j] = byte(v)
			}
		}
		l, err := strconv.Atoi(strings.TrimSpace(row[p]))
		if err != nil || l < 0 || l >= len(Classes()) {
			return nil, fmt.Errorf("line %d: label %q, want 0 to %d", line, row[p], len(Classes())-1)
		}
		pix = append(pix, values...)
		labels = append(labels, l)
	}
	if len(labels) == 0 {
		return nil, errors.New("no rows after the header")
	}
	x, err := data.NewPixels(pix, len(labels), c, s, s)
	if err != nil {
		return nil, err
	}
	return &data.Dataset{Name: name, Pixels: x, Labels: labels, Classes: Classes()}, nil
}

// isqrt returns the integer square root of n ≥ 0.
func isqrt(n int) int {
	s := int(math.Sqrt(float64(n)))
	for s*s > n {
		s--
	}
	for (s+1)*(s+1) <= n {
		s++
	}
	return s
}

// AttachMetadata fills in the records of a set read by LoadHMNIST from
// HAM10000's metadata file, whose row i describes the set's example i:
// image and lesion id (which GroupedSplit needs), and the rest. The files
// must have as many rows, and every row's diagnosis must be the example's
// class; anything else is an error, since the rows would not correspond.
func AttachMetadata(set *Set, metadataPath string) error {
	recs, err := ReadMetadata(metadataPath)
	if err != nil {
		return err
	}
	if len(recs) != set.Len() {
		return fmt.Errorf("%s has %d rows but %s has %d examples: the files do not correspond",
			metadataPath, len(recs), set.Dataset.Name, set.Len())
	}
	classes := set.Dataset.Classes
	for i, rec := range recs {
		if got := classes[set.Dataset.Labels[i]]; got != rec.DX {
			return fmt.Errorf("%s line %d: image %s is %s, but example %d of %s is %s: the files do not correspond",
				metadataPath, rec.Line, rec.ImageID, rec.DX, i, set.Dataset.Name, got)
		}
	}
	set.Records = recs
	return nil
}
