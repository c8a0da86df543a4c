package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/ham10000"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/train"
	"github.com/gocnn/gocnn/trainingdata"
)

// scoreFlags are the flags of the commands that score a saved model on a
// test set: eval and report.
type scoreFlags struct {
	path, name, dataDir string
	part                string // -part: test or validation
	limit, threads      int
	views               int     // -tta
	ensemble            string  // -ensemble: more model files, comma-separated
	byLesion            bool    // -by-lesion
	clinical            bool    // -metadata
	priorAdjust         float64 // -prior-adjust: τ of the logit adjustment
}

func (s *scoreFlags) register(fs *flagSet) {
	fs.StringVar(&s.path, "model", "", "model file (.safetensors) written by gocnn train")
	fs.StringVar(&s.name, "data", "", "dataset to score on: mnist, fashion-mnist or ham10000 (default: the one the model was trained on)")
	fs.StringVar(&s.dataDir, "data-dir", "", "data folder (default: the one the model was trained from, else $GOCNN_DATA or gocnn in the user's cache folder)")
	fs.StringVar(&s.part, "part", "test", "HAM10000: which part of the model's split to score: test, or validation (to settle a recipe without looking at the test part)")
	fs.IntVar(&s.limit, "limit", 0, "use only N of the images scored, spread evenly through them (0: all)")
	fs.IntVar(&s.threads, "threads", 0, "worker threads (0: one per core)")
	fs.StringVar(&s.ensemble, "ensemble", "", "more model files, comma-separated, of the same inputs and classes (snapshots of one run, say): each image is predicted from the mean log-probabilities of them all and -model")
	fs.IntVar(&s.views, "tta", 1, "test-time augmentation: predict each image from the mean over this many of its flips and quarter turns (1: the image alone; up to 8 for square images, 4 otherwise)")
	fs.BoolVar(&s.byLesion, "by-lesion", false, "HAM10000: predict each lesion from all its test images together, and score every image with its lesion's answer")
	fs.BoolVar(&s.clinical, "metadata", false, "HAM10000: weigh each image's prediction with the patient's age, sex and body site from the metadata (a naive-Bayes model of them, counted on the training part of the model's split)")
	fs.Float64Var(&s.priorAdjust, "prior-adjust", 0, "HAM10000: post-hoc logit adjustment: lower each class's log-probability by this many times the log of its share of the training part of the model's split (0.5 after -class-weights sqrt predicts for balanced accuracy; 0: off)")
}

func (s *scoreFlags) check() error {
	switch {
	case s.path == "":
		return usagef("-model is required")
	case s.limit < 0:
		return usagef("-limit must not be negative, got %d", s.limit)
	case s.threads < 0:
		return usagef("-threads must not be negative, got %d", s.threads)
	case s.views < 1 || s.views > 8:
		return usagef("-tta must be between 1 and 8, got %d", s.views)
	case s.part != "test" && s.part != "validation":
		return usagef("-part %q: want test or validation", s.part)
	case !(s.priorAdjust >= 0) || math.IsInf(s.priorAdjust, 0):
		return usagef("-prior-adjust must be a number not below 0, got %v", s.priorAdjust)
	}
	return nil
}

// predictedHow says how -tta and -by-lesion make the predictions, or ""
// when each image is predicted alone as it is.
func (s *scoreFlags) predictedHow() string {
	var how []string
	if s.ensemble != "" {
		how = append(how, fmt.Sprintf("by %d models together", 1+len(strings.Split(s.ensemble, ","))))
	}
	if s.views > 1 {
		how = append(how, fmt.Sprintf("from %d views of each image (flips and quarter turns)", s.views))
	}
	if s.byLesion {
		how = append(how, "per lesion, from all its images")
	}
	if s.clinical {
		how = append(how, "with the age, sex and body site of the metadata")
	}
	if s.priorAdjust > 0 {
		how = append(how, fmt.Sprintf("with the training part's class shares taken out (τ = %g)", s.priorAdjust))
	}
	return strings.Join(how, ", ")
}

// scored is a saved model with its score on a test set.
type scored struct {
	model   *model.Model
	env     *nn.Env // close it when done
	test    *data.Dataset
	dataset string
	eval    *train.Evaluation
}

// score loads the model, the test set it is scored on, and scores it.
func (s *scoreFlags) score(stdout, stderr io.Writer) (*scored, error) {
	env := nn.NewEnv(1, s.threads)
	m, err := loadModel(s.path, env)
	if err != nil {
		env.Close()
		return nil, err
	}
	env.Freeze() // scoring only: the weights stay as loaded
	if err := s.checkFor(m); err != nil {
		env.Close()
		return nil, err
	}
	test, name, records, err := s.testSet(m, stdout, stderr)
	if err != nil {
		env.Close()
		return nil, err
	}
	scoring := train.Scoring{Views: s.views}
	others, err := loadEnsemble(s.ensemble, s.path, m, env)
	if err != nil {
		env.Close()
		return nil, err
	}
	for _, o := range others {
		scoring.Others = append(scoring.Others, o.Net)
	}
	if s.byLesion {
		scoring.Groups = ham10000.LesionGroups(records.test)
	}
	if s.clinical {
		clinical, err := modelClinical(m, s.path, records.train)
		if err != nil {
			env.Close()
			return nil, err
		}
		scoring.Evidence = clinical.Evidence(records.test)
	}
	if s.priorAdjust > 0 {
		shift, err := data.LogitAdjustment(classCounts(records.train, m.Classes), s.priorAdjust)
		if err != nil {
			env.Close()
			return nil, fmt.Errorf("-prior-adjust: the training part of %s's split: %w", s.path, err)
		}
		scoring.ClassShift = shift
	}
	ev, err := train.Score(m.Net, test, scoring)
	if err != nil {
		env.Close()
		return nil, err
	}
	return &scored{model: m, env: env, test: test, dataset: name, eval: ev}, nil
}

// loadEnsemble loads the models of an -ensemble list (comma-separated
// files) into env, each of which must take the inputs m, loaded from
// path, takes (shape, preparation and normalisation) and name its
// classes.
func loadEnsemble(list, path string, m *model.Model, env *nn.Env) ([]*model.Model, error) {
	if list == "" {
		return nil, nil
	}
	var models []*model.Model
	for _, file := range strings.Split(list, ",") {
		o, err := loadModel(file, env)
		if err != nil {
			return nil, err
		}
		switch {
		case !slices.Equal(o.Classes, m.Classes):
			return nil, fmt.Errorf("-ensemble: %s names the classes %v, %s %v", file, o.Classes, path, m.Classes)
		case !o.Input.Equal(m.Input):
			return nil, fmt.Errorf("-ensemble: %s takes inputs %s, %s takes %s", file, o.Input, path, m.Input)
		}
		models = append(models, o)
	}
	return models, nil
}

// dataset returns the name of the dataset m is scored on: -data, else the
// one it was trained on.
func (s *scoreFlags) dataset(m *model.Model) (string, error) {
	if s.name != "" {
		return s.name, nil
	}
	if name := m.Info["dataset"]; name != "" {
		return name, nil
	}
	return "", usagef("the model does not say which dataset it was trained on: give -data")
}

// checkFor refuses, before any data is loaded (or fetched), the flags that
// only HAM10000 takes when m is to be scored on another dataset.
func (s *scoreFlags) checkFor(m *model.Model) error {
	name, err := s.dataset(m)
	if err != nil || name == "ham10000" {
		return err
	}
	if name == "folder" || trainingdata.IsFolder(name) {
		switch {
		case s.byLesion:
			return usagef("-by-lesion: a folder of pictures has no lesions; it is for ham10000")
		case s.clinical:
			return usagef("-metadata: a folder of pictures has no patient metadata; it is for ham10000")
		case s.priorAdjust > 0:
			return usagef("-prior-adjust: it is for ham10000, whose model file names its training split")
		}
		return nil
	}
	if _, err := data.Lookup(name); err != nil {
		return usagef("-data: %v (or ham10000, or a folder of pictures)", err)
	}
	switch {
	case s.byLesion:
		return usagef("-by-lesion: %s has no lesions; it is for ham10000", name)
	case s.clinical:
		return usagef("-metadata: %s has no patient metadata; it is for ham10000", name)
	case s.priorAdjust > 0:
		return usagef("-prior-adjust: it is for ham10000, whose model file names its training split")
	case s.part != "test":
		return usagef("-part %s: %s has no validation part of its own; it is for ham10000", s.part, name)
	}
	return nil
}

// hamRecords is the metadata of a HAM10000 model's test images, one
// record per image, and of its training images.
type hamRecords struct {
	test, train []ham10000.Record
}

// testSet loads the set that m is scored on: the named dataset's test set,
// or the one the model was trained on when no -data is given (for
// HAM10000, the -part, test or validation, of the model's own split),
// restricted to and ordered by
// the model's classes, cut to the first -limit images, and normalised as
// the model's inputs were in training. It also returns the dataset's name
// and, for HAM10000, the metadata of the test and training images.
func (s *scoreFlags) testSet(m *model.Model, stdout, stderr io.Writer) (*data.Dataset, string, hamRecords, error) {
	var none hamRecords
	name, err := s.dataset(m)
	if err != nil {
		return nil, "", none, err
	}
	var test *data.Dataset
	var records []ham10000.Record
	var trainRecords []ham10000.Record
	switch {
	case name == "ham10000":
		var set *ham10000.Set
		if set, trainRecords, err = hamScoredSet(m, s.path, s.dataDir, s.part, stdout); err == nil {
			test, records = set.Dataset, set.Records
		}
	case name == "folder":
		test, err = folderScoredSet(m, s.path, "", s.part, stdout)
		name = trainingdata.ShortName(m.Info["data_dir"])
	case trainingdata.IsFolder(name):
		test, err = folderScoredSet(m, s.path, name, s.part, stdout)
		name = trainingdata.ShortName(name)
	default: // checkFor has checked the name and the flags
		_, test, err = loadData(name, s.dataDir, stdout, stderr)
	}
	if err != nil {
		return nil, "", none, err
	}
	if records != nil && !slices.Equal(test.Classes, m.Classes) {
		records = recordsOfClasses(records, m.Classes)
	}
	if test, err = matchClasses(test, m.Classes); err != nil {
		return nil, "", none, fmt.Errorf("%s on %s: %w", s.path, name, err)
	}
	if records != nil && len(records) != test.Len() {
		return nil, "", none, fmt.Errorf("%s: %d test images but %d records", s.path, test.Len(), len(records))
	}
	if idx := data.Spread(test.Len(), s.limit); idx != nil {
		test = test.Subset(idx)
		if records != nil {
			kept := make([]ham10000.Record, len(idx))
			for i, j := range idx {
				kept[i] = records[j]
			}
			records = kept
		}
	}
	if records != nil {
		for i, rec := range records { // each record still describes its image
			if rec.DX != test.Classes[test.Labels[i]] {
				return nil, "", none, fmt.Errorf("%s: test image %d is %s but its record (%s) says %s", s.path, i, test.Classes[test.Labels[i]], rec.ImageID, rec.DX)
			}
		}
	}
	if len(m.Input.Mean) > 0 {
		norm := data.Normalization{Mean: m.Input.Mean, Std: m.Input.Std}
		if err := norm.Apply(test); err != nil {
			return nil, "", none, err
		}
	}
	if !slices.Equal(test.Shape(), m.Input.Shape) {
		return nil, "", none, fmt.Errorf("%s expects inputs of shape %v, %s has %v", s.path, m.Input.Shape, name, test.Shape())
	}
	return test, name, hamRecords{test: records, train: trainRecords}, nil
}

// classCounts returns how many of records are of each of classes.
func classCounts(records []ham10000.Record, classes []string) []int {
	counts := make([]int, len(classes))
	for _, rec := range records {
		if c := slices.Index(classes, rec.DX); c >= 0 {
			counts[c]++
		}
	}
	return counts
}

// recordsOfClasses keeps the records whose diagnosis is one of classes,
// as matchClasses keeps their images.
func recordsOfClasses(records []ham10000.Record, classes []string) []ham10000.Record {
	var kept []ham10000.Record
	for _, rec := range records {
		if slices.Contains(classes, rec.DX) {
			kept = append(kept, rec)
		}
	}
	return kept
}
