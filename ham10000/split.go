package ham10000

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/gocnn/gocnn/atomicfile"
	"github.com/gocnn/gocnn/rng"
)

// Many HAM10000 lesions were photographed more than once: 10,015 images
// show 7,470 lesions, and 1,956 lesions have two to six images. Images of
// one lesion look alike, so a split that puts one in training and another
// in testing measures memory, not diagnosis. GroupedSplit assigns whole
// lesions to the parts; LeakyImageSplit assigns images, and exists only to
// compare with published figures that split that way.

// Fractions say what share of a dataset goes to each part of a split.
// They must be at least 0 and add up to 1; Train must be more than 0.
// {0.7, 0.15, 0.15} is a common choice, {0.8, 0, 0.2} a split without
// validation.
type Fractions struct {
	Train, Val, Test float64
}

func (f Fractions) check() error {
	sum := f.Train + f.Val + f.Test
	if !(f.Train > 0 && f.Val >= 0 && f.Test >= 0) || math.Abs(sum-1) > 1e-9 {
		return fmt.Errorf("split fractions %g/%g/%g: want train > 0, val and test ≥ 0, adding up to 1", f.Train, f.Val, f.Test)
	}
	return nil
}

// Split divides a set's examples into training, validation and test
// parts, each a list of indices into the set in ascending order. Every
// example is in exactly one part; a part may be empty.
type Split struct {
	Train, Val, Test []int

	// Leaky is set when some lesion has images in more than one part:
	// always for LeakyImageSplit, and for a split read from a file that
	// does so.
	Leaky bool
}

// splitNames are the parts' names in split files, in the order of parts.
func splitNames() []string { return []string{"train", "val", "test"} }

func (s *Split) parts() []*[]int { return []*[]int{&s.Train, &s.Val, &s.Test} }

// GroupedSplit splits a set, given by its records, so that all images of
// a lesion are in the same part, and each class is divided in the given
// fractions as nearly as whole lesions allow (within the size of a
// lesion, at most six images in HAM10000).
//
// Each class's lesions are taken in an order drawn from r, and each goes
// to the part that is furthest below its share of the class's images.
// The same records, fractions and seed give the same split. A lesion
// whose images have different diagnoses is an error, and so is a record
// without a lesion id (sets from LoadHMNIST need AttachMetadata first).
func GroupedSplit(records []Record, f Fractions, r *rng.RNG) (Split, error) {
	if err := f.check(); err != nil {
		return Split{}, err
	}
	// The lesions of each class, in order of first appearance.
	lesionImages := map[string][]int{}
	byClass := make([][]string, len(Classes()))
	for i, rec := range records {
		if rec.LesionID == "" {
			return Split{}, fmt.Errorf("example %d (%s) has no lesion id, so it cannot be grouped by lesion; attach the metadata first", i, cmp.Or(rec.ImageID, "no image id"))
		}
		k, ok := ClassIndex(rec.DX)
		if !ok {
			return Split{}, fmt.Errorf("example %d (%s) has diagnosis %q, not one of %s", i, rec.ImageID, rec.DX, strings.Join(Classes(), ", "))
		}
		imgs := lesionImages[rec.LesionID]
		if len(imgs) == 0 {
			byClass[k] = append(byClass[k], rec.LesionID)
		} else if first := records[imgs[0]]; first.DX != rec.DX {
			return Split{}, fmt.Errorf("lesion %s has images of two diagnoses: %s is %s, %s is %s",
				rec.LesionID, first.ImageID, first.DX, rec.ImageID, rec.DX)
		}
		lesionImages[rec.LesionID] = append(imgs, i)
	}
	shares := []float64{f.Train, f.Val, f.Test}
	var s Split
	parts := s.parts()
	for _, lesions := range byClass {
		total := 0
		for _, l := range lesions {
			total += len(lesionImages[l])
		}
		order := r.Perm(len(lesions))
		var have [3]int
		for _, j := range order {
			imgs := lesionImages[lesions[j]]
			best, bestDeficit := 0, math.Inf(-1)
			for k, share := range shares {
				if deficit := share*float64(total) - float64(have[k]); share > 0 && deficit > bestDeficit {
					best, bestDeficit = k, deficit
				}
			}
			have[best] += len(imgs)
			*parts[best] = append(*parts[best], imgs...)
		}
	}
	for _, p := range parts {
		slices.Sort(*p)
	}
	return s, nil
}

// LeakyImageSplit splits a set image by image, stratified by class, with
// no regard for lesions: images of one lesion end up in different parts,
// so test scores overstate how well a model does on lesions it has not
// seen. It is here only to reproduce published figures that split this
// way; use GroupedSplit for anything else. The split it returns has
// Leaky set.
func LeakyImageSplit(records []Record, f Fractions, r *rng.RNG) (Split, error) {
	if err := f.check(); err != nil {
		return Split{}, err
	}
	byClass := make([][]int, len(Classes()))
	for i, rec := range records {
		k, ok := ClassIndex(rec.DX)
		if !ok {
			return Split{}, fmt.Errorf("example %d (%s) has diagnosis %q, not one of %s", i, rec.ImageID, rec.DX, strings.Join(Classes(), ", "))
		}
		byClass[k] = append(byClass[k], i)
	}
	s := Split{Leaky: true}
	for _, idx := range byClass {
		r.Shuffle(idx)
		n := float64(len(idx))
		a := int(math.Round(f.Train * n))
		b := int(math.Round((f.Train + f.Val) * n))
		s.Train = append(s.Train, idx[:a]...)
		s.Val = append(s.Val, idx[a:b]...)
		s.Test = append(s.Test, idx[b:]...)
	}
	for _, p := range s.parts() {
		slices.Sort(*p)
	}
	return s, nil
}

// SharedLesions returns the lesions that have images in more than one
// part of s, sorted: none for a grouped split.
func (s Split) SharedLesions(records []Record) []string {
	partOf := map[string]int{}
	shared := map[string]bool{}
	for k, p := range s.parts() {
		for _, i := range *p {
			l := records[i].LesionID
			if l == "" {
				continue
			}
			if prev, ok := partOf[l]; ok && prev != k {
				shared[l] = true
			}
			partOf[l] = k
		}
	}
	out := make([]string, 0, len(shared))
	for l := range shared {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// partOfEach returns the part (0 train, 1 val, 2 test) of each of n
// examples, checking that s puts every one in exactly one part.
func (s Split) partOfEach(n int) ([]int, error) {
	part := make([]int, n)
	for i := range part {
		part[i] = -1
	}
	names := splitNames()
	for k, p := range s.parts() {
		for _, i := range *p {
			if i < 0 || i >= n {
				return nil, fmt.Errorf("split: example %d in %s, but the set has %d", i, names[k], n)
			}
			if part[i] >= 0 {
				return nil, fmt.Errorf("split: example %d is in both %s and %s", i, names[part[i]], names[k])
			}
			part[i] = k
		}
	}
	if i := slices.Index(part, -1); i >= 0 {
		return nil, fmt.Errorf("split: example %d is in no part", i)
	}
	return part, nil
}

// WriteSplitCSV writes s to a CSV file, so that a run can be repeated
// with the same split. One row per example, in the set's order, under the
// header image_id,lesion_id,dx,split; split is train, val or test.
func WriteSplitCSV(path string, records []Record, s Split) error {
	part, err := s.partOfEach(len(records))
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	for i, rec := range records {
		if rec.ImageID == "" {
			return fmt.Errorf("writing %s: example %d has no image id; attach the metadata first", path, i)
		}
	}
	names := splitNames()
	return atomicfile.Write(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"image_id", "lesion_id", "dx", "split"})
		for i, rec := range records {
			cw.Write([]string{rec.ImageID, rec.LesionID, rec.DX, names[part[i]]})
		}
		cw.Flush()
		return cw.Error()
	})
}

// ReadSplitCSV reads a split written by WriteSplitCSV for the set whose
// records are given. The file must name every image of the set once, by
// image_id, and nothing else; its lesion_id and dx columns, if there,
// must agree with the records. Anything else is an error naming the file
// and the line: the file was made for another set.
func ReadSplitCSV(path string, records []Record) (Split, error) {
	f, err := os.Open(path)
	if err != nil {
		return Split{}, fmt.Errorf("reading split file: %w", err)
	}
	defer f.Close()
	s, err := decodeSplit(f, records)
	if err != nil {
		return Split{}, fmt.Errorf("reading %s: %w", path, err)
	}
	return s, nil
}

func decodeSplit(r io.Reader, records []Record) (Split, error) {
	index := make(map[string]int, len(records))
	for i, rec := range records {
		if rec.ImageID == "" {
			return Split{}, fmt.Errorf("example %d of the set has no image id; attach the metadata first", i)
		}
		index[rec.ImageID] = i
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return Split{}, errors.New("empty file: want a header image_id,lesion_id,dx,split")
	}
	if err != nil {
		return Split{}, err
	}
	col := map[string]int{"image_id": -1, "lesion_id": -1, "dx": -1, "split": -1}
	for j, name := range header {
		if _, ok := col[name]; ok {
			col[name] = j
		}
	}
	if col["image_id"] < 0 || col["split"] < 0 {
		return Split{}, fmt.Errorf("line 1: the header %q has no image_id or no split column", strings.Join(header, ","))
	}
	line := make([]int, len(records)) // where each example was seen
	var s Split
	parts := s.parts()
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Split{}, err
		}
		ln, _ := cr.FieldPos(0)
		if len(row) != len(header) {
			return Split{}, fmt.Errorf("line %d has %d fields, the header has %d", ln, len(row), len(header))
		}
		id := row[col["image_id"]]
		i, ok := index[id]
		if !ok {
			return Split{}, fmt.Errorf("line %d: image %q is not in the set", ln, id)
		}
		if line[i] > 0 {
			return Split{}, fmt.Errorf("line %d: image %s is already on line %d", ln, id, line[i])
		}
		line[i] = ln
		for _, c := range []struct{ name, want string }{{"lesion_id", records[i].LesionID}, {"dx", records[i].DX}} {
			if j := col[c.name]; j >= 0 && row[j] != c.want {
				return Split{}, fmt.Errorf("line %d: image %s has %s %q here but %q in the set", ln, id, c.name, row[j], c.want)
			}
		}
		k := slices.Index(splitNames(), row[col["split"]])
		if k < 0 {
			return Split{}, fmt.Errorf("line %d: split %q, want train, val or test", ln, row[col["split"]])
		}
		*parts[k] = append(*parts[k], i)
	}
	if missing := slices.Index(line, 0); missing >= 0 {
		n := 0
		for _, l := range line {
			if l == 0 {
				n++
			}
		}
		return Split{}, fmt.Errorf("%d images of the set are not in the file, such as %s", n, records[missing].ImageID)
	}
	for _, p := range parts {
		slices.Sort(*p)
	}
	s.Leaky = len(s.SharedLesions(records)) > 0
	return s, nil
}
