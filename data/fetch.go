package data

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gocnn/gocnn/atomicfile"
)

// LoadOptions say where the data folder is, where missing files come
// from, and how to report what happens. The zero value is ready to use.
type LoadOptions struct {
	// DataDir is the data folder; each dataset lives in a folder of its
	// own name inside it. "" means DefaultDir().
	DataDir string

	// Sources replace the spec's own sources when not nil (tests, or a
	// local mirror).
	Sources []Source

	// Progress, if set, is called as a file downloads with the bytes
	// copied so far and the file's size (-1 when unknown).
	Progress func(file string, done, total int64)

	// Log, if set, receives one line for each thing worth telling: which
	// source is tried, which failed and why, where a file was saved.
	Log func(msg string)
}

func (o LoadOptions) logf(format string, args ...any) {
	if o.Log != nil {
		o.Log(fmt.Sprintf(format, args...))
	}
}

// DefaultDir returns the data folder used when none is given: $GOCNN_DATA
// if set, otherwise "gocnn" in the user's cache folder
// (~/.cache/gocnn on Linux, ~/Library/Caches/gocnn on macOS,
// %LocalAppData%\gocnn on Windows).
func DefaultDir() (string, error) {
	if d := os.Getenv("GOCNN_DATA"); d != "" {
		return d, nil
	}
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the data folder: %w (set GOCNN_DATA to choose one)", err)
	}
	return filepath.Join(c, "gocnn"), nil
}

// datasetDir returns the folder that holds spec's files.
func (o LoadOptions) datasetDir(spec Spec) (string, error) {
	dir := o.DataDir
	if dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return "", err
		}
		dir = d
	}
	return filepath.Join(dir, spec.Name), nil
}

// Load returns the training and test sets of the named dataset ("mnist"
// or "fashion-mnist"), fetching any file missing from the data folder
// first. Every file is checked against its SHA-256 as it is read.
func Load(name string, opts LoadOptions) (train, test *Dataset, err error) {
	return LoadContext(context.Background(), name, opts)
}

// LoadContext is Load with a context that can cancel a download.
func LoadContext(ctx context.Context, name string, opts LoadOptions) (train, test *Dataset, err error) {
	spec, err := Lookup(name)
	if err != nil {
		return nil, nil, err
	}
	return LoadSpec(ctx, spec, opts)
}

// LoadSpec is LoadContext for a dataset described by spec.
func LoadSpec(ctx context.Context, spec Spec, opts LoadOptions) (train, test *Dataset, err error) {
	paths, err := fetch(ctx, spec, opts, false)
	if err != nil {
		return nil, nil, err
	}
	load := func(split string, pair FilePair, images, labels string) (*Dataset, error) {
		x, err := readVerifiedIDX(images, pair.Images)
		if err != nil {
			return nil, err
		}
		y, err := readVerifiedIDX(labels, pair.Labels)
		if err != nil {
			return nil, err
		}
		return NewIDXDataset(spec.Name+"/"+split, x, y, spec.Classes)
	}
	if train, err = load("train", spec.Train, paths[0], paths[1]); err != nil {
		return nil, nil, err
	}
	if test, err = load("test", spec.Test, paths[2], paths[3]); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// readVerifiedIDX reads the IDX file at path and checks that its content
// is f's.
func readVerifiedIDX(path string, f File) (*IDX, error) {
	h := sha256.New()
	m, err := readIDXFile(path, h)
	if err != nil {
		return nil, fmt.Errorf("%w (delete the file to fetch it again)", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 {
		return nil, fmt.Errorf("%s: %w (delete the file to fetch it again)", path, checksumError(got, f))
	}
	return m, nil
}

func checksumError(got string, f File) error {
	return fmt.Errorf("content has SHA-256 %s, want %s: not the official %s", got, f.SHA256, f.Name)
}

// Fetch makes sure that the named dataset's four files are in the data
// folder and verified, getting the missing ones from the dataset's
// sources in order. Files already there are verified, not fetched again.
func Fetch(name string, opts LoadOptions) error {
	return FetchContext(context.Background(), name, opts)
}

// FetchContext is Fetch with a context that can cancel a download.
func FetchContext(ctx context.Context, name string, opts LoadOptions) error {
	spec, err := Lookup(name)
	if err != nil {
		return err
	}
	return FetchSpec(ctx, spec, opts)
}

// FetchSpec is FetchContext for a dataset described by spec.
func FetchSpec(ctx context.Context, spec Spec, opts LoadOptions) error {
	_, err := fetch(ctx, spec, opts, true)
	return err
}

// fetch returns the paths of spec's four files in the data folder,
// fetching the missing ones. With verifyPresent, files already there are
// checked too; otherwise the caller checks them as it reads them.
func fetch(ctx context.Context, spec Spec, opts LoadOptions, verifyPresent bool) ([]string, error) {
	dir, err := opts.datasetDir(spec)
	if err != nil {
		return nil, err
	}
	sources := spec.Sources
	if opts.Sources != nil {
		sources = opts.Sources
	}
	// A source that fails once is not asked for the other files: a
	// mirror out of reach would otherwise cost its timeout four times.
	failed := make([]error, len(sources))
	var paths []string
	for _, f := range spec.Files() {
		if path, ok := findLocal(dir, f); ok {
			if verifyPresent {
				if err := verifyFile(path, f); err != nil {
					return nil, fmt.Errorf("%s: %w; delete it to fetch it again", path, err)
				}
				opts.logf("%s: already in %s, verified", f.Name, path)
			}
			paths = append(paths, path)
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating the data folder: %w", err)
		}
		path, err := fetchFile(ctx, sources, failed, dir, f, opts)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%s: %w", spec.Name, err)
			}
			return nil, fmt.Errorf("%s: %w\n%s", spec.Name, err, byHand(spec, dir))
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// byHand says how to install spec's missing files without a source.
func byHand(spec Spec, dir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "To install %s by hand, put these files (gzipped or not) in %s:", spec.Name, dir)
	for _, f := range spec.Files() {
		if _, ok := findLocal(dir, f); !ok {
			fmt.Fprintf(&b, "\n\t%s.gz  (SHA-256 of the decompressed file: %s)", f.Name, f.SHA256)
		}
	}
	return b.String()
}

// findLocal returns the path of f in dir, gzipped or raw.
func findLocal(dir string, f File) (string, bool) {
	for _, name := range []string{f.Name + ".gz", f.Name} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

// fetchFile gets f from the first source that delivers it intact and
// saves it in dir. failed[i] records the failure of sources[i].
func fetchFile(ctx context.Context, sources []Source, failed []error, dir string, f File, opts LoadOptions) (string, error) {
	published := f.Name + ".gz"
	for i, src := range sources {
		if failed[i] != nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return "", err
		}
		opts.logf("%s: fetching from %s", published, src.Name())
		path, err := fetchFrom(ctx, src, dir, f, opts)
		if err == nil {
			opts.logf("%s: saved %s (from %s)", published, path, src.Name())
			return path, nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return "", fmt.Errorf("fetching %s from %s: %w", published, src.Name(), ctxErr)
		}
		opts.logf("%s: %s failed: %v", published, src.Name(), err)
		failed[i] = err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "no source could provide %s", published)
	for i, src := range sources {
		fmt.Fprintf(&b, "\n\t%s: %v", src.Name(), failed[i])
	}
	if len(sources) == 0 {
		b.WriteString(" (no sources configured)")
	}
	return "", errors.New(b.String())
}

// fetchFrom copies f from src into dir, checking its content on the way;
// a file that fails the check is not kept.
func fetchFrom(ctx context.Context, src Source, dir string, f File, opts LoadOptions) (string, error) {
	published := f.Name + ".gz"
	rc, size, err := src.Open(ctx, published)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	var r io.Reader = rc
	if opts.Progress != nil {
		r = &progressReader{r: rc, file: published, total: size, report: opts.Progress}
		opts.Progress(published, 0, size)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	// Keep the file as it comes, and name it for what it is: most sources
	// serve gzip, but one may serve the raw IDX file.
	name := f.Name
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		name += ".gz"
	}
	path := filepath.Join(dir, name)
	err = atomicfile.Write(path, func(w io.Writer) error {
		tee := io.TeeReader(br, w)
		if err := verifyStream(tee, f); err != nil {
			return err
		}
		if n, _ := tee.Read(make([]byte, 1)); n > 0 {
			return fmt.Errorf("unexpected data after the end of %s", published)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return path, nil
}

// verifyFile checks that the file at path, raw or gzipped, has f's content.
func verifyFile(path string, f File) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	return verifyStream(file, f)
}

// verifyStream checks that r, raw or gzipped, has f's content: its length
// and its SHA-256.
func verifyStream(r io.Reader, f File) error {
	content, _, closeContent, err := openContent(r)
	if err != nil {
		return err
	}
	defer closeContent()
	h := sha256.New()
	n, err := io.CopyN(h, content, f.Size+1)
	if err != nil && err != io.EOF {
		return err
	}
	switch {
	case n > f.Size:
		return fmt.Errorf("content is longer than the %d bytes of the official %s", f.Size, f.Name)
	case n < f.Size:
		return fmt.Errorf("content is %d bytes, want %d: truncated or not the official %s", n, f.Size, f.Name)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 {
		return checksumError(got, f)
	}
	return nil
}

// progressReader reports the bytes read so far to a Progress callback.
type progressReader struct {
	r      io.Reader
	file   string
	done   int64
	total  int64
	report func(file string, done, total int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.done += int64(n)
		p.report(p.file, p.done, p.total)
	}
	return n, err
}

// FileStatus is the state of one of a dataset's files in the data folder.
type FileStatus struct {
	File File
	Path string // where it is, or where it would go when missing
	// Err is nil when the file is present and verified, fs.ErrNotExist
	// (use errors.Is) when it is missing, and says what is wrong otherwise.
	Err error
}

// Check reports on each of spec's files in the data folder, verifying
// those present. It fetches nothing.
func Check(spec Spec, opts LoadOptions) ([]FileStatus, error) {
	dir, err := opts.datasetDir(spec)
	if err != nil {
		return nil, err
	}
	var out []FileStatus
	for _, f := range spec.Files() {
		path, ok := findLocal(dir, f)
		if !ok {
			out = append(out, FileStatus{File: f, Path: filepath.Join(dir, f.Name+".gz"), Err: fs.ErrNotExist})
			continue
		}
		out = append(out, FileStatus{File: f, Path: path, Err: verifyFile(path, f)})
	}
	return out, nil
}
