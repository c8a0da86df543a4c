package ham10000

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Clinical is what the metadata says about a lesion beyond its image, as
// a model of how likely each class makes it: the patient's age, sex and
// the body site, each counted per diagnosis on the training images.
//
// A dermatologist reads a lesion together with these: a basal cell
// carcinoma on the face of a 75-year-old is far more likely than on the
// back of a 25-year-old, where a nevus is the usual answer. Clinical is a
// naive-Bayes model of them. It treats age, sex and site as independent
// of one another, and of the image, once the diagnosis is known, so that
//
//	log p(class | image, age, sex, site) = log p(class | image)
//	    + log p(age | class) + log p(sex | class) + log p(site | class) + constant
//
// where the first term is the network's and the others are LogLikelihood's.
// Each p(value | class) is a count with Laplace smoothing,
//
//	(count(value, class) + 1) / (count(class) + values + 1)
//
// over the values seen in training plus one for any value not seen there,
// so that no value rules a class out. Nothing in it is tuned: it is fit from
// the training records alone and never sees a validation or test label.
// A value the metadata leaves empty or marks unknown is a value of its own;
// ages count to the nearest 5 years, the steps HAM10000 gives them in.
type Clinical struct {
	Classes []string `json:"classes"`
	Total   []int    `json:"total"` // training images of each class
	// Counts holds, for each column (age, sex, localization), each
	// value's count in each class.
	Counts map[string]map[string][]int `json:"counts"`
}

// clinicalColumn is a metadata column Clinical reads.
type clinicalColumn struct {
	name string
	get  func(Record) string
}

// clinicalColumns are the metadata columns Clinical reads. dx_type is
// left out on purpose: it says how the diagnosis was made (histopathology
// for most melanomas), which is known only after the diagnosis.
func clinicalColumns() []clinicalColumn {
	return []clinicalColumn{
		{"age", func(r Record) string { return ageStep(r.Age) }},
		{"sex", func(r Record) string { return r.Sex }},
		{"localization", func(r Record) string { return r.Localization }},
	}
}

// ageStep is an age to the nearest 5 years, as HAM10000 writes them
// ("47" becomes "45.0"), or the text as it is when it is not a number.
func ageStep(age string) string {
	v, err := strconv.ParseFloat(age, 64)
	if err != nil || v < 0 || v > 150 {
		return age
	}
	return strconv.FormatFloat(5*math.Round(v/5), 'f', 1, 64)
}

// FitClinical counts the age, sex and body site of each class in records
// (the training images), for the given classes in the order of a model's
// outputs. Records of other classes are left out. It fails when a class
// has no record, since nothing could then be said of it.
func FitClinical(records []Record, classes []string) (*Clinical, error) {
	m := &Clinical{Classes: slices.Clone(classes), Total: make([]int, len(classes)), Counts: map[string]map[string][]int{}}
	columns := clinicalColumns()
	for _, col := range columns {
		m.Counts[col.name] = map[string][]int{}
	}
	for _, r := range records {
		c := slices.Index(classes, r.DX)
		if c < 0 {
			continue
		}
		m.Total[c]++
		for _, col := range columns {
			counts := m.Counts[col.name]
			v := col.get(r)
			if counts[v] == nil {
				counts[v] = make([]int, len(classes))
			}
			counts[v][c]++
		}
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return m, nil
}

// check reports counts that cannot be used: a class with no image, or
// counts that do not add up to the class totals.
func (m *Clinical) check() error {
	if len(m.Classes) == 0 || len(m.Total) != len(m.Classes) {
		return fmt.Errorf("clinical model: %d classes but %d totals", len(m.Classes), len(m.Total))
	}
	for c, name := range m.Classes {
		if m.Total[c] <= 0 {
			return fmt.Errorf("clinical model: no training record of class %s", name)
		}
	}
	for _, col := range clinicalColumns() {
		sum := make([]int, len(m.Classes))
		for v, counts := range m.Counts[col.name] {
			if len(counts) != len(m.Classes) {
				return fmt.Errorf("clinical model: %s %q has %d counts for %d classes", col.name, v, len(counts), len(m.Classes))
			}
			for c, n := range counts {
				if n < 0 {
					return fmt.Errorf("clinical model: %s %q has a negative count", col.name, v)
				}
				sum[c] += n
			}
		}
		if !slices.Equal(sum, m.Total) {
			return fmt.Errorf("clinical model: the %s counts add up to %v, not the class totals %v", col.name, sum, m.Total)
		}
	}
	return nil
}

// Text is the counts as JSON, to keep them in a model file.
func (m *Clinical) Text() string {
	b, err := json.Marshal(m)
	if err != nil { // maps of strings to slices of ints always marshal
		panic(err)
	}
	return string(b)
}

// ParseClinical reads counts written by Text and checks them.
func ParseClinical(text string) (*Clinical, error) {
	var m Clinical
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		return nil, fmt.Errorf("clinical model: %w", err)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return &m, nil
}

// LogLikelihood writes to dst, one per class, log p(age, sex, site | class)
// for the lesion r describes. dst must have one element per class.
func (m *Clinical) LogLikelihood(dst []float64, r Record) {
	clear(dst)
	for _, col := range clinicalColumns() {
		seen := m.Counts[col.name]
		counts := seen[col.get(r)] // nil for a value never seen in training
		values := len(seen) + 1    // those seen, and one for the unseen
		for c := range dst {
			n := 0
			if counts != nil {
				n = counts[c]
			}
			dst[c] += math.Log(float64(n+1) / float64(m.Total[c]+values))
		}
	}
}

// Evidence is LogLikelihood for every record, row after row: the [N,
// classes] evidence that train.Scoring adds to a network's
// log-probabilities.
func (m *Clinical) Evidence(records []Record) []float64 {
	k := len(m.Classes)
	out := make([]float64, len(records)*k)
	for i, r := range records {
		m.LogLikelihood(out[i*k:(i+1)*k], r)
	}
	return out
}
