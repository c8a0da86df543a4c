package main

import (
	"bytes"
	"strings"
	"testing"
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
	code, out, _ = runCLI("version")
	if code != 0 || !strings.HasPrefix(out, "gocnn ") {
		t.Errorf("version: status %d, output %q", code, out)
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
