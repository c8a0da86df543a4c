// Package metrics measures how well a classifier does: a confusion matrix
// and the scores derived from it (accuracy, balanced accuracy, per-class
// precision, recall and F1, macro-F1), and TopK, which picks the most
// probable classes of one prediction.
//
// The definitions follow scikit-learn's, including its zero_division=0
// convention: a ratio whose denominator is zero counts as 0.
package metrics

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Confusion counts a classifier's answers by true and predicted class:
// Counts[t][p] is the number of examples of class t that were predicted as
// class p. The diagonal holds the correct answers.
type Confusion struct {
	Classes []string // class names, in label order
	Counts  [][]int  // [true class][predicted class]
}

// NewConfusion returns an empty confusion matrix for the named classes.
func NewConfusion(classes []string) *Confusion {
	c := &Confusion{Classes: append([]string(nil), classes...), Counts: make([][]int, len(classes))}
	for i := range c.Counts {
		c.Counts[i] = make([]int, len(classes))
	}
	return c
}

// Add counts one example of class truth that was predicted as predicted.
// A class index outside the matrix is an error, and nothing is counted.
func (c *Confusion) Add(truth, predicted int) error {
	n := len(c.Classes)
	if truth < 0 || truth >= n || predicted < 0 || predicted >= n {
		return fmt.Errorf("metrics: class pair (true %d, predicted %d) outside the %d classes", truth, predicted, n)
	}
	c.Counts[truth][predicted]++
	return nil
}

// Total is the number of examples counted.
func (c *Confusion) Total() int {
	t := 0
	for _, row := range c.Counts {
		for _, v := range row {
			t += v
		}
	}
	return t
}

// Correct is the number of examples predicted as their true class.
func (c *Confusion) Correct() int {
	t := 0
	for i := range c.Counts {
		t += c.Counts[i][i]
	}
	return t
}

// Support is the number of examples whose true class is class.
func (c *Confusion) Support(class int) int {
	t := 0
	for _, v := range c.Counts[class] {
		t += v
	}
	return t
}

// Predicted is the number of examples predicted as class.
func (c *Confusion) Predicted(class int) int {
	t := 0
	for _, row := range c.Counts {
		t += row[class]
	}
	return t
}

// ratio is a/b, or 0 when b is 0.
func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Accuracy is the fraction of examples predicted correctly (0 if there
// are none).
func (c *Confusion) Accuracy() float64 { return ratio(c.Correct(), c.Total()) }

// Precision of class is the fraction of the examples predicted as class
// that really are of it. A class that was never predicted has precision 0.
func (c *Confusion) Precision(class int) float64 {
	return ratio(c.Counts[class][class], c.Predicted(class))
}

// Recall of class is the fraction of its examples that were predicted as
// it. A class with no examples has recall 0.
func (c *Confusion) Recall(class int) float64 {
	return ratio(c.Counts[class][class], c.Support(class))
}

// F1 of class is the harmonic mean of its precision and recall, 0 when
// both are 0.
func (c *Confusion) F1(class int) float64 {
	p, r := c.Precision(class), c.Recall(class)
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// BalancedAccuracy is the mean recall over the classes that occur among
// the true labels: every such class weighs the same however rare it is,
// which is what matters on a skewed data set such as HAM10000. Classes
// with no examples are left out (there is nothing to recall); with none
// at all it is 0.
func (c *Confusion) BalancedAccuracy() float64 {
	sum, n := 0.0, 0
	for k := range c.Classes {
		if c.Support(k) > 0 {
			sum += c.Recall(k)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// MacroF1 is the mean F1 over the classes that occur among the true labels
// or the predictions (as scikit-learn's f1_score(average="macro") averages
// over the labels it sees). A class predicted but never true counts with
// F1 0; a class that appears nowhere is left out.
func (c *Confusion) MacroF1() float64 {
	sum, n := 0.0, 0
	for k := range c.Classes {
		if c.Support(k) > 0 || c.Predicted(k) > 0 {
			sum += c.F1(k)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// String returns the report that Format writes.
func (c *Confusion) String() string {
	var b strings.Builder
	c.Format(&b)
	return b.String()
}

// Format writes a readable report: the matrix with class names heading its
// rows (true class) and columns (predicted class); then per class its
// precision, recall, F1 and support; then accuracy, balanced accuracy and
// macro-F1. A score whose denominator is zero (a class never predicted,
// or with no examples) is printed as 0 with a '*' and a note.
func (c *Confusion) Format(w io.Writer) error {
	var b strings.Builder
	n := len(c.Classes)

	// Column widths: the first column holds the class names; each count
	// column is as wide as its name or its largest count.
	nameW := len("true \\ predicted")
	for _, s := range c.Classes {
		nameW = max(nameW, utf8.RuneCountInString(s))
	}
	colW := make([]int, n)
	for p := range colW {
		colW[p] = utf8.RuneCountInString(c.Classes[p])
		for t := range c.Counts {
			colW[p] = max(colW[p], len(fmt.Sprint(c.Counts[t][p])))
		}
	}

	fmt.Fprintf(&b, "%-*s", nameW, "true \\ predicted")
	for p, s := range c.Classes {
		fmt.Fprintf(&b, "  %*s", colW[p], s)
	}
	b.WriteString("\n")
	for t, s := range c.Classes {
		fmt.Fprintf(&b, "%-*s", nameW, s)
		for p := range c.Classes {
			fmt.Fprintf(&b, "  %*d", colW[p], c.Counts[t][p])
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")

	classW := max(nameW, len("balanced accuracy"))
	// Each score is followed by a one-character mark: '*' for 0/0.
	fmt.Fprintf(&b, "%-*s  %9s   %9s   %9s   %9s\n", classW, "class", "precision", "recall", "F1", "support")
	undefined := false
	mark := func(zeroByZero bool) string {
		if zeroByZero {
			undefined = true
			return "*"
		}
		return " "
	}
	for k, s := range c.Classes {
		fmt.Fprintf(&b, "%-*s  %9.4f%s  %9.4f%s  %9.4f   %9d\n", classW, s,
			c.Precision(k), mark(c.Predicted(k) == 0),
			c.Recall(k), mark(c.Support(k) == 0),
			c.F1(k), c.Support(k))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "%-*s  %.4f  (%d of %d)\n", classW, "accuracy", c.Accuracy(), c.Correct(), c.Total())
	fmt.Fprintf(&b, "%-*s  %.4f\n", classW, "balanced accuracy", c.BalancedAccuracy())
	fmt.Fprintf(&b, "%-*s  %.4f\n", classW, "macro F1", c.MacroF1())
	if undefined {
		b.WriteString("\n* 0/0: the class was never predicted (precision) or has no examples (recall); counted as 0.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
