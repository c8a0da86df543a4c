package ham10000

import (
	"archive/zip"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/gocnn/gocnn/data"
)

// LoadDermaMNIST reads MedMNIST's DermaMNIST (dermamnist.npz, or the
// larger dermamnist_64.npz and so on): HAM10000 resized to 28×28 RGB and
// split by MedMNIST into 7,007 training, 1,003 validation and 2,005 test
// images. The file is a zip archive of NPY arrays: train_images.npy,
// uint8 [N, H, W, 3] (or [N, H, W] for greyscale), train_labels.npy,
// integers [N, 1] or [N], and the same for val and test.
//
// The images come out planar, [N, 3, H, W], in [0, 1]. DermaMNIST
// numbers the classes 0 akiec, 1 bcc, 2 bkl, 3 df, 4 mel, 5 nv, 6 vasc;
// the labels are mapped into the order of Classes() (4 nv, 5 vasc,
// 6 mel), like every other loader of this package. DermaMNIST has no
// image or lesion ids, so its own split cannot be checked for lesions
// shared between splits.
func LoadDermaMNIST(path string) (train, val, test *data.Dataset, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("reading DermaMNIST: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("reading DermaMNIST: %w", err)
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		return nil, nil, nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var sets [3]*data.Dataset
	for i, split := range []string{"train", "val", "test"} {
		sets[i], err = readDermaMNISTSplit(zr, split)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("reading %s: %w", path, err)
		}
	}
	return sets[0], sets[1], sets[2], nil
}

// readDermaMNISTSplit reads the images and labels of one split.
func readDermaMNISTSplit(zr *zip.Reader, split string) (*data.Dataset, error) {
	images, err := readNPYEntry(zr, split+"_images.npy")
	if err != nil {
		return nil, err
	}
	labels, err := readNPYEntry(zr, split+"_labels.npy")
	if err != nil {
		return nil, err
	}
	pix, err := images.Uint8s()
	if err != nil {
		return nil, fmt.Errorf("%s_images.npy: %w", split, err)
	}
	var n, h, w, c int
	switch s := images.Shape; {
	case len(s) == 4 && s[3] == 3:
		n, h, w, c = s[0], s[1], s[2], 3
	case len(s) == 3:
		n, h, w, c = s[0], s[1], s[2], 1
	default:
		return nil, fmt.Errorf("%s_images.npy has shape %v, want [N H W 3] or [N H W]", split, s)
	}
	if n == 0 || h == 0 || w == 0 {
		return nil, fmt.Errorf("%s_images.npy has shape %v: no images", split, images.Shape)
	}
	if s := labels.Shape; !(len(s) == 1 && s[0] == n) && !(len(s) == 2 && s[0] == n && s[1] == 1) {
		return nil, fmt.Errorf("%s_labels.npy has shape %v, want [%d 1] or [%d] for the %d images", split, s, n, n, n)
	}
	raw, err := labels.Ints()
	if err != nil {
		return nil, fmt.Errorf("%s_labels.npy: %w", split, err)
	}
	y := make([]int, n)
	for i, l := range raw {
		k, ok := dermaMNISTClass(l)
		if !ok {
			return nil, fmt.Errorf("%s_labels.npy: label %d of image %d is not a DermaMNIST class (0 to 6)", split, l, i)
		}
		y[i] = k
	}
	// The file is [N H W C]; the dataset is planar, [N C H W].
	planar := make([]byte, n*c*h*w)
	plane := h * w
	for i := range n {
		src := pix[i*plane*c : (i+1)*plane*c]
		dst := planar[i*plane*c : (i+1)*plane*c]
		for p := range plane {
			for ch := range c {
				dst[ch*plane+p] = src[p*c+ch]
			}
		}
	}
	x, err := data.NewPixels(planar, n, c, h, w)
	if err != nil {
		return nil, fmt.Errorf("%s_images.npy: %w", split, err)
	}
	return &data.Dataset{Name: "dermamnist/" + split, Pixels: x, Labels: y, Classes: Classes()}, nil
}

// readNPYEntry reads the NPY array stored in the archive under name.
func readNPYEntry(zr *zip.Reader, name string) (*data.NPY, error) {
	var names []string
	for _, f := range zr.File {
		if f.Name != name {
			names = append(names, f.Name)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		defer rc.Close()
		size := int64(-1)
		if f.UncompressedSize64 <= math.MaxInt64 {
			size = int64(f.UncompressedSize64)
		}
		a, err := data.DecodeNPY(rc, size)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return a, nil
	}
	return nil, fmt.Errorf("no %s in the archive (it has %s); is this a MedMNIST .npz file?", name, strings.Join(names, ", "))
}
