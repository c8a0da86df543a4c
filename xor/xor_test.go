package xor

import "testing"

// TestLearnsXOR trains from 20 seeds: at least 19 must get all four rows
// right.
func TestLearnsXOR(t *testing.T) {
	learned := 0
	for seed := uint64(1); seed <= 20; seed++ {
		res, err := Train(Config{Seed: seed}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Correct() == 4 {
			learned++
		} else {
			t.Logf("seed %d: %d/4 correct, outputs %v, loss %.4f", seed, res.Correct(), res.Outputs, res.Loss)
		}
	}
	if learned < 19 {
		t.Errorf("learned XOR from %d of 20 seeds, want at least 19", learned)
	}
}

// TestSameSeedSameResult checks reproducibility.
func TestSameSeedSameResult(t *testing.T) {
	a, _ := Train(Config{Seed: 3, Epochs: 50}, nil)
	b, _ := Train(Config{Seed: 3, Epochs: 50}, nil)
	c, _ := Train(Config{Seed: 4, Epochs: 50}, nil)
	if a.Outputs != b.Outputs {
		t.Errorf("seed 3 twice: %v and %v", a.Outputs, b.Outputs)
	}
	if a.Outputs == c.Outputs {
		t.Errorf("seeds 3 and 4 give identical outputs %v", a.Outputs)
	}
}

// TestLossFallsWithTraining checks that training, not the starting
// weights, makes the network right: the loss must fall tenfold.
func TestLossFallsWithTraining(t *testing.T) {
	short, _ := Train(Config{Seed: 1, Epochs: 5}, nil)
	long, _ := Train(Config{Seed: 1, Epochs: 1000}, nil)
	if !(long.Loss < short.Loss/10) {
		t.Errorf("loss after 1000 epochs %.4f, after 5 %.4f: want a tenfold drop", long.Loss, short.Loss)
	}
}
