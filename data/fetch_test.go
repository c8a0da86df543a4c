package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The test binary doubles as a fake go command for GoModuleSource: run
// with GOCNN_FAKE_GO_DIR set, it answers "go mod download -json" the way
// the real one does, pointing at that folder (or failing, for "fail").
func TestMain(m *testing.M) {
	if dir := os.Getenv("GOCNN_FAKE_GO_DIR"); dir != "" {
		os.Exit(fakeGo(dir, os.Args[1:]))
	}
	os.Exit(m.Run())
}

func fakeGo(dir string, args []string) int {
	want := []string{"mod", "download", "-json", "example.com/tiny@v1.0.0"}
	if strings.Join(args, " ") != strings.Join(want, " ") {
		fmt.Fprintf(os.Stderr, "fake go: arguments %q, want %q\n", args, want)
		return 2
	}
	if dir == "fail" {
		fmt.Println(`{"Path": "example.com/tiny", "Version": "v1.0.0", "Error": "example.com/tiny@v1.0.0: module lookup disabled"}`)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(map[string]string{"Path": "example.com/tiny", "Version": "v1.0.0", "Dir": dir})
	return 0
}

// fixture is a tiny dataset in the shape of MNIST: four IDX files with
// their checksums, gzipped as a mirror would serve them.
type fixture struct {
	spec Spec
	raw  map[string][]byte // by File.Name: the IDX content
	gz   map[string][]byte // by published name ("….gz"): gzipped
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	fx := fixture{raw: map[string][]byte{}, gz: map[string][]byte{}}
	file := func(name string, dims []uint32, values []byte) File {
		content := encodeIDX(dims, values)
		sum := sha256.Sum256(content)
		fx.raw[name] = content
		fx.gz[name+".gz"] = gzipBytes(t, content)
		return File{Name: name, Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}
	}
	fx.spec = Spec{
		Name:    "tiny",
		Classes: []string{"a", "b", "c"},
		Train: FilePair{
			Images: file("train-images-idx3-ubyte", []uint32{5, 3, 2}, seq(30)),
			Labels: file("train-labels-idx1-ubyte", []uint32{5}, []byte{0, 1, 2, 0, 1}),
		},
		Test: FilePair{
			Images: file("t10k-images-idx3-ubyte", []uint32{2, 3, 2}, seq(12)),
			Labels: file("t10k-labels-idx1-ubyte", []uint32{2}, []byte{2, 2}),
		},
	}
	return fx
}

// serve starts a mirror serving files; it counts the requests.
func serve(t *testing.T, files map[string][]byte) (*httptest.Server, *int) {
	var mu sync.Mutex
	requests := new(int)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		*requests++
		mu.Unlock()
		b, ok := files[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(b)))
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, requests
}

// stallingServer answers with headers and a few bytes, then goes silent
// (or, with beforeHeaders, is silent from the start) until the client
// gives up or the test ends.
func stallingServer(t *testing.T, beforeHeaders bool) *httptest.Server {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !beforeHeaders {
			w.Header().Set("Content-Length", "100000")
			w.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0})
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	return srv
}

func mirror(srv *httptest.Server) *HTTPSource {
	return &HTTPSource{BaseURL: srv.URL + "/", ConnectTimeout: time.Second, IdleTimeout: 200 * time.Millisecond}
}

// checkLoaded checks the datasets Load returned against the fixture.
func checkLoaded(t *testing.T, fx fixture, train, test *Dataset) {
	t.Helper()
	if train.Name != "tiny/train" || test.Name != "tiny/test" {
		t.Errorf("names %q, %q", train.Name, test.Name)
	}
	if train.Len() != 5 || test.Len() != 2 || train.Shape()[0] != 1 || train.Shape()[1] != 3 || train.Shape()[2] != 2 {
		t.Fatalf("train %d×%v, test %d", train.Len(), train.Shape(), test.Len())
	}
	if train.Labels[2] != 2 || test.Labels[1] != 2 || len(train.Classes) != 3 {
		t.Errorf("labels %v %v, classes %v", train.Labels, test.Labels, train.Classes)
	}
	if train.Pixels == nil || test.Pixels == nil {
		t.Fatal("the images were not kept as 8-bit pixels")
	}
	if want := float32(seq(30)[29]) / 255; train.Example(4)[5] != want {
		t.Errorf("last training pixel %v, want %v", train.Example(4)[5], want)
	}
}

// dirFiles lists the names in dir.
func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestLoadFetchesFromMirror(t *testing.T) {
	fx := newFixture(t)
	srv, _ := serve(t, fx.gz)
	dataDir := t.TempDir()
	var logs []string
	final := map[string][2]int64{}
	opts := LoadOptions{
		DataDir: dataDir,
		Sources: []Source{mirror(srv)},
		Log:     func(msg string) { logs = append(logs, msg) },
		Progress: func(file string, done, total int64) {
			final[file] = [2]int64{done, total}
		},
	}
	train, test, err := LoadSpec(context.Background(), fx.spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkLoaded(t, fx, train, test)
	for name, b := range fx.gz {
		got, err := os.ReadFile(filepath.Join(dataDir, "tiny", name))
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("%s not saved as served: %v", name, err)
		}
		if p := final[name]; p[0] != int64(len(b)) || p[1] != int64(len(b)) {
			t.Errorf("%s: last progress %d/%d, want %d/%d", name, p[0], p[1], len(b), len(b))
		}
	}
	if got := dirFiles(t, filepath.Join(dataDir, "tiny")); len(got) != 4 {
		t.Errorf("data folder holds %v, want the 4 files only", got)
	}
	if all := strings.Join(logs, "\n"); !strings.Contains(all, "saved "+filepath.Join(dataDir, "tiny", "t10k-labels-idx1-ubyte.gz")+" (from "+srv.URL) {
		t.Errorf("log does not say where the file came from:\n%s", all)
	}

	// Loaded again, the files come from the data folder: the mirror is
	// gone, and a source that is asked for anything fails the test.
	srv.Close()
	opts.Sources = []Source{failingSource{t}}
	train, test, err = LoadSpec(context.Background(), fx.spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkLoaded(t, fx, train, test)
	if err := FetchSpec(context.Background(), fx.spec, opts); err != nil {
		t.Fatal(err)
	}
}

type failingSource struct{ t *testing.T }

func (failingSource) Name() string { return "a source that must not be asked" }
func (s failingSource) Open(ctx context.Context, file string) (io.ReadCloser, int64, error) {
	s.t.Errorf("source asked for %s although the data folder has it", file)
	return nil, 0, errors.New("asked")
}

// countingSource fails and counts how often it was asked.
type countingSource struct{ calls *int }

func (countingSource) Name() string { return "broken source" }
func (s countingSource) Open(context.Context, string) (io.ReadCloser, int64, error) {
	*s.calls++
	return nil, 0, errors.New("out of order")
}

func TestFetchFallsThroughToAGoodSource(t *testing.T) {
	fx := newFixture(t)
	wrong := map[string][]byte{}
	for name := range fx.gz {
		raw := append([]byte{}, fx.raw[strings.TrimSuffix(name, ".gz")]...)
		raw[len(raw)-1] ^= 1 // valid IDX of the right size, wrong content
		wrong[name] = gzipBytes(t, raw)
	}
	notFound, _ := serve(t, nil)
	wrongSrv, _ := serve(t, wrong)
	good := t.TempDir()
	for name, b := range fx.gz {
		os.WriteFile(filepath.Join(good, name), b, 0o644)
	}
	calls := 0
	var logs []string
	dataDir := t.TempDir()
	start := time.Now()
	train, test, err := LoadSpec(context.Background(), fx.spec, LoadOptions{
		DataDir: dataDir,
		Sources: []Source{
			countingSource{&calls},
			mirror(notFound),
			mirror(stallingServer(t, false)),
			mirror(stallingServer(t, true)),
			mirror(wrongSrv),
			&DirSource{Dir: good, Label: "test folder"},
		},
		Log: func(msg string) { logs = append(logs, msg) },
	})
	if err != nil {
		t.Fatal(err)
	}
	checkLoaded(t, fx, train, test)
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("took %v: the stalled mirrors were not abandoned quickly", elapsed)
	}
	if calls != 1 {
		t.Errorf("the broken source was asked %d times, want once", calls)
	}
	all := strings.Join(logs, "\n")
	for _, want := range []string{"out of order", "404 Not Found", "stalled: no data for 200ms", "no response for 200ms", "content has SHA-256", "(from " + good + " (test folder))"} {
		if !strings.Contains(all, want) {
			t.Errorf("log lacks %q:\n%s", want, all)
		}
	}
	if got := dirFiles(t, filepath.Join(dataDir, "tiny")); len(got) != 4 {
		t.Errorf("data folder holds %v, want the 4 good files only", got)
	}
}

// fetchOne fetches the fixture from the given sources alone.
func fetchOne(t *testing.T, fx fixture, dataDir string, sources ...Source) error {
	return FetchSpec(context.Background(), fx.spec, LoadOptions{DataDir: dataDir, Sources: sources})
}

func TestFetchFailures(t *testing.T) {
	fx := newFixture(t)
	wrong := map[string][]byte{}
	short := map[string][]byte{}
	for name, b := range fx.gz {
		raw := append([]byte{}, fx.raw[strings.TrimSuffix(name, ".gz")]...)
		raw[len(raw)-1] ^= 1
		wrong[name] = gzipBytes(t, raw)
		short[name] = b[:len(b)-3]
	}
	wrongSrv, _ := serve(t, wrong)
	shortSrv, _ := serve(t, short)
	notFound, _ := serve(t, nil)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	for _, c := range []struct {
		name string
		src  Source
		want string
	}{
		{"wrong hash", mirror(wrongSrv), "content has SHA-256"},
		{"truncated gzip", mirror(shortSrv), "truncated"},
		{"404", mirror(notFound), "404 Not Found"},
		{"stall during body", mirror(stallingServer(t, false)), "stalled: no data for 200ms"},
		{"stall before headers", mirror(stallingServer(t, true)), "no response for 200ms"},
		{"connection refused", mirror(closed), "connect"},
		{"missing folder", &DirSource{Dir: filepath.Join(t.TempDir(), "nope")}, "no such file"},
	} {
		dataDir := t.TempDir()
		start := time.Now()
		err := fetchOne(t, fx, dataDir, c.src)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		msg := err.Error()
		for _, want := range []string{c.want, "train-images-idx3-ubyte.gz", "put these files (gzipped or not) in " + filepath.Join(dataDir, "tiny"), fx.spec.Train.Images.SHA256, "t10k-labels-idx1-ubyte.gz  (SHA-256 of the decompressed file: " + fx.spec.Test.Labels.SHA256} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: error lacks %q:\n%s", c.name, want, msg)
			}
		}
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("%s: took %v to fail", c.name, elapsed)
		}
		if got := dirFiles(t, filepath.Join(dataDir, "tiny")); len(got) != 0 {
			t.Errorf("%s: left %v in the data folder", c.name, got)
		}
	}
}

func TestFetchCancelled(t *testing.T) {
	fx := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	slow := &HTTPSource{BaseURL: stallingServer(t, false).URL + "/", IdleTimeout: time.Minute}
	start := time.Now()
	err := FetchSpec(ctx, fx.spec, LoadOptions{DataDir: t.TempDir(), Sources: []Source{slow, failingSource{t}}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("cancellation took %v", time.Since(start))
	}
}

func TestFilesInDataFolder(t *testing.T) {
	fx := newFixture(t)
	dataDir := t.TempDir()
	dir := filepath.Join(dataDir, "tiny")
	os.MkdirAll(dir, 0o755)
	// Raw files, as a user who unpacked them would leave them.
	for name, b := range fx.raw {
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	train, test, err := LoadSpec(context.Background(), fx.spec, LoadOptions{DataDir: dataDir, Sources: []Source{failingSource{t}}})
	if err != nil {
		t.Fatal(err)
	}
	checkLoaded(t, fx, train, test)

	// A file that is not the official one is reported, not replaced, by
	// Fetch and by Load.
	bad := filepath.Join(dir, "t10k-labels-idx1-ubyte")
	wrong := encodeIDX([]uint32{2}, []byte{1, 1})
	os.WriteFile(bad, wrong, 0o644)
	err = FetchSpec(context.Background(), fx.spec, LoadOptions{DataDir: dataDir, Sources: []Source{failingSource{t}}})
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "SHA-256") || !strings.Contains(err.Error(), "delete it") {
		t.Errorf("Fetch with a wrong file: %v", err)
	}
	_, _, err = LoadSpec(context.Background(), fx.spec, LoadOptions{DataDir: dataDir, Sources: []Source{failingSource{t}}})
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("Load with a wrong file: %v", err)
	}
	if got, _ := os.ReadFile(bad); !bytes.Equal(got, wrong) {
		t.Errorf("the wrong file was changed")
	}

	st, err := Check(fx.spec, LoadOptions{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 4 || st[0].Err != nil || st[3].Err == nil || st[3].Path != bad {
		t.Errorf("Check: %+v", st)
	}
	os.Remove(filepath.Join(dir, "train-labels-idx1-ubyte"))
	st, _ = Check(fx.spec, LoadOptions{DataDir: dataDir})
	if !errors.Is(st[1].Err, fs.ErrNotExist) || st[1].Path != filepath.Join(dir, "train-labels-idx1-ubyte.gz") {
		t.Errorf("Check of a missing file: %+v", st[1])
	}
}

func TestGoModuleSource(t *testing.T) {
	fx := newFixture(t)
	module := t.TempDir()
	os.MkdirAll(filepath.Join(module, "data"), 0o755)
	for name, b := range fx.gz {
		os.WriteFile(filepath.Join(module, "data", name), b, 0o644)
	}
	src := &GoModuleSource{Module: "example.com/tiny", Version: "v1.0.0", Subdir: "data",
		Go: os.Args[0], Env: []string{"GOCNN_FAKE_GO_DIR=" + module}}
	if dir, err := src.Dir(context.Background()); err != nil || dir != module {
		t.Fatalf("Dir = %q, %v; want %q", dir, err, module)
	}
	dataDir := t.TempDir()
	var logs []string
	train, test, err := LoadSpec(context.Background(), fx.spec, LoadOptions{
		DataDir: dataDir, Sources: []Source{src}, Log: func(m string) { logs = append(logs, m) },
	})
	if err != nil {
		t.Fatal(err)
	}
	checkLoaded(t, fx, train, test)
	if all := strings.Join(logs, "\n"); !strings.Contains(all, "(from Go module example.com/tiny@v1.0.0)") {
		t.Errorf("log does not name the module:\n%s", all)
	}

	src.Env = []string{"GOCNN_FAKE_GO_DIR=fail"}
	err = fetchOne(t, fx, t.TempDir(), src)
	if err == nil || !strings.Contains(err.Error(), "module lookup disabled") {
		t.Errorf("failing go command: %v", err)
	}
	src.Go = filepath.Join(t.TempDir(), "no-such-go")
	if _, err := src.Dir(context.Background()); err == nil || !strings.Contains(err.Error(), "no-such-go") {
		t.Errorf("missing go command: %v", err)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("GOCNN_DATA", "/somewhere/else")
	if d, err := DefaultDir(); err != nil || d != "/somewhere/else" {
		t.Errorf("with GOCNN_DATA: %q, %v", d, err)
	}
	t.Setenv("GOCNN_DATA", "")
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Skip("no user cache folder here:", err)
	}
	if d, err := DefaultDir(); err != nil || d != filepath.Join(cache, "gocnn") {
		t.Errorf("default: %q, %v", d, err)
	}
}

func TestCatalog(t *testing.T) {
	for _, name := range []string{"mnist", "fashion-mnist"} {
		s, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		if s.Name != name || len(s.Classes) != 10 || len(s.Sources) == 0 {
			t.Errorf("%s: %+v", name, s)
		}
		seen := map[string]bool{}
		for _, f := range s.Files() {
			if seen[f.Name] || len(f.SHA256) != 64 || f.Size <= 0 {
				t.Errorf("%s: bad file entry %+v", name, f)
			}
			seen[f.Name] = true
		}
	}
	if s, _ := Lookup("fashion-mnist"); s.Classes[9] != "Ankle boot" {
		t.Errorf("Fashion-MNIST class 9 is %q", s.Classes[9])
	}
	if _, err := Lookup("cifar10"); err == nil || !strings.Contains(err.Error(), "mnist, fashion-mnist") {
		t.Errorf("unknown dataset: %v", err)
	}
	// Each call builds fresh values: changing one spec leaves the next.
	a := MNIST()
	a.Classes[0] = "zero"
	if MNIST().Classes[0] != "0" {
		t.Error("MNIST() shares its class names between calls")
	}
}
