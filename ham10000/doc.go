// Package ham10000 reads HAM10000, a collection of 10,015 dermatoscopic
// images of pigmented skin lesions in seven diagnostic classes, and splits
// it for training without letting a lesion leak from one split into
// another.
//
// HAM10000 is by Tschandl, Rosendahl and Kittler, published on Harvard
// Dataverse (doi:10.7910/DVN/DBW86T) under CC BY-NC 4.0: non-commercial
// use only, citing Sci. Data 5, 180161 (2018), doi:10.1038/sdata.2018.161.
// Help says the same, with how to lay the files out.
//
// # Three forms of the data
//
// Load reads the form HAM10000 is published in: HAM10000_metadata.csv,
// one row per image giving its lesion and diagnosis, and the images as
// ISIC_<number>.jpg in any folder tree below it (the original
// HAM10000_images_part_1/ and _part_2/, or one folder of smaller copies).
// It resizes every image to a chosen size, decoding in parallel, and keeps
// the result in a cache file, so that only the first run waits for the
// decoding (about 8 seconds for the 10,015 images at 200×150 on two
// cores, then well under a second).
//
// LoadHMNIST reads Kaggle's "hmnist" CSV files (8×8 or 28×28, greyscale or
// RGB), and AttachMetadata pairs their rows with the metadata's.
// LoadDermaMNIST reads MedMNIST's dermamnist.npz, a zip of NPY arrays
// with MedMNIST's own train/val/test split.
//
// Every loader keeps the images as the 8-bit values it read
// (data.Pixels), a quarter of the memory of float32, which batches turn
// into float32 in [0, 1] as they are built. Every loader returns labels
// in one order, that of Classes(): akiec, bcc, bkl, df, nv, vasc, mel. It is the hmnist files' order; DermaMNIST's
// labels, which put mel, nv and vasc at 4, 5 and 6, are mapped into it.
//
// # Splits
//
// HAM10000 has 7,470 lesions for its 10,015 images: many lesions were
// photographed more than once. GroupedSplit keeps all images of a lesion
// in one part and each class in the requested proportions; WriteSplitCSV
// and ReadSplitCSV save a split and read it back, so that a run can be
// repeated on the same split. LeakyImageSplit splits image by image, as
// some published results do, and is flagged as leaky.
//
// # Beyond the image
//
// The metadata also gives the patient's age and sex and the body site of
// each lesion. Clinical counts them per class on the training images and
// turns a lesion's into log-likelihoods that can be added to a network's
// log-probabilities (train.Scoring.Evidence, predict.WithEvidence).
//
//	set, err := ham10000.Load(ham10000.Options{Dir: dir, Height: 75, Width: 100})
//	...
//	split, err := ham10000.GroupedSplit(set.Records, ham10000.Fractions{Train: 0.7, Val: 0.15, Test: 0.15}, rng.New(1))
//	...
//	train, val, test := set.Subset(split.Train), set.Subset(split.Val), set.Subset(split.Test)
//
// The classes are very unequal (6,705 nevi, 115 dermatofibromas); see
// data.BalancedWeights and data.BalancedSampler for two remedies, and
// report balanced accuracy rather than accuracy.
package ham10000
