package main

import (
	"fmt"
	"io"

	"github.com/gocnn/gocnn/xor"
)

func runXOR(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("xor", "xor [flags]", stderr)
	var cfg xor.Config
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed")
	fs.IntVar(&cfg.Hidden, "hidden", 8, "hidden units")
	fs.IntVar(&cfg.Epochs, "epochs", 1000, "training epochs (full passes over the 4 rows)")
	fs.Float64Var(&cfg.Rate, "lr", 0.5, "learning rate")
	fs.Float64Var(&cfg.Momentum, "momentum", 0.9, "SGD momentum")
	every := fs.Int("every", 100, "print the loss every this many epochs")
	if err := fs.parse(args, false); err != nil {
		return err
	}
	switch {
	case cfg.Hidden < 1:
		return usagef("-hidden must be at least 1, got %d", cfg.Hidden)
	case cfg.Epochs < 1:
		return usagef("-epochs must be at least 1, got %d", cfg.Epochs)
	case cfg.Rate <= 0:
		return usagef("-lr must be positive, got %g", cfg.Rate)
	case *every < 1:
		return usagef("-every must be at least 1, got %d", *every)
	}
	if cfg.Momentum == 0 {
		cfg.Momentum = -1 // the flag's 0 means none
	}
	fmt.Fprintf(stdout, "XOR: dense(%d) tanh dense(1) sigmoid, SGD lr %g momentum %g, seed %d\n",
		cfg.Hidden, cfg.Rate, max(cfg.Momentum, 0), cfg.Seed)
	res, err := xor.Train(cfg, func(epoch int, loss float64) {
		if epoch == 1 || epoch%*every == 0 {
			fmt.Fprintf(stdout, "epoch %5d  loss %.6f\n", epoch, loss)
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n  a  b | a xor b | network\n")
	for i, in := range xor.Inputs {
		mark := "ok"
		if (res.Outputs[i] >= 0.5) != (xor.Targets[i] == 1) {
			mark = "WRONG"
		}
		fmt.Fprintf(stdout, "  %.0f  %.0f |    %.0f    | %.4f  %s\n", in[0], in[1], xor.Targets[i], res.Outputs[i], mark)
	}
	fmt.Fprintf(stdout, "\n%d/4 correct, final loss %.6f\n", res.Correct(), res.Loss)
	return nil
}
