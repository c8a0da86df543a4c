// Command gocnn trains, evaluates and runs convolutional neural networks
// written from scratch in Go.
//
// Usage:
//
//	gocnn <command> [flags]
//
// Run "gocnn help" for the list of commands and "gocnn help <command>" for
// one command's flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
)

// version is the release this source is; builds from a module version
// report that instead.
const version = "0.1.0-dev"

// command is one subcommand of gocnn.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

// commands maps each subcommand's name to its implementation.
func commands() map[string]command {
	return map[string]command{
		"xor":     {"train a tiny network on XOR and print its truth table", runXOR},
		"train":   {"train a model on MNIST, Fashion-MNIST, HAM10000 or a folder of pictures", runTrain},
		"eval":    {"score a trained model: loss, accuracy, confusion matrix", runEval},
		"predict": {"classify PNG, JPEG or GIF images with a trained model", runPredict},
		"bench":   {"time training and inference of presets and spec files on this machine", runBench},
		"serve":   {"serve a playground page and a JSON API for a trained model", runServe},
		"inspect": {"show a model's filters, feature maps and probabilities for one image", runInspect},
		"report":  {"write a self-contained HTML report on a trained model", runReport},
		"plot":    {"draw training curves from metrics logs, as PNG or SVG", runPlot},
		"data":    {"fetch and check the MNIST and Fashion-MNIST datasets", runData},
		"export":  {"write a trained model as an ONNX file, for onnxruntime and other runtimes", runExport},
		"import":  {"turn an ONNX file (from PyTorch, say) into a gocnn model file", runImport},
		"version": {"print the version", runVersion},
	}
}

// usageError is a mistake in the command line: it is printed with a hint
// and makes gocnn exit with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one gocnn command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printHelp(stderr)
		return 2
	}
	name, rest := args[0], args[1:]
	if name == "--version" || name == "-version" {
		name = "version"
	}
	if name == "help" || name == "-h" || name == "--help" || name == "-help" {
		if len(rest) > 0 {
			if cmd, ok := commands()[rest[0]]; ok {
				if err := cmd.run([]string{"-h"}, stdout, stdout); err != nil && !errors.Is(err, flag.ErrHelp) {
					fmt.Fprintln(stderr, "gocnn:", err)
					return 1
				}
				return 0
			}
			fmt.Fprintf(stderr, "gocnn help: unknown command %q\n", rest[0])
			return 2
		}
		printHelp(stdout)
		return 0
	}
	cmd, ok := commands()[name]
	if !ok {
		fmt.Fprintf(stderr, "gocnn: unknown command %q (run \"gocnn help\" for the list)\n", name)
		return 2
	}
	return runCommand(name, cmd, rest, stdout, stderr)
}

// Exit statuses: 0 done, 1 failed (bad input, a missing file, ...), 2 a
// mistake in the command line, 3 a bug in gocnn (a panic).
const (
	exitFailure = 1
	exitUsage   = 2
	exitBug     = 3
)

// runCommand runs one command and turns its outcome into an exit status.
// A panic, on this goroutine or carried over from a worker's, is reported
// as the bug it is, with its stack, and exits with status 3, which no
// mistake in the input can give (Go's own exit status for a panic is 2,
// the status of a usage error).
func runCommand(name string, cmd command, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(stderr, "gocnn %s: internal error, a bug in gocnn: %v\n\n%s", name, v, debug.Stack())
			code = exitBug
		}
	}()
	err := cmd.run(args, stdout, stderr)
	var usage usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "gocnn %s: %v\n(run \"gocnn help %s\" for its flags)\n", name, err, name)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "gocnn %s: %v\n", name, err)
		return exitFailure
	}
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, "gocnn: convolutional neural networks from scratch in Go\n\nUsage:\n\n\tgocnn <command> [flags]\n\nCommands:\n\n")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "\t%-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprint(w, "\nRun \"gocnn help <command>\" for a command's flags.\n")
}

// flagSet is a subcommand's flags with its one-line usage.
type flagSet struct {
	*flag.FlagSet
	usage string // e.g. "predict [flags] image..."
	help  io.Writer
}

// newFlagSet returns the flags of a subcommand; usage is its synopsis and
// help is where -h prints.
func newFlagSet(name, usage string, help io.Writer) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by run, usage by parse
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, usage: usage, help: help}
}

// parse parses args and turns a bad flag into a usage error; stray
// positional arguments are an error unless the command takes them. With
// -h it prints the usage and returns flag.ErrHelp.
func (fs *flagSet) parse(args []string, positional bool) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(fs.help, "Usage: gocnn %s\n\n", fs.usage)
		if h := helpFor(fs.Name()); h.about != "" {
			fmt.Fprintf(fs.help, "%s\n\nExamples:\n\n", h.about)
			for _, e := range h.examples {
				fmt.Fprintf(fs.help, "\t%s\n", e)
			}
			fmt.Fprintln(fs.help)
		}
		fmt.Fprint(fs.help, "Flags:\n")
		fs.SetOutput(fs.help)
		fs.PrintDefaults()
		return err
	}
	if err != nil {
		return usageError{err.Error()}
	}
	if !positional && fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", "version", stderr)
	if err := fs.parse(args, false); err != nil {
		return err
	}
	v := version
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	fmt.Fprintf(stdout, "gocnn %s\n", v)
	return nil
}

// counted writes a count with its noun, "1 epoch" or "3 epochs".
func counted(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "s") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
