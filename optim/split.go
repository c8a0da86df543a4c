package optim

import "github.com/gocnn/gocnn/nn"

// Pool shares work out among worker goroutines: nn.Env is one. For runs
// body over [0, n) in pieces, one per worker, and returns when all are
// done.
type Pool interface {
	For(n int, body func(worker, lo, hi int))
}

// minSplit is the fewest values an optimiser step shares out among the
// workers: a smaller model's update takes less than handing it out.
const minSplit = 1 << 14

// updater runs an optimiser's update rule over all its parameters as one
// long run of values, cut into pieces for the workers of Pool. The rules
// work value by value, so where the cuts fall does not change a bit of
// the result.
type updater struct {
	// Pool, when set, shares each step among its workers (set it to the
	// model's nn.Env); nil runs the step on the calling goroutine.
	Pool Pool

	params []*nn.Param
	starts []int                    // starts[i]: where param i begins in the run; the last is the total
	rule   func(i, lo, hi int)      // updates values [lo, hi) of param i
	body   func(worker, lo, hi int) // made once, so a step does not allocate
}

// init readies the updater for params and the rule that updates them.
func (u *updater) init(params []*nn.Param, rule func(i, lo, hi int)) {
	u.params, u.rule = params, rule
	u.starts = make([]int, len(params)+1)
	for i, p := range params {
		u.starts[i+1] = u.starts[i] + p.Value.Len()
	}
	u.body = u.update
}

// run applies the rule to every value of every parameter.
func (u *updater) run() {
	total := u.starts[len(u.params)]
	if u.Pool == nil || total < minSplit {
		u.update(0, 0, total)
		return
	}
	u.Pool.For(total, u.body)
}

// update applies the rule to values [lo, hi) of the whole run.
func (u *updater) update(_, lo, hi int) {
	for i := range u.params {
		a, b := max(lo, u.starts[i]), min(hi, u.starts[i+1])
		if a < b {
			u.rule(i, a-u.starts[i], b-u.starts[i])
		}
	}
}
