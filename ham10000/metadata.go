package ham10000

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Record is what HAM10000's metadata says about one image.
type Record struct {
	ImageID      string // "ISIC_0027419": the image file is ImageID + ".jpg"
	LesionID     string // "HAM_0000118": the images of one lesion share it
	DX           string // the diagnosis, one of Classes()
	DXType       string // how it was made: histo, follow_up, consensus or confocal
	Age          string // in years, as written ("80.0"); "" when unknown
	Sex          string // male, female or unknown
	Localization string // the body site: back, lower extremity, ...
	Line         int    // the line of the metadata file it comes from; 0 if none
}

// ReadMetadata reads HAM10000's metadata file (HAM10000_metadata.csv):
// comma- or tab-separated, with a header naming the columns lesion_id,
// image_id and dx (required) and dx_type, age, sex and localization, in
// any order. Every row must have as many fields as the header, a non-empty
// lesion and image id, a diagnosis that is one of Classes(), and an image
// id no other row has; the first row that does not is an error naming the
// file and the line.
func ReadMetadata(path string) ([]Record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading HAM10000 metadata: %w", err)
	}
	recs, err := DecodeMetadata(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return recs, nil
}

// DecodeMetadata reads metadata in the format of ReadMetadata from r.
func DecodeMetadata(r io.Reader) ([]Record, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	// The Kaggle copy is comma-separated; Dataverse's tabular export
	// separates with tabs.
	if first, _ := br.Peek(4096); len(first) > 0 {
		if nl := bytes.IndexByte(first, '\n'); nl >= 0 {
			first = first[:nl]
		}
		if bytes.IndexByte(first, '\t') >= 0 && bytes.IndexByte(first, ',') < 0 {
			cr.Comma = '\t'
		}
	}
	cr.FieldsPerRecord = -1 // checked here, to say more than csv would
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("empty file: want a header line naming the columns (lesion_id, image_id, dx and the others)")
	}
	if err != nil {
		return nil, err
	}
	// The columns read, by their names in the header. The first three
	// must be there; the others may not be, and further columns are
	// ignored.
	metadataColumns := [...]string{"lesion_id", "image_id", "dx", "dx_type", "age", "sex", "localization"}
	const requiredColumns = 3
	var col [len(metadataColumns)]int
	for i := range col {
		col[i] = -1
	}
	for j, name := range header {
		name = strings.ToLower(strings.TrimSpace(name))
		for i, want := range metadataColumns {
			if name == want {
				if col[i] >= 0 {
					return nil, fmt.Errorf("line 1: column %s appears twice in the header", want)
				}
				col[i] = j
			}
		}
	}
	for i := range requiredColumns {
		if col[i] < 0 {
			return nil, fmt.Errorf("line 1: the header has no column %s (it has %s); is this HAM10000_metadata.csv?",
				metadataColumns[i], strings.Join(header, ","))
		}
	}
	var recs []Record
	seen := map[string]int{} // image id → line
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err // csv's errors name the line
		}
		line, _ := cr.FieldPos(0)
		if len(row) != len(header) {
			return nil, fmt.Errorf("line %d has %d fields, the header has %d", line, len(row), len(header))
		}
		field := func(i int) string {
			if col[i] < 0 {
				return ""
			}
			return strings.TrimSpace(row[col[i]])
		}
		rec := Record{
			LesionID:     field(0),
			ImageID:      field(1),
			DX:           strings.ToLower(field(2)),
			DXType:       field(3),
			Age:          field(4),
			Sex:          field(5),
			Localization: field(6),
			Line:         line,
		}
		if !validID(rec.ImageID) {
			return nil, fmt.Errorf("line %d: image id %q is not a file name (letters, digits, '_', '-' and '.')", line, rec.ImageID)
		}
		if rec.LesionID == "" {
			return nil, fmt.Errorf("line %d: image %s has no lesion id", line, rec.ImageID)
		}
		if _, ok := ClassIndex(rec.DX); !ok {
			return nil, fmt.Errorf("line %d: image %s has diagnosis %q, not one of %s",
				line, rec.ImageID, field(2), strings.Join(Classes(), ", "))
		}
		if prev, dup := seen[rec.ImageID]; dup {
			return nil, fmt.Errorf("line %d: image %s is already on line %d", line, rec.ImageID, prev)
		}
		seen[rec.ImageID] = line
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		return nil, errors.New("no rows after the header")
	}
	return recs, nil
}

// validID reports whether id can be the base of a file name: not empty,
// of letters, digits, '_', '-' and '.', and not a path.
func validID(id string) bool {
	if id == "" || id == "." || id == ".." {
		return false
	}
	for _, c := range id {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == '.':
		default:
			return false
		}
	}
	return true
}
