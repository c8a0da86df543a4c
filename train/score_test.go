package train

import (
	"math"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/augment"
	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/tensor"
)

// newNet builds spec, with random weights, for inputs of the given shape
// and three classes.
func newNet(t *testing.T, spec string, shape []int) *nn.Sequential {
	t.Helper()
	s, err := model.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	env := nn.NewEnv(3, 2)
	t.Cleanup(env.Close)
	m, err := model.New(s, model.Input{Shape: shape, Prep: model.PrepResize}, []string{"a", "b", "c"}, env)
	if err != nil {
		t.Fatal(err)
	}
	return m.Net
}

// softmaxOfMeanLog is what Score should predict from some examples'
// probabilities: the softmax of their mean log-probabilities.
func softmaxOfMeanLog(rows ...[]float32) []float64 {
	mean := make([]float64, len(rows[0]))
	for _, r := range rows {
		for j, p := range r {
			mean[j] += math.Log(float64(p)) / float64(len(rows))
		}
	}
	var total float64
	for _, v := range mean {
		total += math.Exp(v)
	}
	for j, v := range mean {
		mean[j] = math.Exp(v) / total
	}
	return mean
}

// scoreViews evaluates net on each of the first views views of d's 8x8
// images (augment.View), one Evaluate for each.
func scoreViews(t *testing.T, net *nn.Sequential, d *data.Dataset, views int) []*Evaluation {
	t.Helper()
	var out []*Evaluation
	for v := range views {
		dv := &data.Dataset{Name: d.Name, Images: tensor.New(d.Images.Shape...), Labels: d.Labels, Classes: d.Classes}
		for i := range d.Len() {
			augment.View(dv.Example(i), d.Example(i), 1, 8, 8, v)
		}
		e, err := Evaluate(net, dv, 256)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// checkProbs fails unless ev's probabilities of example i are want.
func checkProbs(t *testing.T, ev *Evaluation, i int, want []float64) {
	t.Helper()
	for j, w := range want {
		if got := float64(ev.Probs[i*ev.Classes+j]); math.Abs(got-w) > 1e-5 {
			t.Fatalf("example %d: probabilities %v, want %v", i, ev.Probs[i*ev.Classes:(i+1)*ev.Classes], want)
		}
	}
}

func TestScoreOnePerGroupIsEvaluate(t *testing.T) {
	net := newNet(t, stripesSpec, []int{1, 8, 8})
	d := stripes(40, 5)
	plain, err := Evaluate(net, d, 16)
	if err != nil {
		t.Fatal(err)
	}
	groups := make([][]int, d.Len())
	for i := range groups {
		groups[i] = []int{i}
	}
	ev, err := Score(net, d, Scoring{Batch: 16, Groups: groups})
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.Len() {
		checkProbs(t, ev, i, softmaxOfMeanLog(plain.Probs[i*3:(i+1)*3]))
		if ev.Predicted[i] != plain.Predicted[i] {
			t.Fatalf("example %d: predicted %d, Evaluate %d", i, ev.Predicted[i], plain.Predicted[i])
		}
	}
	if math.Abs(ev.Loss-plain.Loss) > 1e-5 || ev.Accuracy != plain.Accuracy || ev.Balanced != plain.Balanced {
		t.Fatalf("loss %v accuracy %v balanced %v; Evaluate %v %v %v", ev.Loss, ev.Accuracy, ev.Balanced, plain.Loss, plain.Accuracy, plain.Balanced)
	}
}

func TestScoreViewsAverageTheViews(t *testing.T) {
	net := newNet(t, stripesSpec, []int{1, 8, 8})
	d := stripes(24, 6)
	ev, err := Score(net, d, Scoring{Views: 8})
	if err != nil {
		t.Fatal(err)
	}
	// Each view scored on its own, by hand.
	views := scoreViews(t, net, d, 8)
	changed := false
	for i := range d.Len() {
		var rows [][]float32
		for _, e := range views {
			rows = append(rows, e.Probs[i*3:(i+1)*3])
		}
		checkProbs(t, ev, i, softmaxOfMeanLog(rows...))
		changed = changed || math.Abs(float64(ev.Probs[i*3]-views[0].Probs[i*3])) > 1e-3
	}
	if !changed {
		t.Fatal("the views changed no prediction: are they all the image itself?")
	}
}

func TestScoreViewsOfAnInvariantNet(t *testing.T) {
	// The mean of each channel does not care how the image is turned, so
	// every view gives the same answer and averaging them changes nothing.
	net := newNet(t, "globalavgpool flatten dense(3)", []int{1, 8, 8})
	d := stripes(30, 7)
	plain, err := Evaluate(net, d, 256)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Score(net, d, Scoring{Views: 8})
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.Len() {
		checkProbs(t, ev, i, softmaxOfMeanLog(plain.Probs[i*3:(i+1)*3]))
	}
}

func TestScoreGroups(t *testing.T) {
	net := newNet(t, stripesSpec, []int{1, 8, 8})
	d := stripes(8, 8)
	plain, err := Evaluate(net, d, 256)
	if err != nil {
		t.Fatal(err)
	}
	row := func(i int) []float32 { return plain.Probs[i*3 : (i+1)*3] }
	ev, err := Score(net, d, Scoring{Groups: [][]int{{0, 3, 5}, {1, 2}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 3, 5} {
		checkProbs(t, ev, i, softmaxOfMeanLog(row(0), row(3), row(5)))
	}
	for _, i := range []int{1, 2} {
		checkProbs(t, ev, i, softmaxOfMeanLog(row(1), row(2)))
	}
	for _, i := range []int{4, 6, 7} { // in no group: alone
		checkProbs(t, ev, i, softmaxOfMeanLog(row(i)))
	}
	if ev.Predicted[0] != ev.Predicted[3] || ev.Predicted[0] != ev.Predicted[5] || ev.Predicted[1] != ev.Predicted[2] {
		t.Fatalf("a group got more than one answer: %v", ev.Predicted)
	}

	for _, bad := range []struct {
		groups [][]int
		want   string
	}{
		{[][]int{{0, 1}, {1, 2}}, "example 1 is in two groups"},
		{[][]int{{0, 8}}, "names example 8 of 8"},
		{[][]int{{-1}}, "names example -1"},
	} {
		_, err := Score(net, d, Scoring{Groups: bad.groups})
		if err == nil || !strings.Contains(err.Error(), bad.want) || !strings.Contains(err.Error(), "stripes") {
			t.Errorf("groups %v: error %v, want one naming the dataset and saying %q", bad.groups, err, bad.want)
		}
	}
}

func TestScoreTooManyViews(t *testing.T) {
	net := newNet(t, "globalavgpool flatten dense(3)", []int{1, 8, 6})
	d := &data.Dataset{Name: "wide", Images: tensor.New(2, 1, 8, 6), Labels: []int{0, 1}, Classes: []string{"a", "b", "c"}}
	if _, err := Score(net, d, Scoring{Views: 4}); err != nil {
		t.Fatalf("4 views of an 8x6 image: %v", err)
	}
	_, err := Score(net, d, Scoring{Views: 8})
	if err == nil || !strings.Contains(err.Error(), "8x6 image has 4") {
		t.Fatalf("8 views of an 8x6 image: error %v, want one saying it has 4", err)
	}
}

// TestScoreEvidence checks that evidence is added to each example's
// log-probabilities before its group is averaged, and that a wrong number
// of values is an error.
func TestScoreEvidence(t *testing.T) {
	net := newNet(t, stripesSpec, []int{1, 8, 8})
	d := stripes(8, 8)
	plain, err := Evaluate(net, d, 256)
	if err != nil {
		t.Fatal(err)
	}
	// Evidence for class 2 strong enough to overrule any image, on
	// examples 0 and 1; a mild nudge elsewhere.
	evidence := make([]float64, d.Len()*3)
	for i := range d.Len() {
		evidence[i*3+i%3] = 0.3
	}
	evidence[0*3+2], evidence[1*3+2] = 40, 40
	// want is the softmax of log p + evidence, by hand.
	want := func(i int) []float64 {
		row := make([]float64, 3)
		var total float64
		for j := range row {
			row[j] = float64(plain.Probs[i*3+j]) * math.Exp(evidence[i*3+j])
			total += row[j]
		}
		for j := range row {
			row[j] /= total
		}
		return row
	}
	ev, err := Score(net, d, Scoring{Evidence: evidence})
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.Len() {
		checkProbs(t, ev, i, want(i))
	}
	if ev.Predicted[0] != 2 || ev.Predicted[1] != 2 {
		t.Errorf("evidence of e^40 for class 2 did not decide examples 0 and 1: %v", ev.Predicted[:2])
	}

	// With groups, the group averages image and evidence together.
	ev, err = Score(net, d, Scoring{Evidence: evidence, Groups: [][]int{{0, 4}}})
	if err != nil {
		t.Fatal(err)
	}
	mean := make([]float64, 3)
	var total float64
	for j := range mean {
		for _, i := range []int{0, 4} {
			mean[j] += (math.Log(float64(plain.Probs[i*3+j])) + evidence[i*3+j]) / 2
		}
		total += math.Exp(mean[j])
	}
	for j := range mean {
		mean[j] = math.Exp(mean[j]) / total
	}
	checkProbs(t, ev, 0, mean)
	checkProbs(t, ev, 4, mean)

	if _, err := Score(net, d, Scoring{Evidence: evidence[:5]}); err == nil || !strings.Contains(err.Error(), "5 evidence values for 8 examples") {
		t.Errorf("5 evidence values for 8 examples: error %v", err)
	}
}

// TestScoreClassShift checks that a class shift is added to every
// example's log-probabilities, alone and with evidence, that one strong
// enough decides every example, and that a wrong length is an error.
func TestScoreClassShift(t *testing.T) {
	net := newNet(t, stripesSpec, []int{1, 8, 8})
	d := stripes(8, 8)
	plain, err := Evaluate(net, d, 256)
	if err != nil {
		t.Fatal(err)
	}
	shift := []float64{0.7, -0.4, 0.1}
	evidence := make([]float64, d.Len()*3)
	for i := range d.Len() {
		evidence[i*3+(i+1)%3] = 0.5
	}
	for _, withEvidence := range []bool{false, true} {
		s := Scoring{ClassShift: shift}
		if withEvidence {
			s.Evidence = evidence
		}
		ev, err := Score(net, d, s)
		if err != nil {
			t.Fatal(err)
		}
		for i := range d.Len() {
			row := make([]float64, 3)
			var total float64
			for j := range row {
				e := shift[j]
				if withEvidence {
					e += evidence[i*3+j]
				}
				row[j] = float64(plain.Probs[i*3+j]) * math.Exp(e)
				total += row[j]
			}
			for j := range row {
				row[j] /= total
			}
			checkProbs(t, ev, i, row)
		}
	}
	ev, err := Score(net, d, Scoring{ClassShift: []float64{0, 0, 40}})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range ev.Predicted {
		if p != 2 {
			t.Errorf("example %d: a shift of 40 towards class 2 gave class %d", i, p)
		}
	}
	if _, err := Score(net, d, Scoring{ClassShift: shift[:2]}); err == nil || !strings.Contains(err.Error(), "2 class shifts for 3 classes") {
		t.Errorf("2 shifts for 3 classes: error %v", err)
	}
}

// TestScoreEnsemble scores an ensemble of two networks (the same layers,
// other starting weights) with two views each: every example is
// predicted from the mean log-probabilities of the four, each scored on
// its own by hand; and a network of other inputs is refused.
func TestScoreEnsemble(t *testing.T) {
	a := newNet(t, stripesSpec, []int{1, 8, 8})
	s, err := model.Parse(stripesSpec)
	if err != nil {
		t.Fatal(err)
	}
	env := nn.NewEnv(4, 2)
	defer env.Close()
	other, err := model.New(s, model.Input{Shape: []int{1, 8, 8}, Prep: model.PrepResize}, []string{"a", "b", "c"}, env)
	if err != nil {
		t.Fatal(err)
	}
	b := other.Net
	d := stripes(24, 6)
	ev, err := Score(a, d, Scoring{Views: 2, Others: []*nn.Sequential{b}})
	if err != nil {
		t.Fatal(err)
	}
	each := append(scoreViews(t, a, d, 2), scoreViews(t, b, d, 2)...)
	apart := false
	for i := range d.Len() {
		var rows [][]float32
		for _, e := range each {
			rows = append(rows, e.Probs[i*3:(i+1)*3])
		}
		checkProbs(t, ev, i, softmaxOfMeanLog(rows...))
		apart = apart || math.Abs(float64(each[0].Probs[i*3]-each[2].Probs[i*3])) > 1e-3
	}
	if !apart {
		t.Fatal("the two networks agree on every example: are they one?")
	}

	wide := newNet(t, stripesSpec, []int{1, 8, 10})
	if _, err := Score(a, d, Scoring{Others: []*nn.Sequential{wide}}); err == nil || !strings.Contains(err.Error(), "network 2 of the ensemble") {
		t.Errorf("an ensemble with a network of other inputs: %v", err)
	}
}
