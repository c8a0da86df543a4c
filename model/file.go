package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/gocnn/gocnn/atomicfile"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/safetensors"
	"github.com/gocnn/gocnn/tensor"
)

// FormatVersion is the version of the model file format this package
// writes, and the newest it reads.
const FormatVersion = 1

// The metadata keys of a model file.
const (
	keyFormat   = "format"
	keyVersion  = "format_version"
	keySpec     = "spec"
	keyInput    = "input"
	keyClasses  = "classes"
	keyInfo     = "info"
	keyChecksum = "sha256"
	keyState    = "state"
	formatName  = "gocnn"

	// StatePrefix starts the names of the tensors a checkpoint keeps beside
	// the model's own (see SaveWithState).
	StatePrefix = "state/"
)

// checkedKeys are the metadata keys the checksum covers, in order.
func checkedKeys() []string {
	return []string{keyFormat, keyVersion, keySpec, keyInput, keyClasses, keyInfo}
}

// Save writes m to the file at path, replacing it atomically: if anything
// fails, the file that was there is left as it was. It first checks that
// the model is whole: its network built for its input, one class name per
// output, and its spec describing its network, so that Load can rebuild
// it.
//
// A model file is a safetensors file (see package safetensors). Its
// tensors are the network's parameters under their PyTorch names and
// layouts ("0.weight" [out, in, kh, kw], "0.bias" [out], ...), float32,
// little-endian, so torch's load_file reads them into a state dict. Its
// metadata holds the rest, every value a string:
//
//	format          "gocnn"
//	format_version  "1"
//	spec            the spec's canonical text: "conv(8,3) relu maxpool(2) flatten dense(10)"
//	input           the Input as JSON: {"shape":[1,28,28],"prep":"mnist"}
//	classes         the class names as a JSON array: ["0","1",...]
//	info            Model.Info as a JSON object
//	sha256          the checksum below, in lower-case hex
//
// The checksum guards the whole model against corruption, not against
// tampering: anyone who can write a file can compute the checksum of what
// they wrote. It is integrity, not authentication; Load's other checks are
// what keep a crafted file from doing harm. It is the SHA-256 of, in
// order,
//
//	for each of format, format_version, spec, input, classes and info:
//	    the key, a zero byte, the value, a zero byte
//	for each tensor, sorted by name:
//	    the name, a zero byte, the dtype, a zero byte,
//	    the shape as decimal numbers joined by commas, a zero byte,
//	    the tensor's bytes as stored in the file
//
// Load ignores any other metadata.
func Save(path string, m *Model) error { return save(path, m, nil, nil) }

// State is what a training checkpoint keeps in the model file beside the
// model: tensors whose names start with StatePrefix (an optimiser's
// momentum, "state/momentum/0.weight") and one metadata string (the
// training loop's counters, as JSON). The checksum covers them too. Load
// ignores them, so a checkpoint is also a model file.
type State struct {
	Tensors []safetensors.Tensor
	Meta    string
}

// SaveWithState writes m and st to path, atomically, as Save does.
func SaveWithState(path string, m *Model, st *State) error { return save(path, m, st, nil) }

// save is Save with optional state and a hook to wrap the file's writer,
// which tests use to make the write fail midway.
func save(path string, m *Model, st *State, wrap func(io.Writer) io.Writer) error {
	tensors, meta, err := encode(m)
	if err != nil {
		return fmt.Errorf("saving model to %s: %w", path, err)
	}
	if st != nil {
		for _, t := range st.Tensors {
			if !strings.HasPrefix(t.Name, StatePrefix) {
				return fmt.Errorf("saving model to %s: state tensor %q does not start with %q", path, t.Name, StatePrefix)
			}
		}
		tensors = append(tensors, st.Tensors...)
		meta[keyState] = st.Meta
		meta[keyChecksum] = checksum(meta, tensors)
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		if wrap != nil {
			w = wrap(w)
		}
		return safetensors.Write(w, tensors, meta)
	})
}

// encode checks m and returns the tensors and metadata of its file.
func encode(m *Model) ([]safetensors.Tensor, map[string]string, error) {
	if m == nil || m.Spec == nil || m.Net == nil {
		return nil, nil, fmt.Errorf("the model has no spec or no network")
	}
	if m.Net.InShape() == nil {
		return nil, nil, fmt.Errorf("the network has not been built")
	}
	if err := m.Input.Check(); err != nil {
		return nil, nil, err
	}
	if !tensor.SameShape(m.Net.InShape(), m.Input.Shape) {
		return nil, nil, fmt.Errorf("the network is built for input %s but the model's input shape is %s",
			tensor.ShapeString(m.Net.InShape()), tensor.ShapeString(m.Input.Shape))
	}
	if err := m.checkClasses(); err != nil {
		return nil, nil, err
	}
	if err := checkSpecMatches(m.Spec, m.Net); err != nil {
		return nil, nil, err
	}

	params := m.Net.Params()
	tensors := make([]safetensors.Tensor, len(params))
	for i, p := range params {
		tensors[i] = safetensors.Tensor{Name: p.Name, DType: safetensors.F32, Shape: p.Value.Shape, Data: p.Value.Data}
		if isCounter(p.Name) {
			// A count, written as PyTorch writes it: an int64.
			ints := make([]int64, len(p.Value.Data))
			for j, v := range p.Value.Data {
				ints[j] = int64(v)
			}
			tensors[i] = safetensors.Tensor{Name: p.Name, DType: safetensors.I64, Shape: p.Value.Shape, Ints: ints}
		}
	}
	info := m.Info
	if info == nil {
		info = map[string]string{}
	}
	classes := m.Classes
	if classes == nil {
		classes = []string{}
	}
	meta := map[string]string{
		keyFormat:  formatName,
		keyVersion: strconv.Itoa(FormatVersion),
		keySpec:    m.Spec.String(),
		keyInput:   mustJSON(m.Input),
		keyClasses: mustJSON(classes),
		keyInfo:    mustJSON(info),
	}
	meta[keyChecksum] = checksum(meta, tensors)
	return tensors, meta, nil
}

// checkSpecMatches checks that the spec, written out and read back as Load
// will, builds a network with the same parameters as net, so that the
// file Save writes can be loaded.
func checkSpecMatches(spec *Spec, net *nn.Sequential) error {
	text := spec.String()
	again, err := Parse(text)
	if err != nil {
		return fmt.Errorf("the spec cannot be read back: %w", err)
	}
	env := nn.NewEnv(0, 1)
	defer env.Close()
	ref, err := again.Build(net.InShape(), env)
	if err != nil {
		return err
	}
	got, want := net.Params(), ref.Params()
	if len(got) != len(want) {
		return fmt.Errorf("the network has %d parameter tensors but the spec %q makes %d", len(got), text, len(want))
	}
	for i := range got {
		if got[i].Name != want[i].Name || !tensor.SameShape(got[i].Value.Shape, want[i].Value.Shape) {
			return fmt.Errorf("the network's parameter %s %s does not match the spec %q, which makes %s %s", got[i].Name,
				tensor.ShapeString(got[i].Value.Shape), text, want[i].Name, tensor.ShapeString(want[i].Value.Shape))
		}
	}
	return nil
}

// mustJSON encodes values that always encode: inputs, string slices and
// string maps. Input's numbers are checked to be finite.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("model: encoding %T: %v", v, err))
	}
	return string(b)
}

// checksum computes the file checksum described above; with a state, its
// key and value follow info.
func checksum(meta map[string]string, tensors []safetensors.Tensor) string {
	h := sha256.New()
	keys := checkedKeys()
	if _, ok := meta[keyState]; ok {
		keys = append(keys, keyState)
	}
	for _, k := range keys {
		writeField(h, k)
		writeField(h, meta[k])
	}
	order := make([]int, len(tensors))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return tensors[order[a]].Name < tensors[order[b]].Name })
	buf := make([]byte, 0, 64<<10)
	for _, i := range order {
		t := &tensors[i]
		dtype := t.DType
		if dtype == "" {
			dtype = safetensors.F32 // as safetensors.Write takes it
		}
		writeField(h, t.Name)
		writeField(h, dtype)
		dims := make([]string, len(t.Shape))
		for j, d := range t.Shape {
			dims[j] = strconv.Itoa(d)
		}
		writeField(h, strings.Join(dims, ","))
		for _, v := range t.Data {
			if len(buf)+8 > cap(buf) {
				h.Write(buf)
				buf = buf[:0]
			}
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
		for _, v := range t.Ints {
			if len(buf)+8 > cap(buf) {
				h.Write(buf)
				buf = buf[:0]
			}
			buf = binary.LittleEndian.AppendUint64(buf, uint64(v))
		}
		h.Write(buf)
		buf = buf[:0]
	}
	return hex.EncodeToString(h.Sum(nil))
}

// isCounter reports whether a parameter's name is that of a batch norm's
// count of batches, which model files hold as an int64, as PyTorch does.
func isCounter(name string) bool {
	return name == "num_batches_tracked" || strings.HasSuffix(name, ".num_batches_tracked")
}

// writeField writes s and a zero byte.
func writeField(h hash.Hash, s string) {
	io.WriteString(h, s)
	h.Write([]byte{0})
}

// Load reads the model file at path and rebuilds its network in env, with
// the weights from the file. It checks everything before it trusts it:
// the file's structure, its format and version, the checksum, the spec,
// the input's shape and normalisation (finite, with standard deviations
// of at least MinStd), and then, by arithmetic (see Spec.Size) and before
// any layer is allocated, that the file's tensors are exactly the
// parameters the spec makes, with the same shapes, that one example's way
// through the network takes at most MaxWork values, and that every
// parameter is a finite number (and every batch norm variance not
// negative). A spec cannot ask for more parameters than the file holds,
// so the memory Load takes grows with the file's size, and a file crafted
// to describe a gigantic network is refused before anything is built. Its
// errors name the file and fit on one line.
func Load(path string, env *nn.Env) (*Model, error) {
	m, _, err := LoadWithState(path, env)
	return m, err
}

// LoadWithState is Load for a checkpoint: it also returns the state saved
// beside the model (nil for a plain model file).
func LoadWithState(path string, env *nn.Env) (*Model, *State, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("loading model: %w", err)
	}
	m, err := decode(f, env)
	if err != nil {
		return nil, nil, fmt.Errorf("loading model %s: %w", path, err)
	}
	meta, ok := f.Metadata[keyState]
	if !ok {
		return m, nil, nil
	}
	st := &State{Meta: meta}
	for _, t := range f.Tensors {
		if strings.HasPrefix(t.Name, StatePrefix) {
			st.Tensors = append(st.Tensors, t)
		}
	}
	return m, st, nil
}

// decode turns the content of a model file into a model.
func decode(f *safetensors.File, env *nn.Env) (*Model, error) {
	meta := f.Metadata
	if format, ok := meta[keyFormat]; !ok || format != formatName {
		return nil, fmt.Errorf(`not a gocnn model: its metadata has no "format": %q (a plain tensor file has no spec to rebuild the network from)`, formatName)
	}
	if v := meta[keyVersion]; v != strconv.Itoa(FormatVersion) {
		if n, err := strconv.Atoi(v); err == nil && n > FormatVersion {
			return nil, fmt.Errorf("model format version %d is newer than this gocnn reads (version %d)", n, FormatVersion)
		}
		return nil, fmt.Errorf("unknown model format version %q", v)
	}
	for _, t := range f.Tensors {
		if t.DType != safetensors.F32 && !(t.DType == safetensors.I64 && isCounter(t.Name)) {
			return nil, fmt.Errorf("tensor %q has dtype %s; gocnn models hold F32 (and I64 batch counts)", t.Name, t.DType)
		}
	}
	for _, k := range append(checkedKeys(), keyChecksum) {
		if _, ok := meta[k]; !ok {
			return nil, fmt.Errorf("its metadata has no %q", k)
		}
	}
	if sum := checksum(meta, f.Tensors); sum != meta[keyChecksum] {
		return nil, fmt.Errorf("the file is corrupted: its contents do not match the sha256 checksum it records")
	}
	if err := countsAsFloats(f); err != nil {
		return nil, err
	}

	spec, err := Parse(meta[keySpec])
	if err != nil {
		return nil, fmt.Errorf("its spec: %w", err)
	}
	var input Input
	if err := strictJSON(meta[keyInput], &input); err != nil {
		return nil, fmt.Errorf("its input: %w", err)
	}
	if err := input.Check(); err != nil {
		return nil, fmt.Errorf("its input: %w", err)
	}
	var classes []string
	if err := strictJSON(meta[keyClasses], &classes); err != nil {
		return nil, fmt.Errorf("its classes: %w", err)
	}
	var info map[string]string
	if err := strictJSON(meta[keyInfo], &info); err != nil {
		return nil, fmt.Errorf("its info: %w", err)
	}
	if info == nil {
		info = map[string]string{}
	}

	return fromTensors(f, spec, input, classes, info, env)
}

// countsAsFloats turns a file's I64 tensors, batch norm's counts, into
// float32 ones, as the network holds every parameter. gocnn writes counts
// as I64, as PyTorch does; files from before it did hold them as F32, and
// read as they are.
func countsAsFloats(f *safetensors.File) error {
	for i := range f.Tensors {
		if t := &f.Tensors[i]; t.DType == safetensors.I64 {
			t.Data = make([]float32, len(t.Ints))
			for j, v := range t.Ints {
				if v < 0 {
					return fmt.Errorf("tensor %q holds %d at index %d: a count of batches cannot be negative", t.Name, v, j)
				}
				t.Data[j] = float32(v)
			}
			t.DType, t.Ints = safetensors.F32, nil
		}
	}
	return nil
}

// fromTensors builds the model spec describes for input with the file's
// tensors as its parameters. Everything the file claims is checked
// against the spec, by arithmetic, before the network is built: a crafted
// spec on a small file must not get its layers allocated.
func fromTensors(f *safetensors.File, spec *Spec, input Input, classes []string, info map[string]string, env *nn.Env) (*Model, error) {
	size, err := spec.Size(input.Shape)
	if err != nil {
		return nil, err
	}
	if err := checkTensors(size, f); err != nil {
		return nil, err
	}
	if n := len(classes); n != size.Out[0] {
		return nil, fmt.Errorf("the network has %d outputs but there are %d class names", size.Out[0], n)
	}

	net, err := spec.Build(input.Shape, env)
	if err != nil {
		return nil, err
	}
	if err := setParams(net, f); err != nil {
		return nil, err
	}
	m := &Model{Spec: spec, Net: net, Input: input, Classes: classes, Info: info}
	if err := m.checkClasses(); err != nil {
		return nil, err
	}
	return m, nil
}

// LoadStateDict builds the network spec describes for input with the
// weights of a plain tensor file, such as PyTorch's
// safetensors.torch.save_file(net.state_dict(), path) writes for a
// network of the same layers: float32 tensors under the names gocnn gives
// its parameters ("0.weight", "3.body.1.running_mean", ...), and int64 or
// float32 batch counts. classes names the outputs (nil: "0", "1", ...).
// The tensors are checked against the spec, by name, shape and value,
// before the network is built; errors name the file.
func LoadStateDict(path string, spec *Spec, input Input, classes []string, env *nn.Env) (*Model, error) {
	if err := input.Check(); err != nil {
		return nil, err
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for _, t := range f.Tensors {
		if t.DType != safetensors.F32 && !(t.DType == safetensors.I64 && isCounter(t.Name)) {
			return nil, fmt.Errorf("%s: tensor %q has dtype %s; weights must be F32 (and batch counts I64)", path, t.Name, t.DType)
		}
	}
	if err := countsAsFloats(f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if classes == nil {
		size, err := spec.Size(input.Shape)
		if err != nil {
			return nil, err
		}
		for i := range size.Out[0] {
			classes = append(classes, strconv.Itoa(i))
		}
	}
	m, err := fromTensors(f, spec, input, classes, map[string]string{}, env)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// MaxWork is the largest number of values one example may make on its way
// through a loaded model's network (Sizing.Work): 256 MiB of float32, six
// times what specs/ham-resnet.txt makes of a 224×224 colour image. The
// parameters are bounded by the file that holds them; this bounds the
// rest, so that a small file cannot describe a network whose working
// memory alone is gigabytes.
const MaxWork = 1 << 26

// checkTensors checks the file's tensors against the network the spec
// makes, before it is built: every tensor's name and shape, the network's
// working memory against MaxWork, and every value: parameters must be
// finite and batch norm's running variances not negative. As each tensor
// must have exactly the shape the spec gives it, the parameters a spec
// implies are never more than the file holds, whatever they would be.
func checkTensors(size *Sizing, f *safetensors.File) error {
	var held int64 // values in the file's model tensors
	for _, t := range f.Tensors {
		if !strings.HasPrefix(t.Name, StatePrefix) {
			held += int64(len(t.Data))
		}
	}
	byName, err := matchTensors(size.Params, f)
	if err != nil {
		if size.ParamCount > held {
			return fmt.Errorf("%w (the spec makes a network of %d parameters, the file holds %d values)", err, size.ParamCount, held)
		}
		return err
	}
	if size.Work > MaxWork {
		return fmt.Errorf("its network makes %d values for each example on its way through, over the limit of %d (%d MiB)",
			size.Work, MaxWork, MaxWork*4>>20)
	}
	for _, p := range size.Params {
		for i, v := range byName[p.Name].Data {
			switch {
			case math.IsNaN(float64(v)) || math.IsInf(float64(v), 0):
				return fmt.Errorf("tensor %q holds %g at index %d: a model's parameters must be finite numbers", p.Name, v, i)
			case v < 0 && (p.Name == "running_var" || strings.HasSuffix(p.Name, ".running_var")):
				return fmt.Errorf("tensor %q holds %g at index %d: a batch norm's running variances cannot be negative", p.Name, v, i)
			}
		}
	}
	return nil
}

// matchTensors checks that the file's tensors, apart from a checkpoint's
// state, are exactly the parameters want, with the same shapes. It
// returns the file's tensors by name.
func matchTensors(want []ParamShape, f *safetensors.File) (map[string]*safetensors.Tensor, error) {
	byName := make(map[string]*safetensors.Tensor, len(f.Tensors))
	for i := range f.Tensors {
		byName[f.Tensors[i].Name] = &f.Tensors[i]
	}
	wanted := make(map[string]bool, len(want))
	var missing, unexpected []string
	for _, p := range want {
		wanted[p.Name] = true
		t := byName[p.Name]
		if t == nil {
			missing = append(missing, p.Name)
			continue
		}
		if !tensor.SameShape(t.Shape, p.Shape) {
			return nil, fmt.Errorf("tensor %q has shape %s but the spec makes it %s",
				p.Name, tensor.ShapeString(t.Shape), tensor.ShapeString(p.Shape))
		}
	}
	for _, t := range f.Tensors {
		if !wanted[t.Name] && !strings.HasPrefix(t.Name, StatePrefix) {
			unexpected = append(unexpected, t.Name)
		}
	}
	if len(missing) > 0 || len(unexpected) > 0 {
		var b bytes.Buffer
		b.WriteString("its tensors do not match the spec:")
		if len(missing) > 0 {
			fmt.Fprintf(&b, " missing %s", strings.Join(missing, ", "))
		}
		if len(unexpected) > 0 {
			if len(missing) > 0 {
				b.WriteByte(';')
			}
			fmt.Fprintf(&b, " unexpected %s", strings.Join(unexpected, ", "))
		}
		return nil, errors.New(b.String())
	}
	return byName, nil
}

// strictJSON decodes s into v, rejecting unknown fields and anything after
// the value.
func strictJSON(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("unexpected text after the JSON value")
	}
	return nil
}

// setParams copies the file's tensors into the network's parameters,
// checking again, against the built network this time, that the names
// match exactly and the shapes agree.
func setParams(net *nn.Sequential, f *safetensors.File) error {
	var want []ParamShape
	for _, p := range net.Params() {
		want = append(want, ParamShape{Name: p.Name, Shape: p.Value.Shape})
	}
	byName, err := matchTensors(want, f)
	if err != nil {
		return err
	}
	for _, p := range net.Params() {
		copy(p.Value.Data, byName[p.Name].Data)
	}
	return nil
}
