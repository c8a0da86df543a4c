package onnx

import (
	"fmt"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/onnx/onnxpb"
)

// attrs are a node's attributes by name and type.
type attrs struct {
	lists  map[string][]int
	whole  map[string]int
	reals  map[string]float64
	texts  map[string]string
	tensor map[string]*onnxpb.TensorProto
}

// attributes reads a node's attributes, refusing integers out of the
// range a layer can take.
func attributes(n *onnxpb.NodeProto) (attrs, error) {
	a := attrs{lists: map[string][]int{}, whole: map[string]int{}, reals: map[string]float64{}, texts: map[string]string{},
		tensor: map[string]*onnxpb.TensorProto{}}
	for _, at := range n.GetAttribute() {
		name := at.GetName()
		switch at.GetType() {
		case onnxpb.AttributeProto_INT:
			v := at.GetI()
			if v < -model.MaxSize || v > model.MaxSize {
				return a, fmt.Errorf("attribute %s = %d is out of range", name, v)
			}
			a.whole[name] = int(v)
		case onnxpb.AttributeProto_INTS:
			if len(at.GetInts()) > 8 {
				return a, fmt.Errorf("attribute %s has %d values", name, len(at.GetInts()))
			}
			var vs []int
			for _, v := range at.GetInts() {
				if v < -model.MaxSize || v > model.MaxSize {
					return a, fmt.Errorf("attribute %s holds %d, out of range", name, v)
				}
				vs = append(vs, int(v))
			}
			a.lists[name] = vs
		case onnxpb.AttributeProto_FLOAT:
			a.reals[name] = float64(at.GetF())
		case onnxpb.AttributeProto_STRING:
			a.texts[name] = string(at.GetS())
		case onnxpb.AttributeProto_TENSOR:
			a.tensor[name] = at.GetT()
		default:
			return a, fmt.Errorf("attribute %s of type %s is not supported", name, at.GetType())
		}
	}
	return a, nil
}

func (a attrs) int(name string, def int) int {
	if v, ok := a.whole[name]; ok {
		return v
	}
	return def
}

// ints returns the named list, or nil.
func (a attrs) ints(name string) []int { return a.lists[name] }

func (a attrs) float(name string, def float64) float64 {
	if v, ok := a.reals[name]; ok {
		return v
	}
	return def
}

func (a attrs) str(name, def string) string {
	if v, ok := a.texts[name]; ok {
		return v
	}
	return def
}
