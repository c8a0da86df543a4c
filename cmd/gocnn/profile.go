package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// cpuProfileUsage is the help of the -cpuprofile flag of train and bench.
const cpuProfileUsage = "write a CPU profile of the run to this file, for go tool pprof (gocnn's own binary as its first argument)"

// startCPUProfile starts a CPU profile of the process into a new file at
// path, or does nothing when path is "". The returned stop ends the
// profile and closes the file; a failure to write it becomes *err unless
// *err holds an error already, so that a command can defer stop(&err).
func startCPUProfile(path string) (stop func(err *error), err error) {
	if path == "" {
		return func(*error) {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("-cpuprofile %s: %w", path, err)
	}
	return func(err *error) {
		pprof.StopCPUProfile()
		if cerr := f.Close(); cerr != nil && *err == nil {
			*err = fmt.Errorf("-cpuprofile: %w", cerr)
		}
	}, nil
}
