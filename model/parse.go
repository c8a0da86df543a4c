package model

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// maxDepth bounds how deeply sequences may nest within sequences.
const maxDepth = 16

// maxSpecFile bounds the size of a spec file ParseFile reads.
const maxSpecFile = 1 << 20

// Parse reads a spec written in text or, if it starts with "{", in JSON,
// with the standard layer types.
//
// The text form is a list of layers separated by spaces:
//
//	conv(32,3) relu conv(64,3) relu maxpool(2) dropout(0.25) flatten dense(128) relu dense(10)
//
// A layer is its type's name, alone or followed by arguments in
// parentheses. Arguments are separated by commas; the first ones may be
// positional, given in the order of the type's parameters, and any may be
// named, as name=value, after the positional ones:
//
//	conv(32,3x5,stride=2,pad=1x2,init=he_uniform)
//	conv(out=32,kernel=3)
//
// Sizes are a number (3, for 3x3) or height x width (3x5). An argument
// that is itself a sequence of layers is written as one, spaces and all,
// so layers nest: residual(conv(16,3,pad=1) batchnorm relu). Spaces around
// arguments are allowed; between a name and its "(" they are not.
//
// The JSON form is an object with one key, "layers", holding the layers
// in order. Each layer is an object with its "type" and its arguments by
// name; sizes are a number or [height, width], nested sequences an array
// of layers:
//
//	{"layers": [
//	  {"type": "conv", "out": 32, "kernel": [3, 3], "stride": 1, "init": "he_normal"},
//	  {"type": "relu"},
//	  {"type": "maxpool", "kernel": 2},
//	  {"type": "flatten"},
//	  {"type": "dense", "out": 10}
//	]}
//
// In both forms, arguments left out take their defaults, and errors say
// where the mistake is:
//
//	model spec: at "conv(32,,3)": empty argument
//	model spec: layers[0] (dense): out must be at least 1, got 0
func Parse(s string) (*Spec, error) { return Standard().Parse(s) }

// ParseFile reads a spec, in text or JSON, from the file at path, with the
// standard layer types. Its errors name the file.
func ParseFile(path string) (*Spec, error) { return Standard().ParseFile(path) }

// Parse reads a spec written in text or, if it starts with "{", in JSON.
// Its errors say where the mistake is, as in
//
//	model spec: at "conv(32,,3)": empty argument
func (r *Registry) Parse(s string) (*Spec, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("model spec is empty")
	}
	if s[0] == '{' {
		return r.parseJSON(s)
	}
	return r.parseText(s, 0)
}

// ParseFile reads a spec from the file at path. Its errors name the file.
func (r *Registry) ParseFile(path string) (*Spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading model spec: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSpecFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading model spec %s: %w", path, err)
	}
	if len(b) > maxSpecFile {
		return nil, fmt.Errorf("reading model spec %s: the file is over the %d-byte limit for a spec", path, maxSpecFile)
	}
	spec, err := r.Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return spec, nil
}

// specError is a mistake in the text of a spec, located by the text of
// the layer it is in.
type specError struct{ at, msg string }

func (e *specError) Error() string { return fmt.Sprintf("model spec: at %q: %s", e.at, e.msg) }

func errorAt(at, format string, args ...any) error {
	return &specError{at: at, msg: fmt.Sprintf(format, args...)}
}

// parseText reads a sequence of layers separated by spaces.
func (r *Registry) parseText(s string, depth int) (*Spec, error) {
	tokens, err := splitLayers(s)
	if err != nil {
		return nil, err
	}
	if len(tokens) == 0 {
		return nil, errors.New("model spec is empty")
	}
	for i, tok := range tokens {
		if tok[0] == '(' && i > 0 && isName(tokens[i-1]) {
			return nil, errorAt(tokens[i-1]+" "+tok, `space between a layer's name and its "("`)
		}
	}
	spec := &Spec{Layers: make([]Layer, 0, len(tokens))}
	for _, tok := range tokens {
		l, err := r.parseLayer(tok, depth)
		if err != nil {
			return nil, err
		}
		spec.Layers = append(spec.Layers, l)
	}
	return spec, nil
}

// splitLayers cuts s at the spaces outside parentheses.
func splitLayers(s string) ([]string, error) {
	var tokens []string
	depth, start := 0, -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if start < 0 {
			if isSpace(c) {
				continue
			}
			start = i
		}
		switch {
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return nil, errorAt(s[start:i+1], `unexpected ")"`)
			}
		case isSpace(c) && depth == 0:
			tokens = append(tokens, s[start:i])
			start = -1
		}
	}
	if start >= 0 {
		if depth > 0 {
			return nil, errorAt(s[start:], `missing ")"`)
		}
		tokens = append(tokens, s[start:])
	}
	return tokens, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// parseLayer reads one layer, tok, whose parentheses are balanced.
func (r *Registry) parseLayer(tok string, depth int) (Layer, error) {
	name, inner := tok, ""
	if open := strings.IndexByte(tok, '('); open >= 0 {
		name = tok[:open]
		end := closing(tok, open)
		if end != len(tok)-1 {
			return Layer{}, errorAt(tok, `unexpected %q after ")" (separate layers with spaces)`, tok[end+1:])
		}
		inner = tok[open+1 : end]
	}
	if name == "" {
		return Layer{}, errorAt(tok, `missing layer name before "("`)
	}
	t := r.types[name]
	if t == nil {
		return Layer{}, errorAt(tok, "%s", r.unknownLayer(name))
	}
	l := Layer{Type: t, Args: map[string]Value{}}
	var positional []*Param
	for i := range t.Params {
		if t.Params[i].Positional {
			positional = append(positional, &t.Params[i])
		}
	}
	named := false
	for _, arg := range splitArgs(inner) {
		arg = strings.TrimSpace(arg)
		if arg == "" {
			return Layer{}, errorAt(tok, "empty argument")
		}
		var p *Param
		text := arg
		if key, value, ok := splitKey(arg); ok {
			named = true
			key, text = strings.TrimSpace(key), strings.TrimSpace(value)
			if p = t.param(key); p == nil {
				return Layer{}, errorAt(tok, "%s has no argument %q (it takes %s)", t.Name, key, t.paramNames())
			}
			if text == "" {
				return Layer{}, errorAt(tok, "empty value for %s", key)
			}
		} else {
			switch {
			case named:
				return Layer{}, errorAt(tok, "positional argument %q after a named one", arg)
			case len(t.Params) == 0:
				return Layer{}, errorAt(tok, "%s takes no arguments", t.Name)
			case len(l.Args) >= len(positional):
				return Layer{}, errorAt(tok, "too many arguments: write %s", t.Usage())
			}
			p = positional[len(l.Args)]
		}
		if l.Has(p.Name) {
			return Layer{}, errorAt(tok, "argument %s given twice", p.Name)
		}
		v, err := r.textValue(p, text, depth)
		if err != nil {
			var nested *specError
			if errors.As(err, &nested) {
				return Layer{}, err
			}
			return Layer{}, errorAt(tok, "%s: %v", p.Name, err)
		}
		if err := checkValue(p, v); err != nil {
			return Layer{}, errorAt(tok, "%v", err)
		}
		l.Args[p.Name] = v
	}
	for _, p := range t.Params {
		if p.Required && !l.Has(p.Name) {
			return Layer{}, errorAt(tok, "missing argument %s: write %s", p.Name, t.Usage())
		}
	}
	return l, nil
}

// closing returns the index of the ")" that closes the "(" at open.
func closing(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return len(s) // not reached: splitLayers balanced the parentheses
}

// splitArgs cuts s at the commas outside parentheses. Blank s has no
// arguments.
func splitArgs(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var args []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				args = append(args, s[start:i])
				start = i + 1
			}
		}
	}
	return append(args, s[start:])
}

// splitKey splits name=value at an "=" outside parentheses.
func splitKey(arg string) (key, value string, ok bool) {
	depth := 0
	for i := 0; i < len(arg); i++ {
		switch arg[i] {
		case '(':
			depth++
		case ')':
			depth--
		case '=':
			if depth == 0 {
				return arg[:i], arg[i+1:], true
			}
		}
	}
	return "", "", false
}

// textValue reads the text of an argument of parameter p.
func (r *Registry) textValue(p *Param, s string, depth int) (Value, error) {
	switch p.Kind {
	case KindInt:
		n, err := parseInt(s)
		return Value{Int: n}, err
	case KindPair:
		h, w, ok := strings.Cut(s, "x")
		if !ok {
			w = h
		}
		a, err1 := parseInt(h)
		b, err2 := parseInt(w)
		if err1 != nil || err2 != nil {
			return Value{}, fmt.Errorf("want a size like 3 or 3x5, got %q", s)
		}
		return Value{Pair: [2]int{a, b}}, nil
	case KindFloat:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return Value{}, fmt.Errorf("want a number, got %q", s)
		}
		return Value{Float: f}, nil
	case KindWord:
		return Value{Word: s}, nil
	case KindLayers:
		if depth >= maxDepth {
			return Value{}, fmt.Errorf("layers nested more than %d deep", maxDepth)
		}
		spec, err := r.parseText(s, depth+1)
		return Value{Spec: spec}, err
	}
	return Value{}, fmt.Errorf("unknown kind %d", int(p.Kind))
}

// parseInt reads a whole number written in decimal.
func parseInt(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%s is too large", s)
		}
		return 0, fmt.Errorf("want a whole number, got %q", s)
	}
	return n, nil
}

// unknownLayer explains that no layer type is called name, suggesting the
// closest known name when there is one.
func (r *Registry) unknownLayer(name string) string {
	names := r.Names()
	best, bestDist := "", math.MaxInt
	for _, n := range names {
		if d := editDistance(strings.ToLower(name), n); d < bestDist {
			best, bestDist = n, d
		}
	}
	msg := fmt.Sprintf("unknown layer %q", name)
	if bestDist <= 1 || bestDist == 2 && len(name) >= 4 {
		msg += fmt.Sprintf(" (did you mean %s?)", best)
	}
	return msg + "; known layers: " + strings.Join(names, ", ")
}

// editDistance is the Levenshtein distance between a and b: the fewest
// single-byte insertions, deletions and substitutions that turn one into
// the other.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
