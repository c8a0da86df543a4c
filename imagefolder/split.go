package imagefolder

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strings"

	"github.com/gocnn/gocnn/atomicfile"
	"github.com/gocnn/gocnn/rng"
)

// Fractions of a drawn split: what is not validation or test is training.
const (
	ValidationFraction = 0.15
	TestFraction       = 0.15
)

// split assigns every picture of a folder of class subfolders to a part:
// from Options.SplitFile when it exists, else drawn, stratified by class.
// A folder split into train/ and test/ keeps its own.
func split(opts Options, set *Set, pics []picture, ok []bool) error {
	if set.Split == "folders" {
		return nil
	}
	if opts.SplitFile != "" {
		parts, err := ReadSplit(opts.SplitFile)
		switch {
		case err == nil:
			set.Split = "file"
			found := 0
			for i := range pics {
				part, listed := parts[pics[i].rel]
				if !listed {
					if ok[i] {
						return fmt.Errorf("%s: %s is not in the split file %s (a picture added since? draw a new split)", opts.Dir, pics[i].rel, opts.SplitFile)
					}
					continue
				}
				pics[i].part = part
				if ok[i] {
					found++
				}
			}
			if n := len(parts) - found; n > 0 {
				opts.logf("%s names %d files that are not in %s or cannot be read now; they are left out", opts.SplitFile, n, opts.Dir)
			}
			return nil
		case !errors.Is(err, fs.ErrNotExist):
			return err
		}
	}
	set.Split = "drawn"
	r := rng.New(opts.Seed)
	byClass := make([][]int, len(set.Classes))
	for i, p := range pics {
		if ok[i] {
			byClass[p.class] = append(byClass[p.class], i)
		}
	}
	for _, idx := range byClass {
		r.Shuffle(idx)
		n := len(idx)
		nTest := int(math.Round(TestFraction * float64(n)))
		nVal := int(math.Round(ValidationFraction * float64(n)))
		if n >= 3 {
			nTest, nVal = max(nTest, 1), max(nVal, 1)
		}
		for k, i := range idx {
			switch {
			case k < nTest:
				pics[i].part = Test
			case k < nTest+nVal:
				pics[i].part = Validation
			default:
				pics[i].part = Train
			}
		}
	}
	return nil
}

// WriteSplit writes which part each of the set's pictures is in, as CSV
// with the header "file,class,part", one line per picture, the file
// relative to the folder: what Options.SplitFile reads back.
func (s *Set) WriteSplit(path string) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"file", "class", "part"})
		for _, part := range []string{Train, Validation, Test} {
			d := s.Parts[part]
			for i, f := range s.Files[part] {
				cw.Write([]string{f, s.Classes[d.Labels[i]], part})
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

// ReadSplit reads a split file written by WriteSplit: the part of each
// file. Errors name the file and line.
func ReadSplit(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(io.LimitReader(f, 1<<30))
	cr.FieldsPerRecord = 3
	head, err := cr.Read()
	if err != nil || strings.Join(head, ",") != "file,class,part" {
		return nil, fmt.Errorf("%s: not a split file of a picture folder (want the header file,class,part)", path)
	}
	parts := map[string]string{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return parts, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := cr.FieldPos(0)
		switch rec[2] {
		case Train, Validation, Test:
		default:
			return nil, fmt.Errorf("%s:%d: part %q; want train, val or test", path, line, rec[2])
		}
		if _, dup := parts[rec[0]]; dup {
			return nil, fmt.Errorf("%s:%d: %s is listed twice", path, line, rec[0])
		}
		parts[rec[0]] = rec[2]
	}
}
