package model

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/tensor"
)

// Spec describes a network as a sequence of layers, without its numbers:
// what to build, not what was learnt. Parse reads one from text or JSON,
// String writes its canonical text, and Build turns it into an
// nn.Sequential ready to train.
type Spec struct {
	Layers []Layer
}

// Layer is one layer of a spec: its type and the arguments it was given.
type Layer struct {
	Type *LayerType

	// Args holds the arguments given, by parameter name. A parameter left
	// out takes its default; the accessors (Int, Pair, ...) fill it in.
	Args map[string]Value
}

// Value is the value of one argument. Which field counts depends on the
// Kind of its parameter.
type Value struct {
	Int   int     // KindInt
	Pair  [2]int  // KindPair: height, width
	Float float64 // KindFloat
	Word  string  // KindWord
	Spec  *Spec   // KindLayers
}

// Kind is the type of an argument.
type Kind int

const (
	// KindInt is a whole number: the 32 of conv(32,3).
	KindInt Kind = iota
	// KindPair is a height and a width, written 3 (for 3x3) or 3x5 in
	// text and 3 or [3, 5] in JSON: kernel sizes, strides, paddings.
	KindPair
	// KindFloat is a number: the 0.25 of dropout(0.25).
	KindFloat
	// KindWord is one of a fixed list of words: init=he_normal.
	KindWord
	// KindLayers is a nested sequence of layers, written in text as
	// layers separated by spaces, residual(conv(16,3,pad=1) relu), and in
	// JSON as an array of layer objects.
	KindLayers
)

// Param describes one parameter of a layer type.
type Param struct {
	// Name is how the argument is named in text (stride=2) and in JSON.
	Name string
	Kind Kind

	// Positional parameters may be given without their names, in the
	// order they are listed; they must come before the others in
	// LayerType.Params.
	Positional bool

	// Required parameters must be given; the others take Default.
	Required bool
	Default  Value

	// DefaultDoc is how the default reads in usage messages, when it is
	// not simply Default (maxpool's stride defaults to "kernel").
	DefaultDoc string

	// Choices lists the words a KindWord parameter accepts.
	Choices []string

	// Check, if set, reports a value out of range, as "must be at least
	// 1, got 0"; the parser puts the parameter's name in front.
	Check func(v Value) error
}

// LayerType is a kind of layer a spec can name: its name, its parameters,
// and how to make the nn layer from a spec layer of this type. A Registry
// holds the types a parser knows.
type LayerType struct {
	Name   string
	Doc    string // one line for help texts: "2-D convolution"
	Params []Param

	// New makes the (unbuilt) nn layer for l, whose arguments have been
	// checked against Params.
	New func(l *Layer) (nn.Layer, error)

	// Size, if set, works out by arithmetic alone what New's layer makes
	// when it is built for examples of shape in: its output's shape, its
	// parameters' shapes and its working memory (see Spec.Size). It
	// refuses the inputs Build refuses, with the same errors. Loading a
	// model file needs it for every layer of the spec: the file's tensors
	// are checked against it before anything is built.
	Size func(l *Layer, in []int) (LayerSize, error)
}

// Usage returns how the layer is written, with the defaults of its
// optional parameters: "conv(out, kernel, stride=1, pad=0, init=auto)".
func (t *LayerType) Usage() string {
	if len(t.Params) == 0 {
		return t.Name
	}
	parts := make([]string, len(t.Params))
	for i, p := range t.Params {
		switch {
		case p.Positional && p.Required:
			parts[i] = p.Name
		case p.Required:
			parts[i] = p.Name + "=?"
		case p.DefaultDoc != "":
			parts[i] = p.Name + "=" + p.DefaultDoc
		default:
			parts[i] = p.Name + "=" + formatValue(p.Kind, p.Default)
		}
	}
	return t.Name + "(" + strings.Join(parts, ", ") + ")"
}

// param returns the parameter called name, or nil.
func (t *LayerType) param(name string) *Param {
	for i := range t.Params {
		if t.Params[i].Name == name {
			return &t.Params[i]
		}
	}
	return nil
}

// paramNames lists the parameters' names, comma-separated.
func (t *LayerType) paramNames() string {
	names := make([]string, len(t.Params))
	for i, p := range t.Params {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// Has reports whether the argument called name was given.
func (l *Layer) Has(name string) bool {
	_, ok := l.Args[name]
	return ok
}

// Arg returns the argument called name, or its default when it was not
// given. It panics if the layer's type has no such parameter: that is a
// mistake in a LayerType's New function.
func (l *Layer) Arg(name string) Value {
	if v, ok := l.Args[name]; ok {
		return v
	}
	p := l.Type.param(name)
	if p == nil {
		panic(fmt.Sprintf("model: layer type %s has no parameter %q", l.Type.Name, name))
	}
	return p.Default
}

// Int returns the KindInt argument called name (see Arg).
func (l *Layer) Int(name string) int { return l.Arg(name).Int }

// Pair returns the KindPair argument called name (see Arg).
func (l *Layer) Pair(name string) [2]int { return l.Arg(name).Pair }

// Float returns the KindFloat argument called name (see Arg).
func (l *Layer) Float(name string) float64 { return l.Arg(name).Float }

// Word returns the KindWord argument called name (see Arg).
func (l *Layer) Word(name string) string { return l.Arg(name).Word }

// Spec returns the KindLayers argument called name (see Arg).
func (l *Layer) Spec(name string) *Spec { return l.Arg(name).Spec }

// String returns the canonical text of the spec: the layers separated by
// single spaces, each written as its String. Parsing it gives back the
// same spec.
func (s *Spec) String() string {
	parts := make([]string, len(s.Layers))
	for i := range s.Layers {
		parts[i] = s.Layers[i].String()
	}
	return strings.Join(parts, " ")
}

// String writes the layer in canonical form: its name, then, if any
// arguments were given, the positional ones in order and the rest as
// name=value in the order of the type's parameters, with no spaces:
// conv(32,3,stride=2). Pairs of equal numbers are written once (3, not
// 3x3).
func (l *Layer) String() string {
	if l.Type == nil {
		return "<no type>"
	}
	var args []string
	positional := true
	for _, p := range l.Type.Params {
		v, ok := l.Args[p.Name]
		if !ok {
			positional = false
			continue
		}
		text := formatValue(p.Kind, v)
		if p.Positional && positional {
			args = append(args, text)
		} else {
			args = append(args, p.Name+"="+text)
		}
	}
	if len(args) == 0 {
		return l.Type.Name
	}
	return l.Type.Name + "(" + strings.Join(args, ",") + ")"
}

// formatValue writes v as the text form of an argument of the given kind.
func formatValue(k Kind, v Value) string {
	switch k {
	case KindInt:
		return strconv.Itoa(v.Int)
	case KindPair:
		if v.Pair[0] == v.Pair[1] {
			return strconv.Itoa(v.Pair[0])
		}
		return strconv.Itoa(v.Pair[0]) + "x" + strconv.Itoa(v.Pair[1])
	case KindFloat:
		return strconv.FormatFloat(v.Float, 'g', -1, 64)
	case KindWord:
		return v.Word
	case KindLayers:
		if v.Spec == nil {
			return ""
		}
		return v.Spec.String()
	}
	return fmt.Sprintf("<kind %d>", int(k))
}

// NewLayers checks every layer's arguments and makes its nn layer, not
// yet built. A layer type holding a nested sequence (a residual block)
// calls it on the sequence from its own New.
func (s *Spec) NewLayers() ([]nn.Layer, error) {
	if s == nil || len(s.Layers) == 0 {
		return nil, fmt.Errorf("model spec has no layers")
	}
	out := make([]nn.Layer, len(s.Layers))
	for i := range s.Layers {
		l := &s.Layers[i]
		if l.Type == nil || l.Type.New == nil {
			return nil, fmt.Errorf("model spec: layer %d has no type", i)
		}
		if err := l.check(); err != nil {
			return nil, fmt.Errorf("model spec: layer %d %s: %w", i, l.Type.Name, err)
		}
		nl, err := l.Type.New(l)
		if err != nil {
			return nil, fmt.Errorf("model spec: layer %d %s: %w", i, l.Type.Name, err)
		}
		out[i] = nl
	}
	return out, nil
}

// check validates the arguments of a layer that may have been put
// together in Go rather than parsed.
func (l *Layer) check() error {
	for name, v := range l.Args {
		p := l.Type.param(name)
		if p == nil {
			return fmt.Errorf("%s has no argument %q (it takes %s)", l.Type.Name, name, l.Type.paramNames())
		}
		if err := checkValue(p, v); err != nil {
			return err
		}
	}
	for _, p := range l.Type.Params {
		if _, ok := l.Args[p.Name]; p.Required && !ok {
			return fmt.Errorf("missing argument %s: write %s", p.Name, l.Type.Usage())
		}
	}
	return nil
}

// checkValue applies the parameter's range check and, for words, its list
// of choices.
func checkValue(p *Param, v Value) error {
	if p.Kind == KindWord && !contains(p.Choices, v.Word) {
		return fmt.Errorf("%s: unknown value %q (want one of %s)", p.Name, v.Word, strings.Join(p.Choices, ", "))
	}
	if p.Kind == KindLayers && (v.Spec == nil || len(v.Spec.Layers) == 0) {
		return fmt.Errorf("%s: empty sequence of layers", p.Name)
	}
	if p.Check != nil {
		if err := p.Check(v); err != nil {
			return fmt.Errorf("%s %w", p.Name, err)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Build makes the network the spec describes for examples of shape in
// ([C, H, W] for images) and builds it, drawing the initial weights from
// env. The network must end in a flat vector of scores, one per class.
func (s *Spec) Build(in []int, env *nn.Env) (*nn.Sequential, error) {
	layers, err := s.NewLayers()
	if err != nil {
		return nil, err
	}
	net := nn.NewSequential(layers...)
	out, err := net.Build(in, env)
	if err != nil {
		return nil, fmt.Errorf("building %q for input %s: %w", s.String(), tensor.ShapeString(in), err)
	}
	if len(out) != 1 {
		return nil, fmt.Errorf("building %q for input %s: the output is %s, not a flat vector of class scores (end the model with flatten and dense)",
			s.String(), tensor.ShapeString(in), tensor.ShapeString(out))
	}
	return net, nil
}

// Registry is a set of layer types, the vocabulary of a spec parser.
// Standard returns the one gocnn uses; a program can make its own, with
// more types, and parse with it.
type Registry struct {
	types map[string]*LayerType
}

// NewRegistry returns a registry of the given types.
func NewRegistry(types ...LayerType) (*Registry, error) {
	r := &Registry{types: map[string]*LayerType{}}
	for _, t := range types {
		if err := r.Add(t); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Add adds a layer type, checking that it is well formed.
func (r *Registry) Add(t LayerType) error {
	if !isName(t.Name) {
		return fmt.Errorf("layer type name %q is not a lower-case word", t.Name)
	}
	if r.types[t.Name] != nil {
		return fmt.Errorf("layer type %s added twice", t.Name)
	}
	if t.New == nil {
		return fmt.Errorf("layer type %s has no New function", t.Name)
	}
	seen := map[string]bool{}
	named := false
	for _, p := range t.Params {
		switch {
		case !isName(p.Name) || p.Name == "type":
			return fmt.Errorf("layer type %s: parameter name %q is not a lower-case word other than \"type\"", t.Name, p.Name)
		case seen[p.Name]:
			return fmt.Errorf("layer type %s: parameter %s listed twice", t.Name, p.Name)
		case p.Positional && named:
			return fmt.Errorf("layer type %s: positional parameter %s comes after a named one", t.Name, p.Name)
		case p.Kind < KindInt || p.Kind > KindLayers:
			return fmt.Errorf("layer type %s: parameter %s has unknown kind %d", t.Name, p.Name, p.Kind)
		case p.Kind == KindWord && len(p.Choices) == 0:
			return fmt.Errorf("layer type %s: word parameter %s has no choices", t.Name, p.Name)
		}
		seen[p.Name] = true
		named = named || !p.Positional
	}
	t.Params = append([]Param(nil), t.Params...)
	r.types[t.Name] = &t
	return nil
}

// Type returns the layer type called name, or nil.
func (r *Registry) Type(name string) *LayerType { return r.types[name] }

// Names returns the names of the layer types, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.types))
	for name := range r.types {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// isName reports whether s is a lower-case word: a letter, then letters,
// digits and underscores.
func isName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
