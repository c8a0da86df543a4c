package metrics

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// fill builds a confusion matrix by adding each (true, predicted) pair
// counts[t][p] times, so that Add is what is tested.
func fill(t *testing.T, classes []string, counts [][]int) *Confusion {
	t.Helper()
	c := NewConfusion(classes)
	for truth, row := range counts {
		for pred, n := range row {
			for range n {
				if err := c.Add(truth, pred); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return c
}

// A three-class example worked by hand.
//
//	true \ predicted   cat  dog  bird | support
//	cat                  5    2     1 |  8
//	dog                  1    6     0 |  7
//	bird                 2    0     3 |  5
//	predicted            8    8     4 | 20
//
// correct = 5+6+3 = 14, accuracy = 14/20 = 0.7
// precision = TP / column: cat 5/8 = 0.625, dog 6/8 = 0.75, bird 3/4 = 0.75
// recall = TP / row:       cat 5/8 = 0.625, dog 6/7 = 0.857142857…, bird 3/5 = 0.6
// F1 = 2PR/(P+R): cat 0.625; dog 2·0.75·(6/7)/(0.75+6/7) = (9/7)/(45/28) = 0.8;
// bird 2·0.75·0.6/1.35 = 0.9/1.35 = 2/3
// balanced accuracy = (0.625 + 6/7 + 0.6)/3 = 0.694047619…
// macro F1 = (0.625 + 0.8 + 2/3)/3 = 0.697222…
var (
	animals      = []string{"cat", "dog", "bird"}
	animalCounts = [][]int{{5, 2, 1}, {1, 6, 0}, {2, 0, 3}}
)

func TestConfusionByHand(t *testing.T) {
	c := fill(t, animals, animalCounts)
	for i, row := range animalCounts {
		for j, n := range row {
			if c.Counts[i][j] != n {
				t.Fatalf("Counts[%d][%d] = %d, want %d", i, j, c.Counts[i][j], n)
			}
		}
	}
	if c.Total() != 20 || c.Correct() != 14 {
		t.Errorf("total %d, correct %d; want 20, 14", c.Total(), c.Correct())
	}
	if !near(c.Accuracy(), 0.7) {
		t.Errorf("accuracy %v, want 0.7", c.Accuracy())
	}
	want := []struct {
		support, predicted int
		p, r, f1           float64
	}{
		{8, 8, 0.625, 0.625, 0.625},
		{7, 8, 0.75, 6.0 / 7, 0.8},
		{5, 4, 0.75, 0.6, 2.0 / 3},
	}
	for k, w := range want {
		if c.Support(k) != w.support || c.Predicted(k) != w.predicted {
			t.Errorf("%s: support %d, predicted %d; want %d, %d", animals[k], c.Support(k), c.Predicted(k), w.support, w.predicted)
		}
		if !near(c.Precision(k), w.p) || !near(c.Recall(k), w.r) || !near(c.F1(k), w.f1) {
			t.Errorf("%s: precision %v recall %v F1 %v; want %v %v %v", animals[k], c.Precision(k), c.Recall(k), c.F1(k), w.p, w.r, w.f1)
		}
	}
	if want := (0.625 + 6.0/7 + 0.6) / 3; !near(c.BalancedAccuracy(), want) {
		t.Errorf("balanced accuracy %v, want %v", c.BalancedAccuracy(), want)
	}
	if want := (0.625 + 0.8 + 2.0/3) / 3; !near(c.MacroF1(), want) {
		t.Errorf("macro F1 %v, want %v", c.MacroF1(), want)
	}
}

// Classes that are never predicted or never true, worked by hand.
//
//	true \ predicted   a  b  c  d | support
//	a                  3  1  0  0 | 4
//	b                  0  0  0  0 | 0   ← no true examples
//	c                  1  1  0  0 | 2
//	d                  0  0  0  0 | 0   ← appears nowhere
//	predicted          4  2  0  0 | 6
//	                         ↑ c never predicted
//
// accuracy = 3/6 = 0.5
// a: P = 3/4, R = 3/4, F1 = 0.75
// b: P = 0/2 = 0, R = 0/0 → 0, F1 = 0
// c: P = 0/0 → 0, R = 0/2 = 0, F1 = 0
// d: all 0/0 → 0
// balanced accuracy = mean recall over classes with examples (a, c) = (0.75+0)/2 = 0.375
// macro F1 = mean over classes true or predicted (a, b, c) = 0.75/3 = 0.25
func TestConfusionZeroDivision(t *testing.T) {
	c := fill(t, []string{"a", "b", "c", "d"}, [][]int{{3, 1, 0, 0}, {0, 0, 0, 0}, {1, 1, 0, 0}, {0, 0, 0, 0}})
	if !near(c.Accuracy(), 0.5) {
		t.Errorf("accuracy %v, want 0.5", c.Accuracy())
	}
	want := [][3]float64{{0.75, 0.75, 0.75}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}}
	for k, w := range want {
		got := [3]float64{c.Precision(k), c.Recall(k), c.F1(k)}
		for i := range got {
			if !near(got[i], w[i]) || math.IsNaN(got[i]) {
				t.Errorf("class %s: precision, recall, F1 = %v, want %v", c.Classes[k], got, w)
				break
			}
		}
	}
	if !near(c.BalancedAccuracy(), 0.375) {
		t.Errorf("balanced accuracy %v, want 0.375", c.BalancedAccuracy())
	}
	if !near(c.MacroF1(), 0.25) {
		t.Errorf("macro F1 %v, want 0.25", c.MacroF1())
	}

	empty := NewConfusion([]string{"x", "y"})
	if empty.Total() != 0 || empty.Accuracy() != 0 || empty.BalancedAccuracy() != 0 || empty.MacroF1() != 0 {
		t.Errorf("empty matrix: total %d accuracy %v balanced %v macro F1 %v, want all 0",
			empty.Total(), empty.Accuracy(), empty.BalancedAccuracy(), empty.MacroF1())
	}
}

func TestAddOutOfRange(t *testing.T) {
	c := NewConfusion(animals)
	for _, p := range [][2]int{{-1, 0}, {0, 3}, {3, 3}, {0, -2}} {
		if err := c.Add(p[0], p[1]); err == nil {
			t.Errorf("Add(%d, %d): no error", p[0], p[1])
		}
	}
	if c.Total() != 0 {
		t.Errorf("rejected pairs were counted: total %d", c.Total())
	}
}

func TestFormat(t *testing.T) {
	c := fill(t, animals, animalCounts)
	// Counts end under the end of their column's name; scores and support
	// end under the end of their heading.
	want := `true \ predicted  cat  dog  bird
cat                 5    2     1
dog                 1    6     0
bird                2    0     3

class              precision      recall          F1     support
cat                   0.6250      0.6250      0.6250           8
dog                   0.7500      0.8571      0.8000           7
bird                  0.7500      0.6000      0.6667           5

accuracy           0.7000  (14 of 20)
balanced accuracy  0.6940
macro F1           0.6972
`
	var b bytes.Buffer
	if err := c.Format(&b); err != nil {
		t.Fatal(err)
	}
	if b.String() != want {
		t.Errorf("Format wrote\n%s\nwant\n%s", b.String(), want)
	}
	if c.String() != want {
		t.Errorf("String differs from Format")
	}
}

// TestFormatLongNames checks that Fashion-MNIST's names fit: every line of
// the matrix is equally long and each count ends under the end of its
// column's name. It also checks the note on 0/0 scores.
func TestFormatLongNames(t *testing.T) {
	classes := []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
	c := NewConfusion(classes)
	for k := range classes {
		right, wrong := k, (k+1)%len(classes)
		if k == 9 {
			right = 7 // "Ankle boot" is never predicted: taken for "Sneaker"
		}
		if wrong == 9 {
			wrong = 7
		}
		for range 900 + 11*k {
			c.Add(k, right)
		}
		for range 10 * k {
			c.Add(k, wrong)
		}
	}
	out := c.String()
	lines := strings.Split(out, "\n")
	header := lines[0]
	for i := 1; i <= len(classes); i++ {
		if len(lines[i]) != len(header) {
			t.Errorf("matrix line %d is %d wide, header %d:\n%s\n%s", i, len(lines[i]), len(header), header, lines[i])
		}
		if !strings.HasPrefix(lines[i], classes[i-1]+" ") {
			t.Errorf("matrix line %d does not start with %q: %q", i, classes[i-1], lines[i])
		}
	}
	if !strings.HasSuffix(header, "  Ankle boot") {
		t.Errorf("header does not end with the last class: %q", header)
	}
	// Ankle boot's row: 90 taken for T-shirt/top, 999 for Sneaker.
	if f := strings.Fields(strings.TrimPrefix(lines[10], "Ankle boot")); strings.Join(f, " ") != "90 0 0 0 0 0 0 999 0 0" {
		t.Errorf("Ankle boot's row %q, want 90 under T-shirt/top and 999 under Sneaker", lines[10])
	}
	var perClass string
	for _, l := range lines {
		if strings.HasPrefix(l, "Ankle boot") && strings.Contains(l, ".") {
			perClass = l
		}
	}
	if f := strings.Fields(perClass); len(f) != 6 || f[2] != "0.0000*" || f[3] != "0.0000" {
		t.Errorf("a never-predicted class should show precision 0 with a mark: %q", perClass)
	}
	if !strings.Contains(out, "\n* 0/0:") {
		t.Errorf("note on 0/0 missing:\n%s", out)
	}
	if !strings.Contains(NewConfusion(classes[:2]).String(), "*") {
		t.Errorf("an empty matrix has only 0/0 scores and should say so")
	}
	if strings.Contains(fill(t, animals, animalCounts).String(), "*") {
		t.Errorf("no score is 0/0 in the animal example, yet one is marked")
	}
}
