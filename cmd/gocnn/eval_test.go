package main

import (
	"strings"
	"testing"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/tensor"
)

// TestMatchClassesByName checks that a model's classes are found in a
// dataset by name: a two-digit model's "5" and "3" are MNIST's, relabelled
// in the model's order, and a digit model's "3" is not Fashion-MNIST's
// class number 3.
func TestMatchClassesByName(t *testing.T) {
	digits := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	d := &data.Dataset{Name: "mnist", Images: tensor.New(4, 1, 2, 2), Labels: []int{3, 5, 7, 5}, Classes: digits}
	got, err := matchClasses(d, []string{"5", "3"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != 3 || got.Labels[0] != 1 || got.Labels[1] != 0 || got.Labels[2] != 0 || got.Classes[0] != "5" {
		t.Errorf("two-digit subset: labels %v, classes %v; want [1 0 0] of [5 3]", got.Labels, got.Classes)
	}

	fashion := []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
	f := &data.Dataset{Name: "fashion-mnist", Images: tensor.New(2, 1, 2, 2), Labels: []int{3, 1}, Classes: fashion}
	if _, err := matchClasses(f, digits); err == nil || !strings.Contains(err.Error(), `class "0" is not a class of the dataset`) {
		t.Errorf("digit model on Fashion-MNIST: error %v, want one naming class \"0\"", err)
	}
}

// TestEvalChecksHAMFlagsFirst scores an MNIST model with HAM10000's flags
// and a data folder that holds nothing: the flags must be refused before
// any data is looked for (or fetched).
func TestEvalChecksHAMFlagsFirst(t *testing.T) {
	dir := t.TempDir()
	path := saveTinyModel(t, dir, model.Input{Shape: []int{1, 28, 28}, Prep: model.PrepResize}, []string{"0", "1", "2"})
	empty := t.TempDir()
	for _, c := range []struct {
		flag []string
		want string
	}{
		{[]string{"-by-lesion"}, "-by-lesion: mnist has no lesions"},
		{[]string{"-metadata"}, "-metadata: mnist has no patient metadata"},
		{[]string{"-prior-adjust", "0.5"}, "-prior-adjust: it is for ham10000"},
		{[]string{"-part", "validation"}, "-part validation: mnist has no validation part"},
		{[]string{"-data", "cifar"}, "-data: "},
	} {
		args := append([]string{"eval", "-model", path, "-data-dir", empty}, c.flag...)
		code, stdout, stderr := runCLI(args...)
		if code != 2 || !strings.Contains(stderr, c.want) || stdout != "" {
			t.Errorf("eval %s: status %d, stderr %q, stdout %q; want 2 and %q before any loading", strings.Join(c.flag, " "), code, stderr, stdout, c.want)
		}
	}
}
