package ham10000

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image/jpeg"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/imageprep"
	"github.com/gocnn/gocnn/internal/pixelcache"
)

// Options say where HAM10000 is, what size to make its images, and how to
// report what happens. Dir (or MetadataPath) and the size are required.
type Options struct {
	// Dir is a folder holding HAM10000_metadata.csv (or .tab), at its top
	// or in any folder below (the shallowest is used), and the images,
	// ISIC_*.jpg, in any folders below it, such as the original
	// HAM10000_images_part_1/ and HAM10000_images_part_2/.
	Dir string

	// MetadataPath names the metadata file directly; it overrides the
	// search in Dir.
	MetadataPath string

	// ImageDirs are the folders searched, with all their subfolders, for
	// the images. Empty means Dir, or else the metadata file's folder.
	ImageDirs []string

	// Height and Width are the size the images are resized to. The
	// images are stretched, not cropped: HAM10000's 600×450 (4:3) frames
	// keep their shape at, for example, 75×100, and are squeezed
	// horizontally at 64×64.
	Height, Width int

	// Channels is 3 for RGB or 1 for greyscale (ITU-R 601 luma,
	// 0.299 R + 0.587 G + 0.114 B). 0 means 3.
	Channels int

	// MaxMissing is the fraction of metadata rows that may lack an image
	// file. Those rows are left out and listed in Set.Skipped; more than
	// this is an error, since it usually means an incomplete download or
	// images in a folder not searched. 0 means DefaultMaxMissing; 1
	// accepts any number (a deliberate subset, such as one part of the
	// images); a negative value accepts none.
	MaxMissing float64

	// CacheDir is the folder of the cache of decoded images; "" means
	// "ham10000-cache" in data.DefaultDir(). NoCache turns the cache off.
	CacheDir string
	NoCache  bool

	// Workers is how many images are decoded at once; 0 means one per
	// core Go may use (GOMAXPROCS).
	Workers int

	// Progress, if set, is called after each image is decoded with the
	// number done and the number to do, from the goroutine that called
	// Load.
	Progress func(done, total int)

	// Log, if set, receives one line for each thing worth telling: which
	// files were found, whether the cache was used, rebuilt, or why not.
	Log func(msg string)
}

// DefaultMaxMissing is the fraction of metadata rows that may lack an
// image file when Options.MaxMissing is 0: 1%.
const DefaultMaxMissing = 0.01

// resampling names the filter that resizes the images. It is part of the
// cache key: a cache made with another filter is rebuilt.
const resampling = "catmull-rom"

// The cache's magic string, and the version the key hashes in (a new one
// makes every older cache stale).
const (
	cacheMagic   = "GOCNNHAM"
	cacheVersion = 1
)

// maxImagePixels and maxImageBytes bound what one image file may make
// Load decode: HAM10000's originals are 600×450 and about 250 KB.
const (
	maxImagePixels = 64 << 20
	maxImageBytes  = 64 << 20
)

func (o *Options) logf(format string, args ...any) {
	if o.Log != nil {
		o.Log(fmt.Sprintf(format, args...))
	}
}

// ErrNotFound is wrapped by the errors of Load that mean HAM10000 is not
// where it was looked for: no metadata file, or no images. Their text
// says where HAM10000 comes from and how to lay it out (Help).
var ErrNotFound = errors.New("HAM10000 not found")

// Help says where HAM10000 comes from, how to lay it out in dir for Load,
// and its licence.
func Help(dir string) string {
	if dir == "" {
		dir = "DIR"
	}
	return fmt.Sprintf(`HAM10000 is published on Harvard Dataverse (doi:10.7910/DVN/DBW86T,
https://doi.org/10.7910/DVN/DBW86T); Kaggle mirrors it as kmader/skin-cancer-mnist-ham10000.
Put the metadata file and the images, in any folders below it, in one folder:
	%[1]s/HAM10000_metadata.csv
	%[1]s/HAM10000_images_part_1/ISIC_0024306.jpg ...
	%[1]s/HAM10000_images_part_2/ISIC_0029306.jpg ...
HAM10000 is licensed CC BY-NC 4.0 (non-commercial use only). Cite: Tschandl, P., Rosendahl, C.
& Kittler, H. The HAM10000 dataset, a large collection of multi-source dermatoscopic images of
common pigmented skin lesions. Sci. Data 5, 180161 (2018), doi:10.1038/sdata.2018.161.`, dir)
}

// Load reads HAM10000 from the layout it is published in: the metadata
// file, whose rows give each image's lesion and diagnosis, and a folder
// tree holding the images as ISIC_<number>.jpg. It returns the images
// resized to Height×Width, their labels in the order of Classes(), and
// each image's metadata.
//
// The images are decoded in parallel and resized with the Catmull-Rom
// filter, which antialiases when it shrinks. The result is kept in a
// cache file, one per source and size, so that later calls read it in a
// fraction of a second. The cache is keyed by the metadata's content and
// by the path, size and modification time of every image used: when any
// of them changes, or the file is corrupt or truncated, it is rebuilt.
//
// What the files may lack, and what Load does about it:
//   - a metadata row whose image file is missing is left out and listed
//     in Set.Skipped, unless more rows than Options.MaxMissing allows are
//     missing, which is an error;
//   - an image file that no metadata row names is not loaded, and is
//     listed in Set.Unlisted;
//   - the same image found twice is used once if both files have the same
//     size, and is an error otherwise;
//   - an image file that does not decode is an error naming the file;
//   - a metadata row with a missing field, an unknown diagnosis or a
//     repeated image id is an error naming the file and the line.
func Load(opts Options) (*Set, error) {
	if opts.Height < 1 || opts.Width < 1 {
		return nil, fmt.Errorf("HAM10000: image size %dx%d, want a positive height and width", opts.Height, opts.Width)
	}
	channels := cmp.Or(opts.Channels, 3)
	if channels != 1 && channels != 3 {
		return nil, fmt.Errorf("HAM10000: %d channels, want 3 (RGB) or 1 (greyscale)", channels)
	}
	metaPath, err := findMetadata(opts)
	if err != nil {
		return nil, err
	}
	metaBytes, err := os.ReadFile(metaPath)
	if err != nil {
		return nil, fmt.Errorf("reading HAM10000 metadata: %w", err)
	}
	recs, err := DecodeMetadata(bytes.NewReader(metaBytes))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", metaPath, err)
	}
	imageDirs := opts.ImageDirs
	if len(imageDirs) == 0 {
		imageDirs = []string{cmp.Or(opts.Dir, filepath.Dir(metaPath))}
	}
	files, err := findImages(imageDirs, &opts)
	if err != nil {
		return nil, err
	}

	// Match the metadata rows with the image files.
	set := &Set{}
	var rows []int // the metadata row of each example
	listed := make(map[string]bool, len(recs))
	for r, rec := range recs {
		listed[rec.ImageID] = true
		if _, ok := files[rec.ImageID]; ok {
			rows = append(rows, r)
		} else {
			set.Skipped = append(set.Skipped, Skip{ImageID: rec.ImageID, Line: rec.Line, Reason: "no image file"})
		}
	}
	for id, f := range files {
		if !listed[id] {
			set.Unlisted = append(set.Unlisted, f.path)
		}
	}
	slices.Sort(set.Unlisted)
	where := strings.Join(imageDirs, ", ")
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: none of the %d images that %s lists is in %s (ISIC_*.jpg, in any subfolder)\n%s",
			ErrNotFound, len(recs), metaPath, where, Help(cmp.Or(opts.Dir, filepath.Dir(metaPath))))
	}
	opts.logf("%s: %d images listed, %d found in %s", metaPath, len(recs), len(rows), where)
	if n := len(set.Skipped); n > 0 {
		maxMissing := opts.MaxMissing
		if maxMissing == 0 {
			maxMissing = DefaultMaxMissing
		}
		if float64(n) > maxMissing*float64(len(recs)) {
			return nil, fmt.Errorf("HAM10000: %d of the %d images that %s lists are not in %s (%s); "+
				"at most %g%% may be missing (Options.MaxMissing). Is the download complete?",
				n, len(recs), metaPath, where, skippedExamples(set.Skipped), 100*max(maxMissing, 0))
		}
		opts.logf("%d images listed in %s are missing and left out (%s)", n, metaPath, skippedExamples(set.Skipped))
	}
	if n := len(set.Unlisted); n > 0 {
		opts.logf("%d image files are not in the metadata and are left out (%s)", n, set.Unlisted[0])
	}

	// The images, from the cache or decoded.
	n, c, h, w := len(rows), channels, opts.Height, opts.Width
	var key [32]byte
	{
		hash := sha256.New()
		fmt.Fprintf(hash, "gocnn ham10000 cache %d\nfilter %s\nsize %d %d %d\nmetadata %d\n", cacheVersion, resampling, c, h, w, len(metaBytes))
		hash.Write(metaBytes)
		for _, r := range rows {
			f := files[recs[r].ImageID]
			fmt.Fprintf(hash, "%d %q %d %d\n", r, f.path, f.size, f.mtime)
		}
		hash.Sum(key[:0])
	}
	hdr := pixelcache.Header{Magic: cacheMagic, N: n, C: c, H: h, W: w, Key: key}
	var pix []byte
	if !opts.NoCache {
		set.Cache = cachePath(&opts, metaPath, imageDirs, c, h, w)
	}
	if set.Cache != "" {
		start := time.Now()
		cached, p, err := pixelcache.Read(set.Cache, hdr)
		if err == nil && !slices.Equal(cached, rows) {
			err = pixelcache.ErrStale
		}
		switch {
		case err == nil:
			pix, set.FromCache = p, true
			opts.logf("read %d images of %dx%dx%d from the cache %s in %v", n, c, h, w, set.Cache, time.Since(start).Round(time.Millisecond))
		case errors.Is(err, fs.ErrNotExist):
			opts.logf("no cache yet at %s", set.Cache)
		default:
			opts.logf("cache %s: %v; rebuilding it", set.Cache, err)
		}
	}
	if pix == nil {
		paths := make([]string, n)
		for i, r := range rows {
			paths[i] = files[recs[r].ImageID].path
		}
		start := time.Now()
		pix = make([]byte, n*c*h*w)
		if err := decodeImages(paths, pix, c, h, w, &opts); err != nil {
			return nil, err
		}
		opts.logf("decoded and resized %d images to %dx%dx%d in %v", n, c, h, w, time.Since(start).Round(time.Millisecond))
		if set.Cache != "" {
			if err := pixelcache.Write(set.Cache, hdr, rows, pix); err != nil {
				opts.logf("not cached: %v", err)
				set.Cache = ""
			} else {
				opts.logf("cached them in %s", set.Cache)
			}
		}
	}

	images, err := data.NewPixels(pix, n, c, h, w)
	if err != nil {
		return nil, fmt.Errorf("HAM10000: %w", err)
	}
	labels := make([]int, n)
	set.Records = make([]Record, n)
	for i, r := range rows {
		set.Records[i] = recs[r]
		labels[i], _ = ClassIndex(recs[r].DX)
	}
	set.Dataset = &data.Dataset{Name: "ham10000", Pixels: images, Labels: labels, Classes: Classes()}
	return set, nil
}

// skippedExamples names the first few skipped images, for a message.
func skippedExamples(skips []Skip) string {
	var ids []string
	for _, s := range skips[:min(3, len(skips))] {
		ids = append(ids, fmt.Sprintf("%s, line %d", s.ImageID, s.Line))
	}
	s := strings.Join(ids, "; ")
	if len(skips) > 3 {
		s += "; ..."
	}
	return s
}

// isMetadataName reports whether a file of this name is the metadata:
// HAM10000_metadata.csv, or .tab as Dataverse exports it, in any case.
func isMetadataName(name string) bool {
	switch strings.ToLower(name) {
	case "ham10000_metadata.csv", "ham10000_metadata.tab", "ham10000_metadata":
		return true
	}
	return false
}

// findMetadata returns the metadata file: opts.MetadataPath, or the
// shallowest file in opts.Dir named HAM10000_metadata.csv (or .tab).
func findMetadata(opts Options) (string, error) {
	if opts.MetadataPath != "" {
		if _, err := os.Stat(opts.MetadataPath); err != nil {
			return "", fmt.Errorf("%w: %w\n%s", ErrNotFound, err, Help(cmp.Or(opts.Dir, filepath.Dir(opts.MetadataPath))))
		}
		return opts.MetadataPath, nil
	}
	if opts.Dir == "" {
		return "", fmt.Errorf("%w: no folder given\n%s", ErrNotFound, Help(""))
	}
	if st, err := os.Stat(opts.Dir); err != nil || !st.IsDir() {
		if err == nil {
			err = fmt.Errorf("%s is not a folder", opts.Dir)
		}
		return "", fmt.Errorf("%w: %w\n%s", ErrNotFound, err, Help(opts.Dir))
	}
	var found []string
	depth := math.MaxInt
	err := filepath.WalkDir(opts.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !isMetadataName(d.Name()) {
			return nil
		}
		switch dd := strings.Count(path, string(filepath.Separator)); {
		case dd < depth:
			found, depth = []string{path}, dd
		case dd == depth:
			found = append(found, path)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("looking for HAM10000_metadata.csv: %w", err)
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%w: no HAM10000_metadata.csv in %s or its subfolders\n%s", ErrNotFound, opts.Dir, Help(opts.Dir))
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("HAM10000: several metadata files in %s (%s); name one (Options.MetadataPath)", opts.Dir, strings.Join(found, ", "))
}

// imageFile is an image file found on disk.
type imageFile struct {
	path  string
	size  int64
	mtime int64 // modification time, Unix nanoseconds
}

// imageID returns the image id of a file named like a HAM10000 image,
// ISIC_<id>.jpg (or .jpeg, in any case), and false for other files.
func imageID(name string) (string, bool) {
	ext := filepath.Ext(name)
	if !strings.EqualFold(ext, ".jpg") && !strings.EqualFold(ext, ".jpeg") {
		return "", false
	}
	id := strings.TrimSuffix(name, ext)
	if !strings.HasPrefix(id, "ISIC_") || !validID(id) {
		return "", false
	}
	return id, true
}

// findImages walks dirs and returns the images found, by id.
func findImages(dirs []string, opts *Options) (map[string]imageFile, error) {
	files := map[string]imageFile{}
	sameTwice := 0
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			if err == nil {
				err = fmt.Errorf("%s is not a folder", dir)
			}
			return nil, fmt.Errorf("%w: image folder: %w\n%s", ErrNotFound, err, Help(cmp.Or(opts.Dir, dir)))
		}
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			id, ok := imageID(d.Name())
			if !ok {
				return nil
			}
			st, err := os.Stat(path) // follows a link, unlike d.Info
			if err != nil {
				return err
			}
			if !st.Mode().IsRegular() {
				return nil
			}
			f := imageFile{path: path, size: st.Size(), mtime: st.ModTime().UnixNano()}
			if prev, dup := files[id]; dup {
				if prev.size != f.size {
					return fmt.Errorf("image %s is in two different files, %s (%d bytes) and %s (%d bytes); "+
						"name the image folders to use (Options.ImageDirs)", id, prev.path, prev.size, f.path, f.size)
				}
				sameTwice++
				return nil
			}
			files[id] = f
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("looking for HAM10000 images: %w", err)
		}
	}
	if sameTwice > 0 {
		opts.logf("%d images are there twice, with the same size; using one copy of each", sameTwice)
	}
	return files, nil
}

// decodeImages decodes the image files at paths, resizes each to h×w and
// writes its c channels into pix, planar ([N, C, H, W]) and 8-bit. It
// stops at the first file that does not decode.
func decodeImages(paths []string, pix []byte, c, h, w int, opts *Options) error {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(paths))
	var next atomic.Int64
	var stop atomic.Bool
	results := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs := newResizer(h, w)
			for !stop.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(paths) {
					return
				}
				results <- rs.decodeFile(paths[i], pix[i*c*h*w:(i+1)*c*h*w], c)
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	done := 0
	var first error
	for err := range results {
		if err != nil {
			if first == nil {
				first = err
				stop.Store(true)
			}
			continue
		}
		done++
		if first == nil && opts.Progress != nil {
			opts.Progress(done, len(paths))
		}
	}
	return first
}

// resizer decodes JPEG images and resizes them to one size.
type resizer struct{ *imageprep.Resizer }

func newResizer(h, w int) *resizer { return &resizer{imageprep.NewResizer(h, w)} }

// decodeFile decodes the JPEG file at path, resizes it and writes its c
// channels, planar, into out.
func (rs *resizer) decodeFile(path string, out []byte, c int) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := rs.decode(b, out, c); err != nil {
		return fmt.Errorf("decoding %s: %w (replace the file, or delete it: an image that is missing is left out)", path, err)
	}
	return nil
}

// decode decodes one JPEG image and writes it, resized, into out.
func (rs *resizer) decode(b []byte, out []byte, c int) error {
	if len(b) > maxImageBytes {
		return fmt.Errorf("the file is %d bytes, more than the %d an image may have", len(b), maxImageBytes)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return err
	}
	if cfg.Width < 1 || cfg.Height < 1 || int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return fmt.Errorf("the image claims to be %dx%d pixels", cfg.Width, cfg.Height)
	}
	// The memory decoding takes (a progressive JPEG's coefficients take
	// four times its pixels), within imageprep's default budget, and
	// enough data for the pixels the header claims.
	if _, err := (imageprep.Decoder{}).Inspect(b); err != nil {
		return err
	}
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		return err
	}
	rs.Planes(img, out, c)
	return nil
}

// cachePath returns the cache file for this source and size: one per
// metadata file, set of image folders, and size.
func cachePath(opts *Options, metaPath string, imageDirs []string, c, h, w int) string {
	dir := opts.CacheDir
	if dir == "" {
		d, err := data.DefaultDir()
		if err != nil {
			opts.logf("no cache: %v", err)
			return ""
		}
		dir = filepath.Join(d, "ham10000-cache")
	}
	hash := sha256.New()
	for _, p := range append([]string{metaPath}, imageDirs...) {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		fmt.Fprintf(hash, "%q\n", p)
	}
	id := hex.EncodeToString(hash.Sum(nil))[:16]
	return filepath.Join(dir, fmt.Sprintf("ham10000-%s-%dx%dx%d.cache", id, c, h, w))
}
