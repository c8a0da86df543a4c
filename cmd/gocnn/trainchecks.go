package main

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/gocnn/gocnn/train"
	"github.com/gocnn/gocnn/trainingdata"
)

// checkGiven refuses flags given on the command line that would otherwise
// be ignored or quietly replaced: any setting beside -resume (the run goes
// on with the checkpoint's own), an explicit -lr 0 (which would mean the
// optimiser's default rate) and HAM10000's flags on other data.
func checkGiven(given map[string]bool, f *trainSettings, resuming bool) error {
	if resuming {
		var ignored []string
		for name := range given {
			if name != "resume" && name != "epochs" && name != "quiet" {
				ignored = append(ignored, "-"+name)
			}
		}
		if len(ignored) > 0 {
			slices.Sort(ignored)
			return usagef("%s: -resume carries on with the settings saved in the checkpoint; only -epochs (to raise the total) and -quiet go with it",
				strings.Join(ignored, ", "))
		}
		return nil
	}
	if given["init-from"] && given["model"] {
		return usagef("-init-from takes the network from %s; leave out -model", f.InitFrom)
	}
	if given["init-from"] && given["normalize"] {
		return usagef("-init-from keeps the normalisation its weights were trained with; leave out -normalize")
	}
	if given["lr"] && f.LR == 0 {
		return usagef("-lr must be positive, got 0 (leave -lr out for the optimiser's default)")
	}
	folder := trainingdata.IsFolder(f.Data)
	for _, name := range []string{"images", "size", "split", "split-file", "channels"} {
		switch {
		case !given[name], f.Data == "ham10000" && name != "channels":
		case folder && (name == "size" || name == "split-file" || name == "channels"):
		case folder:
			return usagef("-%s is for -data ham10000", name)
		case name == "channels":
			return usagef("-channels is for a folder of pictures; %s images keep theirs", f.Data)
		default:
			return usagef("-%s is for -data ham10000 or a folder of pictures; %s images keep their size", name, f.Data)
		}
	}
	f.sizeGiven = given["size"]
	return nil
}

// check refuses what the settings' recipe and data rules refuse, before
// anything is loaded, and returns the options of the data.
func (f *trainSettings) check() (trainingdata.Options, error) {
	// The recipe's numbers, names and ranges.
	if err := recipeUsage(f.recipe().Check()); err != nil {
		return trainingdata.Options{}, err
	}
	ownSplit := trainingdata.ComesSplit(f.Data)
	switch {
	case f.Threads < 0:
		return trainingdata.Options{}, usagef("-threads must be 0 (all cores) or more, got %d", f.Threads)
	case f.TrainLimit < 0 || f.TestLimit < 0:
		return trainingdata.Options{}, usagef("-train-limit and -test-limit must not be negative")
	case f.EarlyStop != "" && f.Val == 0 && !ownSplit:
		return trainingdata.Options{}, usagef("-early-stop needs a validation set: add -val 0.1")
	case f.Ham.TrainVal && ownSplit && f.Best != "" && f.Best != "last":
		return trainingdata.Options{}, usagef("-best %s: with -train-val there is no validation set to pick an epoch with", f.Best)
	}
	return f.dataOptions()
}

// flagUsage is the usage error of a flag's value, from the error of the
// field it sets. A message that goes on from the flag or its value
// follows it: "-sampler \"random\": want ...", "-mixup -1: want ...",
// "-epochs must be at least 1, got 0", "-val does not apply to ...";
// one of its own follows a colon: "-schedule: unknown schedule ...".
func flagUsage(flag string, err error) error {
	msg := err.Error()
	goesOn := msg != "" && strings.ContainsRune(`"-0123456789`, rune(msg[0]))
	for _, verb := range []string{"must ", "does not ", "is for "} {
		goesOn = goesOn || strings.HasPrefix(msg, verb)
	}
	if goesOn {
		return usagef("-%s %s", flag, msg)
	}
	return usagef("-%s: %s", flag, msg)
}

// recipeUsage turns a train.RecipeError into the usage error of the flag
// of its field; other errors pass as they are.
func recipeUsage(err error) error {
	re := (*train.RecipeError)(nil)
	if !errors.As(err, &re) {
		return err
	}
	return flagUsage(re.Field, re.Err)
}

// optionUsage turns a trainingdata.OptionError into the usage error of the
// flag of its field, but for a file the flag names that cannot be read,
// which is a failure like any missing file; other errors pass as they
// are.
func optionUsage(err error) error {
	oe := (*trainingdata.OptionError)(nil)
	if !errors.As(err, &oe) {
		return err
	}
	if pe := (*fs.PathError)(nil); errors.As(oe.Err, &pe) {
		return fmt.Errorf("-%s: %w", oe.Field, oe.Err)
	}
	return flagUsage(oe.Field, oe.Err)
}
