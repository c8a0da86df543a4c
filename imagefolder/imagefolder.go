// Package imagefolder loads a dataset from a folder of pictures sorted
// into one subfolder per class, the layout Keras's
// image_dataset_from_directory and torchvision's ImageFolder read:
//
//	flowers/daisy/1.jpg
//	flowers/daisy/2.png
//	flowers/tulip/1.jpg
//
// The class names are the subfolders' names in sorted order. The
// pictures are split into training, validation and test parts,
// stratified by class and drawn from a seed (70/15/15), unless the folder
// is already split: train/ and test/ (and optionally val/), each holding
// the class subfolders.
//
// PNG, JPEG and GIF files of any size, gray or colour, are decoded in parallel
// within a memory budget each, resized to one size and kept as 8-bit
// values (data.Pixels); the result is cached, so that the second load of
// the same files starts at once. A file that cannot be decoded is left
// out and reported, never silently.
package imagefolder

import (
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // image.DecodeConfig for the pictures' shapes
	_ "image/jpeg"
	_ "image/png"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/imageprep"
	"github.com/gocnn/gocnn/internal/pixelcache"
)

// Limits on what a folder may hold: more files than MaxFiles is refused
// before anything is decoded, and the default size's longer side is at
// most MaxDefaultSide pixels (a larger -size may be asked for).
const (
	MaxFiles       = 1 << 20
	MaxDefaultSide = 64
)

// The parts of a split.
const (
	Train      = "train"
	Validation = "val"
	Test       = "test"
)

// pictureExts are the files read as pictures; otherExts are picture
// formats that are not, reported as skipped; other files (notes, hidden
// files) are ignored.
var (
	pictureExts = []string{".png", ".jpg", ".jpeg", ".gif"}
	otherExts   = []string{".bmp", ".webp", ".tif", ".tiff", ".heic"}
)

// Options says which folder to load and how.
type Options struct {
	Dir string // the folder of class subfolders, or of train/, test/ and val/

	// Height and Width are the size the pictures are resized to; 0 means
	// the median picture's shape, scaled down to MaxDefaultSide pixels
	// on its longer side if it is larger.
	Height, Width int
	// Channels is 1 (gray) or 3 (colour); 0 means 1 if every picture is
	// gray, else 3.
	Channels int

	// Seed draws the split of a folder of class subfolders.
	Seed uint64
	// SplitFile, when the file exists, gives the split instead (as
	// WriteSplit writes it): a folder's pictures go to the parts it
	// names.
	SplitFile string

	CacheDir string // where to cache the decoded pictures; "" means data.DefaultDir()/imagefolder-cache
	NoCache  bool   // decode every time

	Workers  int                   // decoding goroutines; 0 means GOMAXPROCS
	Decoder  imageprep.Decoder     // the memory budget of one picture
	Log      func(msg string)      // progress messages, if not nil
	Progress func(done, total int) // called as pictures are decoded, if not nil
}

func (o *Options) logf(format string, args ...any) {
	if o.Log != nil {
		o.Log(fmt.Sprintf(format, args...))
	}
}

// A Skip is a file left out, and why.
type Skip struct {
	Path   string
	Reason string
}

// Set is a loaded folder.
type Set struct {
	Dir     string
	Classes []string // the class subfolders' names, sorted
	Shape   []int    // C, H, W of every picture
	// Parts holds the training, validation and test parts, by name (Train,
	// Validation, Test); the validation part is missing from a folder
	// split into train/ and test/ only.
	Parts map[string]*data.Dataset
	// Files holds, for each part, the file of each of its examples,
	// relative to Dir and with forward slashes.
	Files map[string][]string
	// Split says where the split came from: "folders" (train/ and test/),
	// "drawn" (from the seed) or "file" (Options.SplitFile).
	Split     string
	Skipped   []Skip
	Cache     string // the cache file used or written, "" if none
	FromCache bool

	all     *data.Dataset    // every picture found, in the order scanned
	indices map[string][]int // each part's pictures in all
}

// Part returns the pictures of the named parts together, in the order of
// the names (Part(Train, Validation) to train on both), named after them.
// Parts that lie together in the set's memory, in that order (Train,
// Validation, Test, as Load lays them out), come as a view of it (see
// data.Dataset.View); others as a copy.
func (s *Set) Part(names ...string) *data.Dataset {
	var idx []int
	for _, name := range names {
		idx = append(idx, s.indices[name]...)
	}
	var d *data.Dataset
	if len(idx) > 0 && idx[len(idx)-1]-idx[0] == len(idx)-1 && slices.IsSorted(idx) {
		d = s.all.View(idx[0], idx[0]+len(idx)) // a run: indices are distinct
	} else {
		d = s.all.Subset(idx)
	}
	d.Name = s.all.Name + "/" + strings.Join(names, "+")
	return d
}

// picture is one file found: its path relative to the folder, its class
// and, for a split folder, its part.
type picture struct {
	rel   string
	class int
	part  string
	size  int64
	mtime int64
}

// Load reads the folder opts.Dir.
func Load(opts Options) (*Set, error) {
	if opts.Channels != 0 && opts.Channels != 1 && opts.Channels != 3 {
		return nil, fmt.Errorf("imagefolder: %d channels; want 1 (gray) or 3 (colour)", opts.Channels)
	}
	if opts.Height < 0 || opts.Width < 0 || opts.Height > 1024 || opts.Width > 1024 || (opts.Height == 0) != (opts.Width == 0) {
		return nil, fmt.Errorf("imagefolder: size %dx%d; want both from 1 to 1024, or both 0 for the pictures' own", opts.Height, opts.Width)
	}
	set := &Set{Dir: opts.Dir, Parts: map[string]*data.Dataset{}, Files: map[string][]string{}}
	pics, err := scan(opts.Dir, set)
	if err != nil {
		return nil, err
	}

	// The shapes, from the headers: they give the default size and
	// channels, and find the files that are no picture at all.
	var heights, widths []int
	gray := true
	kept := pics[:0]
	for _, p := range pics {
		cfg, err := decodeConfig(filepath.Join(opts.Dir, filepath.FromSlash(p.rel)))
		if err != nil {
			set.Skipped = append(set.Skipped, Skip{p.rel, err.Error()})
			continue
		}
		heights, widths = append(heights, cfg.Height), append(widths, cfg.Width)
		gray = gray && isGray(cfg.ColorModel)
		kept = append(kept, p)
	}
	pics = kept
	if len(pics) == 0 {
		return nil, fmt.Errorf("%s: none of its pictures can be read", opts.Dir)
	}
	c, h, w := opts.Channels, opts.Height, opts.Width
	if c == 0 {
		c = 3
		if gray {
			c = 1
		}
	}
	if h == 0 {
		h, w = defaultSize(heights, widths)
	}
	set.Shape = []int{c, h, w}

	pix, ok, err := decodeAll(opts, set, pics, c, h, w)
	if err != nil {
		return nil, err
	}
	if err := split(opts, set, pics, ok); err != nil {
		return nil, err
	}
	// Every picture found, the ones that failed included (their indices
	// are in no part); each part is a subset of it.
	px, err := data.NewPixels(pix, len(pics), c, h, w)
	if err != nil {
		return nil, err
	}
	set.all = &data.Dataset{Name: filepath.Base(opts.Dir), Pixels: px, Labels: make([]int, len(pics)), Classes: set.Classes}
	set.indices = map[string][]int{}
	for i, p := range pics {
		set.all.Labels[i] = p.class
		if ok[i] {
			set.indices[p.part] = append(set.indices[p.part], i)
			set.Files[p.part] = append(set.Files[p.part], p.rel)
		}
	}
	// Each part is a run of all's images rather than a copy: all is
	// reordered part after part (Train, Validation, Test, then any other
	// a split file names; the pictures that failed last), and the
	// indices renumbered to match.
	names := []string{Train, Validation, Test}
	for _, part := range slices.Sorted(maps.Keys(set.indices)) {
		if !slices.Contains(names, part) {
			names = append(names, part)
		}
	}
	var parts [][]int
	names = slices.DeleteFunc(names, func(part string) bool { return set.indices[part] == nil })
	for _, part := range names {
		parts = append(parts, set.indices[part])
	}
	views, err := set.all.Partition(parts...)
	if err != nil {
		return nil, err
	}
	at := 0
	for i, part := range names {
		views[i].Name = set.all.Name + "/" + part
		set.Parts[part] = views[i]
		for j := range set.indices[part] {
			set.indices[part][j] = at + j
		}
		at += len(parts[i])
	}
	for _, part := range []string{Train, Test} {
		if set.Parts[part] == nil {
			return nil, fmt.Errorf("%s: its %s part holds no picture that can be read", opts.Dir, part)
		}
	}
	sortSkips(set.Skipped)
	return set, nil
}

// scan finds the classes and the picture files of dir.
func scan(dir string, set *Set) ([]picture, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	sub := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			sub[e.Name()] = true
		}
	}
	var roots []string // the folders holding class subfolders, by part
	if sub[Train] && sub[Test] {
		set.Split = "folders"
		roots = []string{Train, Test}
		if sub[Validation] {
			roots = append(roots, Validation)
		}
	} else {
		roots = []string{""}
	}
	classSet := map[string]bool{}
	for _, root := range roots {
		es, err := os.ReadDir(filepath.Join(dir, root))
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				if root == Test || root == Validation {
					if !classSet[e.Name()] {
						return nil, fmt.Errorf("%s: %s/%s is a class the training part does not have", dir, root, e.Name())
					}
					continue
				}
				classSet[e.Name()] = true
			}
		}
	}
	set.Classes = slices.Sorted(func(yield func(string) bool) {
		for c := range classSet {
			if !yield(c) {
				return
			}
		}
	})
	if len(set.Classes) < 2 {
		return nil, fmt.Errorf("%s holds %d class folders; a classifier needs at least two (one subfolder of pictures per class, or train/ and test/ holding them)", dir, len(set.Classes))
	}
	var pics []picture
	for _, root := range roots {
		for ci, class := range set.Classes {
			folder := filepath.Join(dir, root, class)
			if _, err := os.Stat(folder); errors.Is(err, fs.ErrNotExist) && root != "" {
				continue // a test part without this class
			}
			n := 0
			err := filepath.WalkDir(folder, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.IsDir() {
					if path != folder && strings.HasPrefix(d.Name(), ".") {
						return filepath.SkipDir
					}
					return nil
				}
				rel, err := filepath.Rel(dir, path)
				if err != nil {
					return err
				}
				rel = filepath.ToSlash(rel)
				ext := strings.ToLower(filepath.Ext(path))
				switch {
				case slices.Contains(otherExts, ext):
					set.Skipped = append(set.Skipped, Skip{rel, "a " + strings.ToUpper(ext[1:]) + " picture: only PNG, JPEG and GIF are read"})
					return nil
				case !slices.Contains(pictureExts, ext) || strings.HasPrefix(d.Name(), "."):
					return nil
				}
				info, err := d.Info()
				if err != nil {
					return err
				}
				if len(pics) >= MaxFiles {
					return fmt.Errorf("more than %d pictures", MaxFiles)
				}
				pics = append(pics, picture{rel: rel, class: ci, part: root, size: info.Size(), mtime: info.ModTime().UnixNano()})
				n++
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("%s: %w", dir, err)
			}
			if n == 0 && root != Test && root != Validation {
				return nil, fmt.Errorf("%s: the class folder %s holds no PNG, JPEG or GIF picture", dir, filepath.Join(root, class))
			}
		}
	}
	return pics, nil
}

// decodeConfig reads a picture's header: its size and colour model.
func decodeConfig(path string) (image.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return image.Config{}, err
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil {
		return image.Config{}, fmt.Errorf("not a PNG, JPEG or GIF picture that can be read: %v", err)
	}
	if cfg.Width < 1 || cfg.Height < 1 {
		return image.Config{}, fmt.Errorf("a %s picture of no pixels", format)
	}
	return cfg, nil
}

// isGray reports whether a colour model holds only grays: a gray PNG or
// JPEG, or a paletted PNG whose palette is all grays.
func isGray(m color.Model) bool {
	switch m := m.(type) {
	case color.Palette:
		for _, c := range m {
			r, g, b, _ := c.RGBA()
			if r != g || g != b {
				return false
			}
		}
		return true
	}
	return m == color.GrayModel || m == color.Gray16Model
}

// defaultSize returns the median height and width, scaled so that the
// longer side is at most MaxDefaultSide.
func defaultSize(heights, widths []int) (h, w int) {
	h, w = median(heights), median(widths)
	if long := max(h, w); long > MaxDefaultSide {
		h = max(1, (h*MaxDefaultSide+long/2)/long)
		w = max(1, (w*MaxDefaultSide+long/2)/long)
	}
	return h, w
}

func median(v []int) int {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// cacheMagic marks the cache files of this package.
const cacheMagic = "GOCNNDIR"

// decodeAll returns the pictures decoded and resized, c·h·w bytes each
// ([N, C, H, W], zero for a picture that failed), and which ones
// decoded, from the cache when it was made from the same files.
func decodeAll(opts Options, set *Set, pics []picture, c, h, w int) ([]byte, []bool, error) {
	n := len(pics)
	key := sha256.New()
	abs, err := filepath.Abs(opts.Dir)
	if err != nil {
		abs = opts.Dir
	}
	fmt.Fprintf(key, "gocnn imagefolder 1\nfolder %q\nsize %d %d %d\nfilter catmull-rom\n", abs, c, h, w)
	for _, p := range pics {
		fmt.Fprintf(key, "%q %d %d\n", p.rel, p.size, p.mtime)
	}
	hd := pixelcache.Header{Magic: cacheMagic, N: n, C: c, H: h, W: w}
	key.Sum(hd.Key[:0])
	if !opts.NoCache {
		dir := opts.CacheDir
		if dir == "" {
			if d, err := data.DefaultDir(); err == nil {
				dir = filepath.Join(d, "imagefolder-cache")
			} else {
				opts.logf("no cache: %v", err)
			}
		}
		if dir != "" {
			set.Cache = filepath.Join(dir, fmt.Sprintf("%s-%x-%dx%dx%d.cache", filepath.Base(abs), hd.Key[:8], c, h, w))
		}
	}
	if set.Cache != "" {
		start := time.Now()
		rows, pix, err := pixelcache.Read(set.Cache, hd)
		switch {
		case err == nil:
			set.FromCache = true
			ok := make([]bool, n)
			for i, r := range rows {
				ok[i] = r == 1
				if !ok[i] {
					set.Skipped = append(set.Skipped, Skip{pics[i].rel, "could not be decoded (when the cache was made)"})
				}
			}
			opts.logf("read %d pictures of %dx%dx%d from the cache %s in %v", n, c, h, w, set.Cache, time.Since(start).Round(time.Millisecond))
			return pix, ok, nil
		case errors.Is(err, fs.ErrNotExist):
		default:
			opts.logf("cache %s: %v; making it again", set.Cache, err)
		}
	}

	start := time.Now()
	pix := make([]byte, n*c*h*w)
	ok := make([]bool, n)
	failed := make([]string, n)
	workers := cmp.Or(opts.Workers, runtime.GOMAXPROCS(0))
	var next, done atomic.Int64
	var wg sync.WaitGroup
	var progress sync.Mutex
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs := imageprep.NewResizer(h, w)
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				img, _, err := opts.Decoder.DecodeFile(filepath.Join(opts.Dir, filepath.FromSlash(pics[i].rel)))
				if err != nil {
					failed[i] = err.Error()
				} else {
					rs.Planes(img, pix[i*c*h*w:(i+1)*c*h*w], c)
					ok[i] = true
				}
				if d := done.Add(1); opts.Progress != nil {
					progress.Lock()
					opts.Progress(int(d), n)
					progress.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	rows := make([]int, n)
	for i := range pics {
		if ok[i] {
			rows[i] = 1
		} else {
			set.Skipped = append(set.Skipped, Skip{pics[i].rel, failed[i]})
		}
	}
	opts.logf("decoded and resized %d pictures to %dx%dx%d in %v", n, c, h, w, time.Since(start).Round(time.Millisecond))
	if set.Cache != "" {
		if err := pixelcache.Write(set.Cache, hd, rows, pix); err != nil {
			opts.logf("not cached: %v", err)
			set.Cache = ""
		} else {
			opts.logf("cached them in %s", set.Cache)
		}
	}
	return pix, ok, nil
}

// sortSkips orders skipped files by path, for stable messages.
func sortSkips(s []Skip) { sort.Slice(s, func(i, j int) bool { return s[i].Path < s[j].Path }) }
