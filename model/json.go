package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// parseJSON reads the JSON form (see Parse).
func (r *Registry) parseJSON(s string) (*Spec, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &top); err != nil {
		return nil, fmt.Errorf("model spec: invalid JSON: %w", err)
	}
	keys := sortedKeys(top)
	for _, k := range keys {
		if k != "layers" {
			return nil, fmt.Errorf(`model spec: unknown key %q (a JSON spec is {"layers": [...]})`, k)
		}
	}
	raw, ok := top["layers"]
	if !ok {
		return nil, fmt.Errorf(`model spec: no "layers" (a JSON spec is {"layers": [...]})`)
	}
	return r.jsonLayers(raw, "layers", 0)
}

// jsonLayers reads an array of layer objects; path locates it in errors.
func (r *Registry) jsonLayers(raw json.RawMessage, path string, depth int) (*Spec, error) {
	var items []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		return nil, fmt.Errorf("model spec: %s is not an array of layers", path)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("model spec: %s has no layers", path)
	}
	spec := &Spec{Layers: make([]Layer, 0, len(items))}
	for i, item := range items {
		at := fmt.Sprintf("%s[%d]", path, i)
		var obj map[string]json.RawMessage
		if item[0] != '{' || json.Unmarshal(item, &obj) != nil {
			return nil, fmt.Errorf("model spec: %s is not a JSON object", at)
		}
		var name string
		typ, ok := obj["type"]
		if !ok {
			return nil, fmt.Errorf(`model spec: %s has no "type"`, at)
		}
		if typ[0] != '"' || json.Unmarshal(typ, &name) != nil {
			return nil, fmt.Errorf(`model spec: %s: "type" %s is not a string`, at, typ)
		}
		t := r.types[name]
		if t == nil {
			return nil, fmt.Errorf("model spec: %s: %s", at, r.unknownLayer(name))
		}
		l := Layer{Type: t, Args: map[string]Value{}}
		for _, key := range sortedKeys(obj) {
			if key == "type" {
				continue
			}
			p := t.param(key)
			if p == nil {
				return nil, fmt.Errorf("model spec: %s (%s): %s has no argument %q (it takes %s)", at, name, name, key, t.paramNames())
			}
			v, err := r.jsonValue(p, obj[key], at+"."+key, depth)
			if err != nil {
				if p.Kind == KindLayers {
					return nil, err // a nested sequence's error says where it is
				}
				return nil, fmt.Errorf("model spec: %s (%s): %s: %w", at, name, key, err)
			}
			if err := checkValue(p, v); err != nil {
				return nil, fmt.Errorf("model spec: %s (%s): %w", at, name, err)
			}
			l.Args[key] = v
		}
		for _, p := range t.Params {
			if p.Required && !l.Has(p.Name) {
				return nil, fmt.Errorf("model spec: %s (%s): missing argument %s: write %s", at, name, p.Name, t.Usage())
			}
		}
		spec.Layers = append(spec.Layers, l)
	}
	return spec, nil
}

// jsonValue reads the JSON value of an argument of parameter p.
func (r *Registry) jsonValue(p *Param, raw json.RawMessage, path string, depth int) (Value, error) {
	switch p.Kind {
	case KindInt:
		n, err := jsonInt(raw)
		if err != nil {
			return Value{}, fmt.Errorf("want a whole number, got %s", raw)
		}
		return Value{Int: n}, nil
	case KindPair:
		if n, err := jsonInt(raw); err == nil {
			return Value{Pair: [2]int{n, n}}, nil
		}
		var hw []json.RawMessage
		if raw[0] == '[' && json.Unmarshal(raw, &hw) == nil && len(hw) == 2 {
			h, err1 := jsonInt(hw[0])
			w, err2 := jsonInt(hw[1])
			if err1 == nil && err2 == nil {
				return Value{Pair: [2]int{h, w}}, nil
			}
		}
		return Value{}, fmt.Errorf("want a size like 3 or [3, 5], got %s", raw)
	case KindFloat:
		if c := raw[0]; c != '-' && (c < '0' || c > '9') {
			return Value{}, fmt.Errorf("want a number, got %s", raw)
		}
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil || math.IsInf(f, 0) {
			return Value{}, fmt.Errorf("want a number, got %s", raw)
		}
		return Value{Float: f}, nil
	case KindWord:
		var s string
		if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
			return Value{}, fmt.Errorf("want a string, got %s", raw)
		}
		return Value{Word: s}, nil
	case KindLayers:
		if depth >= maxDepth {
			return Value{}, fmt.Errorf("model spec: %s: layers nested more than %d deep", path, maxDepth)
		}
		spec, err := r.jsonLayers(raw, path, depth+1)
		return Value{Spec: spec}, err
	}
	return Value{}, fmt.Errorf("unknown kind %d", int(p.Kind))
}

// jsonInt reads a JSON number that is a whole number, written without a
// fraction or an exponent.
func jsonInt(raw json.RawMessage) (int, error) {
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return 0, fmt.Errorf("not a number")
	}
	return strconv.Atoi(string(raw))
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// MarshalJSON writes the spec in its JSON form, with the arguments that
// were given (sizes as [height, width]), each layer's "type" first and
// its arguments in the order of the type's parameters.
func (s *Spec) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"layers":`)
	if err := s.appendLayersJSON(&b); err != nil {
		return nil, err
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (s *Spec) appendLayersJSON(b *bytes.Buffer) error {
	b.WriteByte('[')
	for i := range s.Layers {
		l := &s.Layers[i]
		if l.Type == nil {
			return fmt.Errorf("model spec: layer %d has no type", i)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(b, `{"type":%q`, l.Type.Name)
		for _, p := range l.Type.Params {
			v, ok := l.Args[p.Name]
			if !ok {
				continue
			}
			fmt.Fprintf(b, `,%q:`, p.Name)
			switch p.Kind {
			case KindInt:
				b.WriteString(strconv.Itoa(v.Int))
			case KindPair:
				fmt.Fprintf(b, "[%d,%d]", v.Pair[0], v.Pair[1])
			case KindFloat:
				if math.IsNaN(v.Float) || math.IsInf(v.Float, 0) {
					return fmt.Errorf("model spec: layer %d %s: %s is %v, which JSON cannot hold", i, l.Type.Name, p.Name, v.Float)
				}
				b.WriteString(strconv.FormatFloat(v.Float, 'g', -1, 64))
			case KindWord:
				w, err := json.Marshal(v.Word)
				if err != nil {
					return err
				}
				b.Write(w)
			case KindLayers:
				if v.Spec == nil {
					return fmt.Errorf("model spec: layer %d %s: %s has no layers", i, l.Type.Name, p.Name)
				}
				if err := v.Spec.appendLayersJSON(b); err != nil {
					return err
				}
			}
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return nil
}
