package ham10000

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
)

// Provenance is what a model trained on HAM10000 remembers of its data,
// in its file's info (model.Model.Info), so that eval, report and predict
// can find its pictures and its split again, refuse to score a part it
// trained on, and weigh its predictions with the patients' metadata.
type Provenance struct {
	DataDir   string // the folder holding HAM10000_metadata.csv
	Images    string // the folder of the ISIC_*.jpg pictures, if not under DataDir
	SplitFile string // the split the model was trained with (WriteSplitCSV)
	TrainVal  bool   // trained on the split's training and validation parts together

	// Clinical holds the age, sex and body-site counts of the training
	// pictures; nil for a model saved before models kept them.
	Clinical *Clinical
}

// The model-info keys of a Provenance.
const (
	infoDataDir   = "data_dir"
	infoImages    = "images"
	infoSplitFile = "split_file"
	infoTrainVal  = "train_val"
	infoClinical  = "clinical"
)

// WriteInfo records p in a model's info, paths made absolute.
func (p Provenance) WriteInfo(info map[string]string) {
	abs := func(path string) string {
		if a, err := filepath.Abs(path); err == nil {
			return a
		}
		return path
	}
	info[infoDataDir] = abs(p.DataDir)
	info[infoSplitFile] = abs(p.SplitFile)
	if p.TrainVal {
		info[infoTrainVal] = "true"
	}
	if p.Images != "" {
		info[infoImages] = abs(p.Images)
	}
	if p.Clinical != nil {
		info[infoClinical] = p.Clinical.Text()
	}
}

// ReadProvenance reads what WriteInfo recorded in a model's info.
func ReadProvenance(info map[string]string) (Provenance, error) {
	p := Provenance{DataDir: info[infoDataDir], Images: info[infoImages], SplitFile: info[infoSplitFile],
		TrainVal: info[infoTrainVal] == "true"}
	if text, ok := info[infoClinical]; ok {
		c, err := ParseClinical(text)
		if err != nil {
			return Provenance{}, err
		}
		p.Clinical = c
	}
	return p, nil
}

// ErrTrainedOn is wrapped by the error of Scored for the validation part
// of a model that was trained on it: scoring it would say nothing.
var ErrTrainedOn = errors.New("scoring that part says nothing")

// Scored loads the part, "test" or "validation", of the split the model
// was trained with, its pictures of c channels resized to h×w, from
// p.DataDir (or dataDir, when it is not ""), with their records, and the
// records of the split's training part. It refuses the validation part of
// a model that trained on it (ErrTrainedOn): its info says so, and models
// saved before it did are told by their clinical counts, which then cover
// more pictures of some class than the training part holds.
func (p Provenance) Scored(part, dataDir string, c, h, w int, log func(string)) (*Set, []Record, error) {
	if p.SplitFile == "" {
		return nil, nil, errors.New("the model does not name the split file it was trained with")
	}
	if dataDir == "" {
		dataDir = p.DataDir
	}
	opts := Options{Dir: dataDir, Height: h, Width: w, Channels: c, Log: log}
	if p.Images != "" {
		opts.ImageDirs = []string{p.Images}
	}
	set, err := Load(opts)
	if err != nil {
		return nil, nil, err
	}
	split, err := ReadSplitCSV(p.SplitFile, set.Records)
	if err != nil {
		return nil, nil, err
	}
	trainRecords := set.RecordsAt(split.Train)
	indices, name := split.Test, "ham10000/test"
	if part == "validation" {
		if err := p.refuseTrainedOn(trainRecords); err != nil {
			return nil, nil, err
		}
		indices, name = split.Val, "ham10000/val"
	}
	scored := set.Subset(indices)
	scored.Dataset.Name = name
	return scored, trainRecords, nil
}

// refuseTrainedOn returns an error wrapping ErrTrainedOn when the model
// was trained on its split's validation part too.
func (p Provenance) refuseTrainedOn(trainRecords []Record) error {
	if p.TrainVal {
		return fmt.Errorf("the model was trained on its split's validation part too (-train-val), so %w", ErrTrainedOn)
	}
	if p.Clinical == nil {
		return nil // saved before -train-val existed
	}
	inTrain := map[string]int{}
	for _, rec := range trainRecords {
		inTrain[rec.DX]++
	}
	for i, class := range p.Clinical.Classes {
		if p.Clinical.Total[i] > inTrain[class] {
			return fmt.Errorf("the model was trained on %d images of %s, more than the %d of its split's training part: on its validation part too (-train-val), so %w",
				p.Clinical.Total[i], class, inTrain[class], ErrTrainedOn)
		}
	}
	return nil
}

// ClinicalFor returns the age, sex and body-site counts to weigh the
// model's predictions with, for its classes: the ones it keeps, or, for a
// model saved before models kept them, the counts of trainRecords (its
// split's training part), which are the same. trainRecords may be nil
// when the model keeps them.
func (p Provenance) ClinicalFor(classes []string, trainRecords []Record) (*Clinical, error) {
	if p.Clinical == nil {
		if trainRecords == nil {
			return nil, errors.New("the model keeps no age, sex and body-site counts (it was trained before gocnn kept them); eval -metadata counts them on its split")
		}
		return FitClinical(trainRecords, classes)
	}
	if !slices.Equal(p.Clinical.Classes, classes) {
		return nil, fmt.Errorf("its clinical counts are for the classes %v, the model's are %v", p.Clinical.Classes, classes)
	}
	return p.Clinical, nil
}
