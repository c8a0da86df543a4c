package train

import (
	"math"
	"slices"
	"testing"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/optim"
	"github.com/gocnn/gocnn/rng"
	"github.com/gocnn/gocnn/tensor"
)

// TestBetaSym checks the mixing proportions' distribution by its moments:
// Beta(α, α) has mean 1/2 and variance 1/(4(2α + 1)).
func TestBetaSym(t *testing.T) {
	r := rng.New(3)
	for _, alpha := range []float64{0.2, 1, 2} {
		const n = 40000
		var sum, sq float64
		for range n {
			v := betaSym(alpha, r)
			if v < 0 || v > 1 {
				t.Fatalf("α %g: drew %g", alpha, v)
			}
			sum += v
			sq += v * v
		}
		mean := sum / n
		variance := sq/n - mean*mean
		want := 1 / (4 * (2*alpha + 1))
		if math.Abs(mean-0.5) > 0.01 || math.Abs(variance-want) > 0.05*want {
			t.Errorf("α %g: mean %.4f, variance %.4f; want 0.5 and %.4f", alpha, mean, variance, want)
		}
	}
}

// TestMixerMixes checks that each mixed example is lam of itself and
// 1 − lam of its partner, whose label it reports.
func TestMixerMixes(t *testing.T) {
	b := data.Batch{Images: *tensor.New(4, 1, 1, 2), Labels: []int{0, 1, 2, 3}}
	for i := range b.Images.Data {
		b.Images.Data[i] = float32(10 * (i / 2)) // example i holds 10·i twice
	}
	orig := slices.Clone(b.Images.Data)
	m := &mixer{alpha: 0.4}
	lam, partners := m.mix(&b, rng.New(5))
	for i, p := range partners {
		for k := range 2 {
			want := float32(lam)*orig[2*i+k] + float32(1-lam)*orig[2*p+k]
			if got := b.Images.Data[2*i+k]; got != want {
				t.Fatalf("example %d: %v, want %v (lam %g, partner %d)", i, got, want, lam, p)
			}
		}
	}
	if !slices.Equal(slices.Sorted(slices.Values(partners)), []int{0, 1, 2, 3}) {
		t.Errorf("partners %v are not a shuffle of the batch", partners)
	}
}

// TestFitWithMixup trains with mixup: the network still learns, and the
// same seed gives the same weights.
func TestFitWithMixup(t *testing.T) {
	weights := func() []float32 {
		last, m := fitStripes(t, 10, Recipe{Mixup: 0.2})
		if last.ValAccuracy < 0.9 {
			t.Errorf("accuracy %.3f after training with mixup", last.ValAccuracy)
		}
		var w []float32
		for _, p := range m.Net.Params() {
			w = append(w, p.Value.Data...)
		}
		return w
	}
	if !slices.Equal(weights(), weights()) {
		t.Error("the same seed gave other weights")
	}
}

// TestMixerCuts checks cutmix: inside one box every example holds its
// partner's pixels, outside it its own, and the returned lam is the part
// of the image outside the box.
func TestMixerCuts(t *testing.T) {
	const n, c, h, w = 4, 2, 6, 8
	b := data.Batch{Images: *tensor.New(n, c, h, w), Labels: []int{0, 1, 2, 3}}
	for i := range b.Images.Data {
		b.Images.Data[i] = float32(i / (h * w * c)) // example i holds i everywhere
	}
	m := &mixer{alpha: 1, cut: true}
	r := rng.New(6)
	for range 20 {
		for i := range b.Images.Data {
			b.Images.Data[i] = float32(i / (h * w * c))
		}
		lam, partners := m.mix(&b, r)
		for i, p := range partners {
			own := 0
			for ch := range c {
				for k := range h * w {
					v := b.Images.Data[(i*c+ch)*h*w+k]
					switch v {
					case float32(i):
						own++
					case float32(p):
					default:
						t.Fatalf("example %d holds %v, neither its own %d nor its partner's %d", i, v, i, p)
					}
				}
			}
			if i != p {
				if got := float64(own) / float64(c*h*w); math.Abs(got-lam) > 1e-9 {
					t.Fatalf("example %d keeps %.4f of its pixels, lam says %.4f", i, got, lam)
				}
			}
		}
	}
}

// TestFitWithCutMix trains with cutmix: the Config carries cutmix's α,
// and the network still learns.
func TestFitWithCutMix(t *testing.T) {
	m, env := newStripesModel(t, 1)
	defer env.Close()
	cfg, err := Recipe{Epochs: 1, BatchSize: 16, Optimizer: optim.Settings{Name: "adam"}, Schedule: "constant", CutMix: 1}.Config(m.Net, stripes(16, 2), nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CutMix != 1 || cfg.Mixup != 0 {
		t.Fatalf("config: cutmix %v, α %g", cfg.CutMix, cfg.Mixup)
	}
	if last, _ := fitStripes(t, 12, Recipe{CutMix: 1}); last.ValAccuracy < 0.85 {
		t.Errorf("accuracy %.3f after training with cutmix", last.ValAccuracy)
	}
}
