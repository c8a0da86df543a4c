package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/gocnn/gocnn/internal/parallel"
)

// runCLI runs a gocnn command line and returns its exit status and output.
func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestHelpAndVersion(t *testing.T) {
	code, out, _ := runCLI("help")
	if code != 0 || !strings.Contains(out, "xor") || !strings.Contains(out, "version") {
		t.Errorf("help: status %d, output %q", code, out)
	}
	code, out, _ = runCLI("help", "xor")
	if code != 0 || !strings.Contains(out, "-epochs") {
		t.Errorf("help xor: status %d, output %q", code, out)
	}
	for _, v := range []string{"version", "--version", "-version"} {
		code, out, _ = runCLI(v)
		if code != 0 || !strings.HasPrefix(out, "gocnn ") {
			t.Errorf("%s: status %d, output %q", v, code, out)
		}
	}
}

// TestCommandHelp checks that every command's help says what it does and
// gives examples, and that every flag an example uses is one the command
// has, so the examples cannot drift from the flags.
func TestCommandHelp(t *testing.T) {
	names := []string{"data fetch", "data list"}
	for n := range commands() {
		if n != "data" {
			names = append(names, n)
		}
	}
	for _, name := range names {
		h := helpFor(name)
		if h.about == "" || len(h.examples) == 0 {
			t.Errorf("%s: no help text or no examples", name)
			continue
		}
		args := append(strings.Fields(name), "-h")
		code, out, errOut := runCLI(args...)
		text := out + errOut
		if code != 0 || !strings.Contains(text, h.about) || !strings.Contains(text, "Examples:") {
			t.Errorf("%s -h: status %d, output %q; want the help text and examples", name, code, text)
			continue
		}
		flags := map[string]bool{}
		for _, line := range strings.Split(text[strings.Index(text, "Flags:"):], "\n") {
			if f, ok := strings.CutPrefix(line, "  -"); ok {
				flags[strings.Fields(f)[0]] = true
			}
		}
		for _, e := range h.examples {
			if !strings.HasPrefix(e, "gocnn "+name) {
				t.Errorf("%s: example %q does not run the command", name, e)
			}
			for _, tok := range strings.Fields(e) {
				if f, ok := strings.CutPrefix(tok, "-"); ok && f != "" && !flags[f] {
					t.Errorf("%s: example %q uses -%s, which is not one of its flags", name, e, f)
				}
			}
		}
	}
}

// TestPanicExitsWithBugStatus runs a command that panics, on its own
// goroutine and in a parallel worker: both must exit with status 3, which
// no usage error (2) or failure (1) gives, and say it is a bug, with the
// panic's value.
func TestPanicExitsWithBugStatus(t *testing.T) {
	for name, body := range map[string]func(){
		"direct": func() { panic("broken invariant") },
		"worker": func() {
			p := parallel.New(2)
			defer p.Close()
			p.For(2, func(w, lo, hi int) {
				if w == 1 {
					panic("broken invariant")
				}
			})
		},
	} {
		cmd := command{run: func([]string, io.Writer, io.Writer) error { body(); return nil }}
		var out, errOut bytes.Buffer
		code := runCommand("test", cmd, nil, &out, &errOut)
		if code != exitBug || !strings.Contains(errOut.String(), "internal error, a bug in gocnn") ||
			!strings.Contains(errOut.String(), "broken invariant") {
			t.Errorf("%s panic: status %d, stderr %q; want %d and the bug reported", name, code, errOut.String(), exitBug)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "Usage"},
		{[]string{"fly"}, `unknown command "fly"`},
		{[]string{"help", "fly"}, `unknown command "fly"`},
		{[]string{"xor", "-bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"xor", "-epochs", "0"}, "-epochs must be at least 1"},
		{[]string{"xor", "-lr", "abc"}, `invalid value "abc" for flag -lr`},
		{[]string{"xor", "stray"}, `unexpected argument "stray"`},
	} {
		code, _, errOut := runCLI(c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("gocnn %s: status %d, stderr %q; want 2 and %q", strings.Join(c.args, " "), code, errOut, c.want)
		}
	}
}

func TestXORCommand(t *testing.T) {
	code, out, errOut := runCLI("xor", "-seed", "2", "-every", "500")
	if code != 0 {
		t.Fatalf("status %d: %s", code, errOut)
	}
	for _, want := range []string{"epoch     1", "epoch   500", "a xor b", "4/4 correct"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
