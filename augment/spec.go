package augment

import (
	"fmt"
	"strconv"
	"strings"
)

// Digits returns augmentation for handwritten digits and similar small
// grey images: shifts of up to 2 pixels, rotations of up to 10° and zooms
// of up to 10%. It does not flip or turn them: a mirrored 2 or an upside
// down 6 is a different symbol.
func Digits() Options { return Options{Shift: 2, Rotate: 10, Scale: 0.1} }

// Skin returns augmentation for photographs of skin lesions and other
// images with no natural up or left: mirror images and quarter turns
// (180° only on non-square images), shifts of up to 10% of the size, and
// brightness and contrast jitter of ±0.1 and ±20%.
func Skin() Options {
	return Options{FlipH: true, FlipV: true, Rot90: true, ShiftFrac: 0.1, Brightness: 0.1, Contrast: 0.2}
}

// Parse reads augmentation options from a spec such as "digits", "none",
// or a comma-separated list of changes:
//
//	fliph             mirror left–right (FlipH)
//	flipv             mirror top–bottom (FlipV)
//	flip              both
//	rot90             quarter turns (Rot90)
//	shift=2           shift by up to 2 pixels (Shift)
//	shift=10%         shift by up to 10% of the size (ShiftFrac)
//	rotate=10         rotate by up to 10 degrees (Rotate)
//	scale=0.1         zoom by 0.9 to 1.1 (Scale)
//	crop=0.5          random resized crops of half the area or more (Crop)
//	brightness=0.1    add up to ±0.1 (Brightness)
//	contrast=0.2      scale contrast by 0.8 to 1.2 (Contrast)
//	saturation=0.3    scale saturation by 0.7 to 1.3 (Saturation)
//	hue=0.05          turn hues by up to 0.05 of a turn (Hue)
//	noclamp           do not clamp to [0, 1] (NoClamp)
//
// The presets "digits" and "skin" and "none" (or an empty spec) may start
// the list, and later items change them: "digits,rotate=15". Normalization
// cannot be given in a spec; set it on the result.
func Parse(spec string) (Options, error) {
	var o Options
	if strings.TrimSpace(spec) == "" {
		return o, nil
	}
	for i, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if err := o.set(item, i == 0); err != nil {
			return Options{}, fmt.Errorf("augment: parsing %q: %w", spec, err)
		}
	}
	if err := o.validate(); err != nil {
		return Options{}, fmt.Errorf("augment: parsing %q: %w", spec, err)
	}
	return o, nil
}

// set applies one item of a spec to o.
func (o *Options) set(item string, first bool) error {
	key, value, hasValue := strings.Cut(item, "=")
	switch key {
	case "none", "digits", "skin":
		switch {
		case hasValue:
			return fmt.Errorf("%q: the preset %s takes no value", item, key)
		case !first:
			return fmt.Errorf("%q: a preset must come first", item)
		case key == "digits":
			*o = Digits()
		case key == "skin":
			*o = Skin()
		}
		return nil
	case "fliph", "flipv", "flip", "rot90", "noclamp":
		if hasValue {
			return fmt.Errorf("%q: %s takes no value", item, key)
		}
		o.FlipH = o.FlipH || key == "fliph" || key == "flip"
		o.FlipV = o.FlipV || key == "flipv" || key == "flip"
		o.Rot90 = o.Rot90 || key == "rot90"
		o.NoClamp = o.NoClamp || key == "noclamp"
		return nil
	case "shift":
		if pct, ok := strings.CutSuffix(value, "%"); ok {
			f, err := strconv.ParseFloat(pct, 64)
			if err != nil || !(f >= 0 && f < 100) {
				return fmt.Errorf("%q: want a percentage of the size from 0 to below 100, like shift=10%%", item)
			}
			o.Shift, o.ShiftFrac = 0, f/100
			return nil
		}
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 {
			return fmt.Errorf("%q: want a whole number of pixels or a percentage, like shift=2 or shift=10%%", item)
		}
		o.Shift, o.ShiftFrac = n, 0
		return nil
	}
	var field *float64
	switch key {
	case "rotate":
		field = &o.Rotate
	case "scale":
		field = &o.Scale
	case "crop":
		field = &o.Crop
	case "brightness":
		field = &o.Brightness
	case "contrast":
		field = &o.Contrast
	case "saturation":
		field = &o.Saturation
	case "hue":
		field = &o.Hue
	default:
		return fmt.Errorf("%q: unknown change; want none, digits, skin, fliph, flipv, flip, rot90, noclamp, shift=, rotate=, scale=, crop=, brightness=, contrast=, saturation= or hue=", item)
	}
	f, err := strconv.ParseFloat(value, 64)
	if err != nil || !hasValue {
		return fmt.Errorf("%q: %s wants a number, like %s=0.1", item, key, key)
	}
	*field = f
	return nil
}

// String returns the options as a spec that Parse reads back, such as
// "shift=2,rotate=10,scale=0.1", or "none". It leaves out Normalization.
func (o Options) String() string {
	var items []string
	flag := func(on bool, name string) {
		if on {
			items = append(items, name)
		}
	}
	number := func(v float64, name string) {
		if v != 0 {
			items = append(items, name+"="+strconv.FormatFloat(v, 'g', -1, 64))
		}
	}
	flag(o.FlipH, "fliph")
	flag(o.FlipV, "flipv")
	flag(o.Rot90, "rot90")
	if o.Shift != 0 {
		items = append(items, "shift="+strconv.Itoa(o.Shift))
	}
	if o.ShiftFrac != 0 {
		items = append(items, "shift="+strconv.FormatFloat(o.ShiftFrac*100, 'g', -1, 64)+"%")
	}
	number(o.Rotate, "rotate")
	number(o.Scale, "scale")
	number(o.Crop, "crop")
	number(o.Brightness, "brightness")
	number(o.Contrast, "contrast")
	number(o.Saturation, "saturation")
	number(o.Hue, "hue")
	flag(o.NoClamp, "noclamp")
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ",")
}
