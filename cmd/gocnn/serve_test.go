package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
)

func TestServeUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve"}, 2, "-model is required"},
		{[]string{"serve", "-model", "m.safetensors", "-max-body", "0"}, 2, "-max-body must be at least 1"},
		{[]string{"serve", "-model", "m.safetensors", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"serve", "-model", filepath.Join(t.TempDir(), "missing.safetensors")}, 1, "missing.safetensors"},
	} {
		code, _, errOut := runCLI(c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("gocnn %s: status %d, stderr %q; want %d and %q", strings.Join(c.args, " "), code, errOut, c.code, c.want)
		}
	}
}

// TestServeCommand runs gocnn serve on a free port, asks it about its
// model, and stops it as Ctrl-C would.
func TestServeCommand(t *testing.T) {
	spec, err := model.Parse("conv(2,3) relu flatten dense(3)")
	if err != nil {
		t.Fatal(err)
	}
	env := nn.NewEnv(1, 1)
	defer env.Close()
	m, err := model.New(spec, model.Input{Shape: []int{1, 8, 8}, Prep: model.PrepResize}, []string{"a", "b", "c"}, env)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := model.Save(path, m); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- serveCommand(ctx, []string{"-model", path, "-addr", "127.0.0.1:0"}, outW, io.Discard)
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	var url string
	for url == "" && lines.Scan() {
		if m := regexp.MustCompile(`http://\S+/`).FindString(lines.Text()); m != "" {
			url = m
		}
	}
	if url == "" {
		t.Fatalf("gocnn serve printed no address: %v", <-done)
	}
	go io.Copy(io.Discard, outR) // the rest of the output

	resp, err := http.Get(url + "api/model")
	if err != nil {
		t.Fatal(err)
	}
	var info struct{ Classes []string }
	err = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if err != nil || strings.Join(info.Classes, ",") != "a,b,c" {
		t.Errorf("GET /api/model: %v, classes %v", err, info.Classes)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("gocnn serve returned %v after being stopped", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("gocnn serve did not stop")
	}
}
