package ham10000

import (
	"fmt"
	"math"
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
// A value the metadata leaves empty or marks unknown is a value of its own.
type Clinical struct {
	classes  []string
	features []clinicalFeature
}

// clinicalFeature is one column of the metadata, counted per class.
type clinicalFeature struct {
	name   string
	get    func(Record) string
	counts map[string][]int // value to its count in each class
	total  []int            // images of each class
}

// clinicalFeatures are the columns Clinical reads. dx_type is left out on
// purpose: it says how the diagnosis was made (histopathology for most
// melanomas), which is known only after the diagnosis, not before.
func clinicalFeatures() []clinicalFeature {
	return []clinicalFeature{
		{name: "age", get: func(r Record) string { return r.Age }},
		{name: "sex", get: func(r Record) string { return r.Sex }},
		{name: "localization", get: func(r Record) string { return r.Localization }},
	}
}

// FitClinical counts the age, sex and body site of each class in records
// (the training images), for the given classes in the order of a model's
// outputs. Records of other classes are left out. It fails when a class
// has no record, since nothing could then be said of it.
func FitClinical(records []Record, classes []string) (*Clinical, error) {
	index := make(map[string]int, len(classes))
	for i, c := range classes {
		index[c] = i
	}
	m := &Clinical{classes: classes, features: clinicalFeatures()}
	for f := range m.features {
		m.features[f].counts = map[string][]int{}
		m.features[f].total = make([]int, len(classes))
	}
	for _, r := range records {
		c, ok := index[r.DX]
		if !ok {
			continue
		}
		for f := range m.features {
			feat := &m.features[f]
			v := feat.get(r)
			if feat.counts[v] == nil {
				feat.counts[v] = make([]int, len(classes))
			}
			feat.counts[v][c]++
			feat.total[c]++
		}
	}
	for c, name := range classes {
		if m.features[0].total[c] == 0 {
			return nil, fmt.Errorf("clinical model: no training record of class %s", name)
		}
	}
	return m, nil
}

// LogLikelihood writes to dst, one per class, log p(age, sex, site | class)
// for the lesion r describes. dst must have one element per class.
func (m *Clinical) LogLikelihood(dst []float64, r Record) {
	clear(dst)
	for _, feat := range m.features {
		counts := feat.counts[feat.get(r)] // nil for a value never seen in training
		values := len(feat.counts) + 1     // those seen, and one for the unseen
		for c := range dst {
			n := 0
			if counts != nil {
				n = counts[c]
			}
			dst[c] += math.Log(float64(n+1) / float64(feat.total[c]+values))
		}
	}
}

// Evidence is LogLikelihood for every record, row after row: the [N,
// classes] evidence that train.Scoring adds to a network's
// log-probabilities.
func (m *Clinical) Evidence(records []Record) []float64 {
	k := len(m.classes)
	out := make([]float64, len(records)*k)
	for i, r := range records {
		m.LogLikelihood(out[i*k:(i+1)*k], r)
	}
	return out
}
