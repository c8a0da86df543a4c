package ham10000

import (
	"github.com/gocnn/gocnn/data"
)

// Set is a HAM10000 dataset together with what the metadata says about
// each of its images.
type Set struct {
	// Dataset holds the images, [N, C, H, W] with values in [0, 1], and
	// their labels in the order of Classes(). The images are kept as the
	// 8-bit values they were decoded to (data.Pixels), and converted to
	// float32 a batch at a time.
	Dataset *data.Dataset

	// Records[i] describes example i: its image and lesion ids and
	// diagnosis, and the patient's age, sex and lesion site when known.
	Records []Record

	// Skipped lists the metadata rows left out, and why (Load: those
	// whose image file is missing).
	Skipped []Skip

	// Unlisted lists image files found that no metadata row names; they
	// are not loaded.
	Unlisted []string

	// Cache is the cache file that was read or written, "" if none.
	Cache string
	// FromCache reports whether the images came from Cache rather than
	// from the image files.
	FromCache bool
}

// Skip is a metadata row left out of a Set.
type Skip struct {
	ImageID string
	Line    int    // its line in the metadata file
	Reason  string // "no image file"
}

// Len is the number of examples.
func (s *Set) Len() int { return s.Dataset.Len() }

// Subset returns a new set holding copies of the examples at the given
// indices, in that order, with their records. It carries no Skipped,
// Unlisted or cache information.
func (s *Set) Subset(indices []int) *Set {
	return &Set{Dataset: s.Dataset.Subset(indices), Records: s.RecordsAt(indices)}
}

// RecordsAt returns the records of the examples at the given indices, in
// that order, without copying their images: the metadata of a split's
// part.
func (s *Set) RecordsAt(indices []int) []Record {
	out := make([]Record, len(indices))
	for j, i := range indices {
		out[j] = s.Records[i]
	}
	return out
}

// recordsForLabels returns records that know only the diagnosis of each
// label, for datasets that come without metadata.
func recordsForLabels(labels []int) []Record {
	classes := Classes()
	recs := make([]Record, len(labels))
	for i, l := range labels {
		recs[i].DX = classes[l]
	}
	return recs
}

// LesionGroups returns the indices of records grouped by lesion, one group
// per lesion in the order of its first image, so that a lesion can be
// predicted from all its images (train.Scoring.Groups). Records without a
// lesion id are in no group.
func LesionGroups(records []Record) [][]int {
	var groups [][]int
	index := map[string]int{} // lesion id to its group
	for i, rec := range records {
		if rec.LesionID == "" {
			continue
		}
		g, ok := index[rec.LesionID]
		if !ok {
			g = len(groups)
			index[rec.LesionID] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	return groups
}
