// Command mnistpictures writes MNIST (or Fashion-MNIST) out as a folder
// of picture files, to check that training on a folder of pictures gives
// what training on the IDX files gives:
//
//	go run ./bench/mnistpictures -out /tmp/mnist-pictures
//	gocnn train -data /tmp/mnist-pictures -channels 1
//	gocnn train
//
// The folder holds train/ and test/, each with a class folder per digit
// named by its word (zero, one, ...). Pictures alternate between PNG and
// JPEG (quality 95), and every third is written in colour (the gray
// value in red, green and blue, with a faint tint), so that the loader
// meets both formats and both kinds of picture.
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"log"
	"os"
	"path/filepath"

	"github.com/gocnn/gocnn/data"
)

var words = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

func main() {
	out := flag.String("out", "", "folder to write (made if missing)")
	name := flag.String("data", "mnist", "mnist or fashion-mnist")
	flag.Parse()
	if *out == "" {
		log.Fatal("mnistpictures: -out is required")
	}
	trainSet, testSet, err := data.Load(*name, data.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for part, d := range map[string]*data.Dataset{"train": trainSet, "test": testSet} {
		names := words
		if *name != "mnist" {
			names = d.Classes
		}
		for i := range d.Len() {
			x := d.Example(i)
			dir := filepath.Join(*out, part, safe(names[d.Labels[i]]))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				log.Fatal(err)
			}
			var img image.Image
			if i%3 == 0 {
				rgb := image.NewRGBA(image.Rect(0, 0, 28, 28))
				for p, v := range x {
					g := uint8(v*255 + 0.5)
					rgb.Set(p%28, p/28, color.RGBA{g, g, uint8(min(255, int(g)+3)), 255})
				}
				img = rgb
			} else {
				gray := image.NewGray(image.Rect(0, 0, 28, 28))
				for p, v := range x {
					gray.Pix[p] = uint8(v*255 + 0.5)
				}
				img = gray
			}
			path := filepath.Join(dir, fmt.Sprintf("%05d", i))
			if err := write(path, img, i%2 == 1); err != nil {
				log.Fatal(err)
			}
		}
	}
}

func write(path string, img image.Image, asJPEG bool) error {
	ext := ".png"
	if asJPEG {
		ext = ".jpg"
	}
	f, err := os.Create(path + ext)
	if err != nil {
		return err
	}
	if asJPEG {
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 95})
	} else {
		err = png.Encode(f, img)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// safe makes a class name fit for a folder name ("T-shirt/top").
func safe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '/' || c == '\\' {
			b[i] = '_'
		}
	}
	return string(b)
}
