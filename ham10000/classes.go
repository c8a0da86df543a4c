package ham10000

import "slices"

// Classes returns the seven diagnoses, by their HAM10000 abbreviations, in
// the label order this package uses for every dataset it returns:
//
//	0 akiec  actinic keratoses and intraepithelial carcinoma (Bowen's disease)
//	1 bcc    basal cell carcinoma
//	2 bkl    benign keratosis-like lesions
//	3 df     dermatofibroma
//	4 nv     melanocytic nevi
//	5 vasc   vascular lesions
//	6 mel    melanoma
//
// This is the order of the labels in Kaggle's hmnist_*.csv files, so their
// labels are used as they are. It is neither alphabetical nor MedMNIST's
// order (DermaMNIST numbers mel 4, nv 5, vasc 6); LoadDermaMNIST maps
// DermaMNIST's labels into it.
func Classes() []string {
	return []string{"akiec", "bcc", "bkl", "df", "nv", "vasc", "mel"}
}

// ClassIndex returns the label of the diagnosis dx ("mel"), and false if
// dx is not one of Classes.
func ClassIndex(dx string) (int, bool) {
	i := slices.Index(Classes(), dx)
	return i, i >= 0
}

// Diagnosis returns the full name of the diagnosis dx ("mel": "melanoma"),
// or "" if dx is not one of Classes.
func Diagnosis(dx string) string {
	switch dx {
	case "akiec":
		return "actinic keratoses and intraepithelial carcinoma (Bowen's disease)"
	case "bcc":
		return "basal cell carcinoma"
	case "bkl":
		return "benign keratosis-like lesions"
	case "df":
		return "dermatofibroma"
	case "nv":
		return "melanocytic nevi"
	case "vasc":
		return "vascular lesions"
	case "mel":
		return "melanoma"
	}
	return ""
}

// dermaMNISTClass maps a DermaMNIST label to this package's label.
// DermaMNIST numbers the classes 0 akiec, 1 bcc, 2 bkl, 3 df, 4 mel, 5 nv,
// 6 vasc.
func dermaMNISTClass(label int) (int, bool) {
	order := [...]string{"akiec", "bcc", "bkl", "df", "mel", "nv", "vasc"}
	if label < 0 || label >= len(order) {
		return 0, false
	}
	return ClassIndex(order[label])
}
