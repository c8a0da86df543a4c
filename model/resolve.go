package model

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Resolve reads a network given the way gocnn train's -model takes it,
// for classes outputs where that is a preset:
//
//   - a preset's name, such as "lenet5" (see Preset);
//   - a spec file: a name ending in .json or .txt, or any file that
//     exists and whose name holds no "(" or space (see ParseFile);
//   - spec text, such as "conv(8,3) relu maxpool(2) flatten dense(10)"
//     (see Parse).
//
// A single word that is none of these, such as a misspelt preset, is an
// error that lists the presets, rather than a spec of one unknown layer.
func Resolve(name string, classes int) (*Spec, error) {
	if PresetDoc(name) != "" {
		return Preset(name, classes)
	}
	if strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".txt") {
		return ParseFile(name)
	}
	if _, err := os.Stat(name); err == nil && !strings.ContainsAny(name, "( ") {
		return ParseFile(name)
	}
	if !strings.ContainsAny(name, "( ") && !strings.Contains(name, "flatten") {
		return nil, fmt.Errorf("%q is not a preset (%s), a spec file, or a spec", name, strings.Join(PresetNames(), ", "))
	}
	return Parse(name)
}

// FileTag is what a network given as Resolve takes it is called in file
// names: a preset's own name ("lenet5"), a spec file's name without its
// folder and extension ("ham-resnet" for specs/ham-resnet.txt), and
// "custom" for spec text, which would make a poor file name.
func FileTag(name string) string {
	if PresetDoc(name) != "" {
		return name
	}
	if strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".txt") {
		return strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	}
	return "custom"
}
