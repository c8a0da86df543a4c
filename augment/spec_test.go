package augment

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		spec string
		want Options
	}{
		{"", Options{}},
		{"none", Options{}},
		{"digits", Digits()},
		{"skin", Skin()},
		{"shift=2, rotate=10,flip", Options{Shift: 2, Rotate: 10, FlipH: true, FlipV: true}},
		{"fliph,rot90,shift=12.5%,brightness=0.1,contrast=0.2,noclamp",
			Options{FlipH: true, Rot90: true, ShiftFrac: 0.125, Brightness: 0.1, Contrast: 0.2, NoClamp: true}},
		{"digits,rotate=15,shift=10%", Options{ShiftFrac: 0.1, Rotate: 15, Scale: 0.1}},
		{"skin,shift=3", Options{FlipH: true, FlipV: true, Rot90: true, Shift: 3, Brightness: 0.1, Contrast: 0.2}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.spec)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.spec, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.spec, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"digit", `"digit": unknown change`},
		{"shift=x", "whole number of pixels"},
		{"shift=-1", "whole number of pixels"},
		{"shift=150%", "percentage"},
		{"rotate", "rotate wants a number"},
		{"rotate=ten", "rotate wants a number"},
		{"rotate=270", "0 to 180"},
		{"scale=1.5", "zoom"},
		{"flip=1", "takes no value"},
		{"digits=1", "takes no value"},
		{"shift=2,skin", "preset must come first"},
		{"shift=2,", `"": unknown change`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.spec)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q): error %v, want one mentioning %q", tt.spec, err, tt.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), "augment: parsing ") || !strings.Contains(err.Error(), tt.spec) {
			t.Errorf("Parse(%q): error %q does not name the spec", tt.spec, err)
		}
	}
}

func TestStringRoundTrip(t *testing.T) {
	for _, o := range []Options{{}, Digits(), Skin(),
		{FlipV: true, Shift: 4, Rotate: 7.5, NoClamp: true},
		{ShiftFrac: 0.25, Contrast: 0.3},
	} {
		s := o.String()
		back, err := Parse(s)
		if err != nil {
			t.Errorf("Parse(%q): %v", s, err)
			continue
		}
		if back != o {
			t.Errorf("%+v printed as %q reads back as %+v", o, s, back)
		}
	}
	if got, want := Digits().String(), "shift=2,rotate=10,scale=0.1"; got != want {
		t.Errorf("Digits() prints as %q, want %q", got, want)
	}
	if got, want := Skin().String(), "fliph,flipv,rot90,shift=10%,brightness=0.1,contrast=0.2"; got != want {
		t.Errorf("Skin() prints as %q, want %q", got, want)
	}
}
