package pixelcache

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRoundTripAndDamage writes a cache and reads it back, then checks
// that a missing file, another request, a flipped bit and a cut file are
// each told apart.
func TestRoundTripAndDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "x.cache")
	hd := Header{Magic: "GOCNNTST", N: 3, C: 1, H: 2, W: 2, Key: [32]byte{1, 2, 3}}
	rows := []int{7, 0, 42}
	pix := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	if _, _, err := Read(path, hd); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing cache: %v", err)
	}
	if err := Write(path, hd, rows, pix); err != nil {
		t.Fatal(err)
	}
	gotRows, gotPix, err := Read(path, hd)
	if err != nil || !slices.Equal(gotRows, rows) || !slices.Equal(gotPix, pix) {
		t.Fatalf("read back %v %v, %v", gotRows, gotPix, err)
	}
	other := hd
	other.Key[0] = 9
	if _, _, err := Read(path, other); !errors.Is(err, ErrStale) {
		t.Errorf("another key: %v, want ErrStale", err)
	}
	other = hd
	other.Magic = "GOCNNXXX"
	if _, _, err := Read(path, other); err == nil || !strings.Contains(err.Error(), "not a cache file of this kind") {
		t.Errorf("another magic: %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	flipped := slices.Clone(b)
	flipped[len(flipped)-6] ^= 1
	if err := os.WriteFile(path, flipped, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Read(path, hd); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("flipped bit: %v", err)
	}
	if err := os.WriteFile(path, b[:len(b)-5], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Read(path, hd); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("cut file: %v", err)
	}
	if err := Write(path, hd, rows[:2], pix); err == nil {
		t.Error("Write took 2 rows for 3 images")
	}
}
