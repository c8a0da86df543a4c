// Package trainingdata loads, by name, the data a training run learns
// from and is scored on, as gocnn train does: MNIST or Fashion-MNIST
// (fetched when missing), HAM10000, or a folder of pictures with one
// subfolder per class.
//
// LoadParts reads a dataset in the parts it comes in: MNIST's and
// Fashion-MNIST's own training and test sets; HAM10000 split into
// training, validation and test parts by lesion (70/15/15), or by a
// split file; a folder as package imagefolder splits it. A split that is
// drawn is written to a file, so that the run, and whoever scores its
// model, can load the same parts again. Select then keeps some of the
// classes, cuts the training and test sets to a number of examples
// spread through them, and holds a share of the training set out for
// validation where the dataset has no validation part. Load does both.
//
// Every split is drawn from Options.Seed, so the same options give the
// same sets; Sets.Info records where they came from in a model's info.
package trainingdata

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/ham10000"
	"github.com/gocnn/gocnn/imagefolder"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/rng"
)

// HAM10000 is the name Options.Name gives the HAM10000 skin-lesion
// images by.
const HAM10000 = "ham10000"

// Options say which data to load and how to cut it.
type Options struct {
	// Name is "mnist", "fashion-mnist" (see data.Catalog), HAM10000, or
	// the path of a folder of pictures with one subfolder per class.
	Name string
	// Dir is the data folder: the one holding MNIST's and
	// Fashion-MNIST's folders, or the one holding HAM10000_metadata.csv.
	// "" means data.DefaultDir(), and its folder ham10000 for HAM10000.
	// (A folder of pictures is Name itself.)
	Dir string
	// Seed draws the splits: HAM10000's and a folder's from Seed+3, the
	// validation set Select holds out from Seed+2. It is meant to be the
	// run's seed (see train.Recipe), which draws the weights from Seed
	// and orders the examples from Seed+1.
	Seed uint64

	// Height and Width are the size pictures are resized to: HAM10000's
	// (both required, from 8 to 600) or a folder's (0 for the size of
	// its median picture; see imagefolder.Options).
	Height, Width int
	// Channels is a folder's: 1 (gray) or 3 (colour), 0 for gray when
	// every picture is gray. HAM10000 is always in colour.
	Channels int
	// Images is the folder of HAM10000's ISIC_*.jpg pictures; "" looks
	// for them under Dir.
	Images string
	// Split is how HAM10000 is split: "grouped" (by lesion, the default
	// for "") or "image", which lets a lesion's images land in two parts
	// and so inflates test scores: only to compare with figures split
	// that way.
	Split string
	// SplitFile names a split to read rather than draw: as
	// ham10000.WriteSplitCSV writes one for HAM10000, or as
	// imagefolder.Set.WriteSplit does for a folder. It must exist.
	SplitFile string
	// SplitOut is where a split that is drawn is written, "" for nowhere.
	SplitOut string
	// TrainVal joins the validation part to the training set, leaving
	// no validation set: for the final run of a recipe already settled,
	// which picks no epoch.
	TrainVal bool

	// Classes, when not "", keeps these classes only, by index or name
	// ("3,5" for the two-digit task; see data.ParseClassList), in every
	// set and in that order.
	Classes string
	// TrainLimit and TestLimit cut the training and test sets to so
	// many examples spread evenly through them (see data.Spread); 0
	// keeps them all.
	TrainLimit, TestLimit int
	// Validation is the share of the training set held out, stratified
	// by class, as the validation set of a dataset that has no
	// validation part (MNIST and Fashion-MNIST), in [0, 1).
	Validation float64

	// Log, if set, receives a line for each thing worth telling: the
	// sources a download tries, the cache a load uses, files left out.
	Log func(msg string)
	// FetchProgress, if set, is called as a file of MNIST or
	// Fashion-MNIST downloads (see data.LoadOptions).
	FetchProgress func(file string, done, total int64)
	// Progress, if set, is called as a folder's pictures are decoded.
	Progress func(done, total int)
}

// An OptionError names the field of Options that is wrong, by gocnn
// train's flag for it: "data", "val", "train-limit", "test-limit",
// "train-val", "channels", "size", "split", "split-file" or "classes".
type OptionError struct {
	Field string
	Err   error
}

func (e *OptionError) Error() string { return fmt.Sprintf("%s: %v", e.Field, e.Err) }
func (e *OptionError) Unwrap() error { return e.Err }

func optionErr(field string, format string, args ...any) error {
	return &OptionError{Field: field, Err: fmt.Errorf(format, args...)}
}

// IsFolder reports whether name names a folder of pictures rather than
// a dataset of the catalogue or HAM10000: a folder that exists.
func IsFolder(name string) bool {
	if name == HAM10000 {
		return false
	}
	if _, err := data.Lookup(name); err == nil {
		return false
	}
	st, err := os.Stat(name)
	return err == nil && st.IsDir()
}

// ComesSplit reports whether the named data comes split into training,
// validation and test parts, as HAM10000 and folders of pictures do;
// MNIST and Fashion-MNIST come as a training and a test set, and a
// validation set is held out of the first (Options.Validation).
func ComesSplit(name string) bool { return name == HAM10000 || IsFolder(name) }

// ShortName is what the named data is called in file names and reports:
// a folder's own name ("flowers" for ../pictures/flowers/), and any
// other name as it is.
func ShortName(name string) string {
	if IsFolder(name) {
		return filepath.Base(filepath.Clean(name))
	}
	return name
}

// The sides ParseSize accepts, and HAM10000's Height and Width must
// have. (A folder's pictures may be loaded at any size imagefolder
// accepts.)
const (
	MinSide = 8
	MaxSide = 600
)

// ParseSize reads a picture size written HEIGHTxWIDTH, such as 64x64 or
// 75x100, each side from MinSide to MaxSide. Its error is an
// OptionError of the field "size".
func ParseSize(s string) (height, width int, err error) {
	a, b, ok := strings.Cut(s, "x")
	height, err1 := strconv.Atoi(a)
	width, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || !sideOK(height) || !sideOK(width) {
		return 0, 0, optionErr("size", "%q: want HEIGHTxWIDTH between %d and %d, such as 64x64", s, MinSide, MaxSide)
	}
	return height, width, nil
}

func sideOK(n int) bool { return n >= MinSide && n <= MaxSide }

// Check reports, as an OptionError, the first field of o that is wrong,
// without loading anything: an unknown name, a share or a limit out of
// range, a setting for the wrong kind of data. What only the data can
// tell (a class that is not there) Select reports.
func (o Options) Check() error {
	folder := IsFolder(o.Name)
	switch {
	case !(o.Validation >= 0 && o.Validation < 1):
		return optionErr("val", "must be a fraction in [0, 1), got %g", o.Validation)
	case o.TrainLimit < 0:
		return optionErr("train-limit", "must not be negative, got %d", o.TrainLimit)
	case o.TestLimit < 0:
		return optionErr("test-limit", "must not be negative, got %d", o.TestLimit)
	case o.TrainVal && !ComesSplit(o.Name):
		return optionErr("train-val", "is for ham10000 and picture folders; elsewhere -val holds out a validation set")
	case o.Name == HAM10000 && o.Validation != 0:
		return optionErr("val", "does not apply to ham10000, which is split by lesion into train, validation and test parts")
	case folder && o.Validation != 0:
		return optionErr("val", "does not apply to a folder of pictures, which is split into train, validation and test parts")
	case o.Channels != 0 && o.Channels != 1 && o.Channels != 3:
		return optionErr("channels", "%d: want 1 (gray) or 3 (colour)", o.Channels)
	case o.Name == HAM10000 && (!sideOK(o.Height) || !sideOK(o.Width)):
		return optionErr("size", "%dx%d: want HEIGHTxWIDTH between %d and %d, such as 64x64", o.Height, o.Width, MinSide, MaxSide)
	case o.Height < 0 || o.Width < 0:
		return optionErr("size", "%dx%d: want a positive HEIGHTxWIDTH, or 0x0 for the median picture's", o.Height, o.Width)
	case o.Name == HAM10000 && o.SplitFile == "" && o.Split != "" && o.Split != "grouped" && o.Split != "image":
		return optionErr("split", "%q: want grouped or image", o.Split)
	}
	if o.Name != HAM10000 && !folder {
		if _, err := data.Lookup(o.Name); err != nil {
			return optionErr("data", "%v (or ham10000, or a folder of pictures)", err)
		}
	}
	return nil
}

// Stem is what a run on the data o describes is called in file names:
// ShortName, and the classes it keeps, if not all, with what cannot be
// in a file name replaced: "mnist", "flowers", "mnist-classes-3-5",
// "fashion-mnist-classes-T_shirt_top-Bag".
func (o Options) Stem() string {
	name := ShortName(o.Name)
	if o.Classes == "" {
		return name
	}
	fields := strings.Split(o.Classes, ",")
	for i, f := range fields {
		fields[i] = strings.Map(func(r rune) rune {
			if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				return r
			}
			return '_'
		}, strings.TrimSpace(f))
	}
	return name + "-classes-" + strings.Join(fields, "-")
}

// hamDir is the folder holding HAM10000's metadata.
func (o Options) hamDir() string {
	if o.Dir != "" {
		return o.Dir
	}
	if d, err := data.DefaultDir(); err == nil {
		return filepath.Join(d, HAM10000)
	}
	return HAM10000
}

// Sets are the training, validation and test sets of a run.
type Sets struct {
	Train      *data.Dataset
	Validation *data.Dataset // nil for none
	Test       *data.Dataset

	// Options are the options the sets were loaded with.
	Options Options

	// Split says where the parts came from: "" for a dataset's own
	// training and test sets; for HAM10000 "grouped" or "image" (drawn)
	// or "file"; for a folder "folders" (its train/ and test/), "drawn"
	// or "file" (see imagefolder.Set).
	Split string
	// SplitFile is the split file read, or written (Options.SplitOut)
	// for a split drawn; "" for none.
	SplitFile string
	// PartSizes are the sizes of the training, validation and test parts
	// as split, before TrainVal and Select.
	PartSizes [3]int
	// Joined is set when TrainVal joined a validation part to the
	// training set (a folder split into train/ and test/ only has none).
	Joined bool

	// Leaky is set for a HAM10000 split in which some lesion has images
	// in more than one part (always for Options.Split "image"), and
	// SharedLesions lists those lesions.
	Leaky         bool
	SharedLesions []string
	// Skipped lists a folder's files that could not be read.
	Skipped []imagefolder.Skip

	trainRecords []ham10000.Record // HAM10000: the training part's metadata
	norm         *data.Normalization
}

// Load loads the data o names, as LoadParts, and cuts it, as Select.
func Load(ctx context.Context, o Options) (*Sets, error) {
	s, err := LoadParts(ctx, o)
	if err != nil {
		return nil, err
	}
	if err := s.Select(); err != nil {
		return nil, err
	}
	return s, nil
}

// LoadParts loads the data o names in the parts it comes in, with the
// validation part joined to the training set for TrainVal, but all of
// its classes and examples: Select cuts them. ctx stops a download of
// MNIST or Fashion-MNIST. A split drawn is written to o.SplitOut.
func LoadParts(ctx context.Context, o Options) (*Sets, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	switch {
	case o.Name == HAM10000:
		return loadHAM(o)
	case IsFolder(o.Name):
		return loadFolder(o)
	}
	train, test, err := data.LoadContext(ctx, o.Name, data.LoadOptions{DataDir: o.Dir, Progress: o.FetchProgress, Log: o.Log})
	if err != nil {
		return nil, err
	}
	return &Sets{Train: train, Test: test, Options: o, PartSizes: [3]int{train.Len(), 0, test.Len()}}, nil
}

// loadHAM loads HAM10000 resized and split into training, validation and
// test parts by lesion (or by image, or as a split file says), and
// writes a split it draws to o.SplitOut.
func loadHAM(o Options) (*Sets, error) {
	opts := ham10000.Options{Dir: o.hamDir(), Height: o.Height, Width: o.Width, Channels: 3, Log: o.Log}
	if o.Images != "" {
		opts.ImageDirs = []string{o.Images}
	}
	set, err := ham10000.Load(opts)
	if err != nil {
		return nil, err
	}
	s := &Sets{Options: o, Split: "grouped", SplitFile: o.SplitFile}
	var split ham10000.Split
	fractions := ham10000.Fractions{Train: 0.7, Val: 0.15, Test: 0.15}
	switch {
	case o.SplitFile != "":
		s.Split = "file"
		split, err = ham10000.ReadSplitCSV(o.SplitFile, set.Records)
	case o.Split == "image":
		s.Split = "image"
		split, err = ham10000.LeakyImageSplit(set.Records, fractions, rng.New(o.Seed+3))
	default:
		split, err = ham10000.GroupedSplit(set.Records, fractions, rng.New(o.Seed+3))
	}
	if err != nil {
		return nil, err
	}
	if o.SplitFile == "" && o.SplitOut != "" {
		if err := ham10000.WriteSplitCSV(o.SplitOut, set.Records, split); err != nil {
			return nil, err
		}
		s.SplitFile = o.SplitOut
	}
	if split.Leaky {
		s.Leaky, s.SharedLesions = true, split.SharedLesions(set.Records)
	}
	s.PartSizes = [3]int{len(split.Train), len(split.Val), len(split.Test)}
	train := split.Train
	if o.TrainVal {
		train, s.Joined = append(slices.Clone(split.Train), split.Val...), true
	}
	s.trainRecords = set.RecordsAt(train)
	// The parts hold the loaded images, reordered, rather than copies of
	// them: set is not used again.
	parts := [][]int{train, split.Test}
	if !o.TrainVal {
		parts = append(parts, split.Val)
	}
	ds, err := set.Dataset.Partition(parts...)
	if err != nil {
		return nil, err
	}
	s.Train, s.Test = ds[0], ds[1]
	s.Train.Name, s.Test.Name = HAM10000+"/train", HAM10000+"/test"
	if !o.TrainVal {
		s.Validation = ds[2]
		s.Validation.Name = HAM10000 + "/val"
	}
	return s, nil
}

// loadFolder loads the folder of pictures o.Name in its parts, and
// writes a split it draws to o.SplitOut.
func loadFolder(o Options) (*Sets, error) {
	if o.SplitFile != "" {
		// A split file named but missing is a mistake, not a reason to
		// draw a new split silently.
		if _, err := os.Stat(o.SplitFile); err != nil {
			return nil, &OptionError{Field: "split-file", Err: err}
		}
	}
	set, err := imagefolder.Load(imagefolder.Options{Dir: o.Name, Height: o.Height, Width: o.Width, Channels: o.Channels,
		Seed: o.Seed + 3, SplitFile: o.SplitFile, Log: o.Log, Progress: o.Progress})
	if err != nil {
		return nil, err
	}
	s := &Sets{Options: o, Split: set.Split, SplitFile: o.SplitFile, Skipped: set.Skipped}
	if set.Split == "drawn" && o.SplitOut != "" {
		if err := set.WriteSplit(o.SplitOut); err != nil {
			return nil, err
		}
		s.SplitFile = o.SplitOut
	}
	s.Train, s.Validation, s.Test = set.Parts[imagefolder.Train], set.Parts[imagefolder.Validation], set.Parts[imagefolder.Test]
	s.PartSizes = [3]int{s.Train.Len(), 0, s.Test.Len()}
	if s.Validation != nil {
		s.PartSizes[1] = s.Validation.Len()
		if o.TrainVal {
			s.Train, s.Validation, s.Joined = set.Part(imagefolder.Train, imagefolder.Validation), nil, true
		}
	}
	return s, nil
}

// Select cuts the sets as s.Options say: it keeps the Classes named, in
// every set, cuts the training and test sets to TrainLimit and TestLimit
// examples, and then holds the Validation share of the training set out
// as the validation set. A class list that names a class the data does
// not have, or fewer than two distinct classes, is an OptionError. Call
// it once.
func (s *Sets) Select() error {
	o := s.Options
	if o.Classes != "" {
		classes, err := data.ParseClassList(o.Classes, s.Train.Classes)
		if err != nil {
			return &OptionError{Field: "classes", Err: err}
		}
		if distinct := slices.Compact(slices.Sorted(slices.Values(classes))); len(distinct) < 2 {
			return optionErr("classes", "%q: a classifier needs at least two classes", o.Classes)
		}
		for _, d := range []**data.Dataset{&s.Train, &s.Validation, &s.Test} {
			if *d == nil {
				continue
			}
			if *d, err = (*d).ClassSubset(classes); err != nil {
				return err
			}
		}
	}
	s.Train, s.Test = s.Train.Limit(o.TrainLimit), s.Test.Limit(o.TestLimit)
	if o.Validation > 0 {
		var err error
		if s.Train, s.Validation, err = s.Train.Split(o.Validation, rng.New(o.Seed+2)); err != nil {
			return err
		}
	}
	return nil
}

// Normalize normalises every set with n, and remembers it for Input:
// the training set's statistics (data.ComputeNormalization), or those a
// model was trained with.
func (s *Sets) Normalize(n data.Normalization) error {
	for _, d := range []*data.Dataset{s.Train, s.Test, s.Validation} {
		if d == nil {
			continue
		}
		if err := n.Apply(d); err != nil {
			return err
		}
	}
	s.norm = &n
	return nil
}

// Input is the input of a model trained on s: the examples' shape,
// MNIST's preparation of a digit for MNIST (model.PrepMNIST) and plain
// resizing for the rest, and the normalisation Normalize applied.
func (s *Sets) Input() model.Input {
	in := model.Input{Shape: s.Train.Shape(), Prep: model.PrepResize}
	if s.Options.Name == "mnist" {
		in.Prep = model.PrepMNIST
	}
	if s.norm != nil {
		in.Mean, in.Std = s.norm.Mean, s.norm.Std
	}
	return in
}

// Info returns what a model trained on s keeps of its data in its info,
// so that it can be scored later on the same parts: the dataset's name
// and the seed; for a folder, its path, its split file, its channels and
// whether TrainVal was set; for HAM10000 its ham10000.Provenance, with
// the age, sex and body-site counts of the training part for the
// classes kept.
func (s *Sets) Info() (map[string]string, error) {
	o := s.Options
	info := map[string]string{"dataset": o.Name, "seed": strconv.FormatUint(o.Seed, 10)}
	switch {
	case o.Name == HAM10000:
		clinical, err := ham10000.FitClinical(s.trainRecords, s.Train.Classes)
		if err != nil {
			return nil, err
		}
		ham10000.Provenance{DataDir: o.hamDir(), Images: o.Images, SplitFile: s.SplitFile,
			TrainVal: o.TrainVal, Clinical: clinical}.WriteInfo(info)
	case IsFolder(o.Name):
		info["dataset"] = "folder"
		info["data_dir"] = abs(o.Name)
		if s.SplitFile != "" {
			info["split_file"] = abs(s.SplitFile)
		}
		if o.TrainVal {
			info["train_val"] = "true"
		}
		info["channels"] = strconv.Itoa(s.Train.Shape()[0])
	}
	return info, nil
}

func abs(path string) string {
	if a, err := filepath.Abs(path); err == nil {
		return a
	}
	return path
}
