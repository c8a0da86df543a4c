package tensor

import "testing"

func TestResizeReusesStorage(t *testing.T) {
	var x Tensor
	x.Resize(4, []int{3, 2})
	if !SameShape(x.Shape, []int{4, 3, 2}) || x.Len() != 24 {
		t.Fatalf("shape %v len %d", x.Shape, x.Len())
	}
	before := &x.Data[0]
	if a := testing.AllocsPerRun(10, func() { x.Resize(2, []int{3, 2}); x.Resize(4, []int{3, 2}) }); a != 0 {
		t.Errorf("Resize within capacity allocates %v times", a)
	}
	if &x.Data[0] != before || x.Len() != 24 {
		t.Error("Resize within capacity moved the data")
	}
	x.Resize(1, []int{100})
	if !SameShape(x.Shape, []int{1, 100}) || x.Len() != 100 {
		t.Errorf("grown to shape %v len %d", x.Shape, x.Len())
	}
}

func TestReshapeSharesData(t *testing.T) {
	x := New(2, 3)
	y := x.Reshape(3, 2)
	y.Data[5] = 7
	if x.Data[5] != 7 || x.Dim(-1) != 3 || y.Dim(0) != 3 {
		t.Error("reshape does not share data or report dims")
	}
	defer func() {
		if recover() == nil {
			t.Error("reshape to a different size did not panic")
		}
	}()
	x.Reshape(4, 2)
}

func TestShapeString(t *testing.T) {
	if s := ShapeString([]int{1, 28, 28}); s != "[1 28 28]" {
		t.Errorf("got %q", s)
	}
}
