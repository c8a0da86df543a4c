package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gocnn/gocnn/ham10000"
	"github.com/gocnn/gocnn/imageprep"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/predict"
)

func runPredict(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("predict", "predict -model m.safetensors [flags] image... (- reads standard input)", stderr)
	path := fs.String("model", "", "model file (.safetensors) written by gocnn train")
	top := fs.Int("top", 3, "how many classes to show per image")
	metadata := fs.String("metadata", "", "HAM10000 model: a metadata file in HAM10000's layout (such as HAM10000_metadata.csv) with a row for each image, found by its file name (ISIC_0024306.jpg); each prediction then weighs the patient's age, sex and body site, as eval -metadata does")
	ensemble := fs.String("ensemble", "", "more model files, comma-separated, of the same inputs and classes (snapshots of one run, say): each image is predicted from the mean log-probabilities of them all and -model")
	views := fs.Int("tta", 1, "test-time augmentation: predict each image from the mean over this many of its flips and quarter turns (1: the image alone; up to 8 for square inputs, 4 otherwise)")
	decodeMB := fs.Int64("max-decode-mb", imageprep.DefaultMaxDecodeBytes>>20, "memory budget for decoding one image, in MiB: a picture whose decoded pixels would take more is refused from its header, before decoding")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	switch {
	case *path == "":
		return usagef("-model is required")
	case len(files) == 0:
		return usagef("name at least one PNG, JPEG or GIF file, or - for standard input")
	case *top < 1:
		return usagef("-top must be at least 1, got %d", *top)
	case *views < 1 || *views > 8:
		return usagef("-tta must be between 1 and 8, got %d", *views)
	case *decodeMB < 1 || *decodeMB > maxDecodeMB:
		return usagef("-max-decode-mb must be between 1 and %d, got %d", maxDecodeMB, *decodeMB)
	}
	dec := imageprep.Decoder{MaxBytes: *decodeMB << 20}
	env := nn.NewEnv(1, 1)
	defer env.Close()
	m, err := loadModel(*path, env)
	if err != nil {
		return err
	}
	others, err := loadEnsemble(*ensemble, *path, m, env)
	if err != nil {
		return err
	}
	env.Freeze() // predictions only: the weights stay as loaded
	var clinical *clinicalLookup
	if *metadata != "" {
		if clinical, err = newClinicalLookup(m, *path, *metadata); err != nil {
			return err
		}
	}
	failed := 0
	for _, file := range files {
		res, err := predictFile(m, others, dec, file, os.Stdin, *views)
		if err == nil && clinical != nil {
			res.Probs, err = clinical.weigh(res.Probs, file)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%v\n", err)
			failed++
			continue
		}
		fmt.Fprintf(stdout, "%s:", file)
		for _, c := range res.Top(min(*top, len(m.Classes))) {
			fmt.Fprintf(stdout, "  %s %.1f%%", m.Classes[c], 100*res.Probs[c])
		}
		fmt.Fprintln(stdout)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d images could not be read", failed, len(files))
	}
	return nil
}

// predictFile decodes one image file (or stdin for "-") and runs m, and
// the others of an ensemble if any, on views of it (see predict.Views,
// predict.Ensemble).
func predictFile(m *model.Model, others []*model.Model, dec imageprep.Decoder, file string, stdin io.Reader, views int) (*predict.Result, error) {
	var r io.Reader = stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	img, _, err := dec.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, decodeHint(err))
	}
	x, err := predict.Prepare(m, img)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var probs []float32
	if others == nil {
		probs, err = predict.Views(m, x, views)
	} else {
		probs, err = predict.Ensemble(append([]*model.Model{m}, others...), x, views)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &predict.Result{Input: x, Probs: probs}, nil
}

// clinicalLookup is what predict -metadata needs: the model's age, sex
// and body-site counts, and the metadata rows of the images, by image id.
type clinicalLookup struct {
	clinical *ham10000.Clinical
	path     string // the metadata file
	rows     map[string]ham10000.Record
}

func newClinicalLookup(m *model.Model, modelPath, metadataPath string) (*clinicalLookup, error) {
	c, err := modelClinical(m, modelPath, nil)
	if err != nil {
		return nil, err
	}
	records, err := ham10000.ReadMetadata(metadataPath)
	if err != nil {
		return nil, err
	}
	l := &clinicalLookup{clinical: c, path: metadataPath, rows: make(map[string]ham10000.Record, len(records))}
	for _, r := range records {
		l.rows[r.ImageID] = r
	}
	return l, nil
}

// weigh returns probs weighed with the age, sex and body site of the
// metadata row of file (its name without the extension is the image id).
func (l *clinicalLookup) weigh(probs []float32, file string) ([]float32, error) {
	id := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	row, ok := l.rows[id]
	if !ok {
		return nil, fmt.Errorf("%s: %s has no row for image %s", file, l.path, id)
	}
	evidence := make([]float64, len(probs))
	l.clinical.LogLikelihood(evidence, row)
	return predict.WithEvidence(probs, evidence)
}

// maxDecodeMB bounds -max-decode-mb: 64 GiB, far beyond any picture, low
// enough that the budget in bytes cannot overflow.
const maxDecodeMB = 64 << 10

// decodeHint adds to a decoding error that the budget refused how to
// raise it.
func decodeHint(err error) error {
	if errors.Is(err, imageprep.ErrTooLarge) {
		return fmt.Errorf("%w (-max-decode-mb raises the budget)", err)
	}
	return err
}
