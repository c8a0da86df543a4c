package main

// commandHelp is what "gocnn help <command>" prints above a command's
// flags: a paragraph on what it does and a few command lines to copy.
type commandHelp struct {
	about    string
	examples []string
}

// helpFor returns the help of the command whose flag set is named name
// ("train", "data fetch", ...); a command without an entry prints only
// its usage line and flags.
func helpFor(name string) commandHelp {
	return map[string]commandHelp{
		"xor": {
			about: `Trains dense(8) tanh dense(1) sigmoid on the four rows of the XOR truth
table with SGD, prints the loss as it falls, then the table with the
network's answer for each row.`,
			examples: []string{
				"gocnn xor",
				"gocnn xor -every 250 -seed 7",
			},
		},
		"train": {
			about: `Trains a model on MNIST, Fashion-MNIST, HAM10000 or a folder of your own
pictures (one subfolder per class), fetching MNIST and Fashion-MNIST
first if they are missing. It prints one line per epoch,
scores the test set, and writes the model file, its metrics log (one JSON
line per epoch, for gocnn plot) and a checkpoint after every epoch, from
which -resume carries on. The model is a preset (tiny, lenet5, mnist-cnn,
mlp), a spec such as "conv(8,3) relu maxpool(2) flatten dense(10)", or a
spec file.`,
			examples: []string{
				"gocnn train",
				"gocnn train -classes 3,5 -epochs 5",
				"gocnn train -model mnist-cnn -epochs 12 -out cnn.safetensors",
				"gocnn train -model specs/mnist-bn.txt -augment digits -val 0.1 -early-stop val_loss:3",
				"gocnn train -data fashion-mnist -model mnist-cnn -optimizer adam -lr 0.001",
				"gocnn train -resume mnist-lenet5.ckpt -epochs 20",
				"gocnn train -data ./flowers -size 64x64 -channels 3 -model specs/ham-resnet.txt -augment skin",
			},
		},
		"eval": {
			about: `Scores a trained model on the test part of the data it was trained on
(or another part or dataset): loss, accuracy, balanced accuracy, macro-F1,
per-class precision and recall, and the confusion matrix, printed and
optionally drawn as a heat map.`,
			examples: []string{
				"gocnn eval -model mnist-lenet5.safetensors",
				"gocnn eval -model mnist-lenet5.safetensors -confusion confusion.png",
				"gocnn eval -model ham10000-ham-resnet.safetensors -tta 8 -by-lesion -metadata",
			},
		},
		"predict": {
			about: `Classifies PNG, JPEG and GIF pictures of any size with a trained model and
prints each one's most likely classes. For digit models a picture is
prepared as MNIST was made (grayscale, light ink on dark, the digit
scaled into 20x20 and centred in 28x28); "-" reads a picture from
standard input.`,
			examples: []string{
				"gocnn predict -model mnist-lenet5.safetensors digit.png",
				"gocnn predict -model mnist-lenet5.safetensors -top 1 *.png",
				"gocnn predict -model ham10000-ham-resnet.safetensors -tta 8 -metadata HAM10000_metadata.csv ISIC_0024306.jpg",
			},
		},
		"bench": {
			about: `Times training and inference on random images already in memory, for
presets and spec files: images per second, GFLOP/s and the latency of
one image; with -measure steps, where a training step's time goes, layer
by layer. Its -json lines are what bench/compare_pytorch.py reads.`,
			examples: []string{
				"gocnn bench",
				"gocnn bench -models lenet5,specs/mnist-bn.txt -threads 1",
				"gocnn bench -models specs/ham-resnet.txt -input 3x48x48 -optimizer adamw -lr 0.002",
				"gocnn bench -models specs/mnist-bn.txt -measure train,steps",
				"gocnn bench -models specs/ham-resnet.txt -input 3x48x48 -measure train -cpuprofile cpu.prof",
			},
		},
		"serve": {
			about: `Serves a page on which you draw a digit (or upload a picture) and watch
the model's probabilities and feature maps, and the JSON API behind it.
It listens on 127.0.0.1 and refuses requests from other sites' pages.`,
			examples: []string{
				"gocnn serve -model mnist-lenet5.safetensors",
				"gocnn serve -model mnist-lenet5.safetensors -addr 127.0.0.1:9000",
			},
		},
		"inspect": {
			about: `Writes PNG pictures of what a model does with one picture: the input as
the network saw it, the first layer's filters, every layer's feature
maps (each picture titled, its tiles numbered by channel or filter, with
its colour scale), and the class probabilities.`,
			examples: []string{
				"gocnn inspect -model mnist-lenet5.safetensors -image digit.png -out inspect/",
			},
		},
		"report": {
			about: `Writes one self-contained HTML file on a trained model: its network,
training curves, test scores, confusion matrix, per-class precision and
recall, the most confidently wrong test images and the first layer's
filters.`,
			examples: []string{
				"gocnn report -model mnist-lenet5.safetensors",
				"gocnn report -model mnist-lenet5.safetensors -out report.html",
			},
		},
		"plot": {
			about: `Draws the loss and accuracy per epoch from one or more metrics logs
written by gocnn train, as PNG or SVG (by the -out file's extension).`,
			examples: []string{
				"gocnn plot mnist-lenet5.jsonl",
				"gocnn plot -out curves.svg -title 'lenet5 against tiny' mnist-lenet5.jsonl mnist-tiny.jsonl",
			},
		},
		"data fetch": {
			about: `Downloads and verifies datasets (mnist, fashion-mnist), so that a later
gocnn train starts at once.`,
			examples: []string{
				"gocnn data fetch mnist fashion-mnist",
				"gocnn data fetch -data-dir /srv/data mnist",
			},
		},
		"data list": {
			about: `Shows each dataset's files and whether they are there and intact.`,
			examples: []string{
				"gocnn data list",
			},
		},
		"export": {
			about: `Writes a trained model as an ONNX file (opset 13) that onnxruntime and
other ONNX runtimes run. The graph takes a batch [N C H W] of pixels in
[0, 1], normalises it as the model was trained (when it was), and gives
one score per class; the class names, the spec and the picture
preparation are in its metadata.`,
			examples: []string{
				"gocnn export -model mnist-lenet5.safetensors",
				"gocnn export -model ham10000-ham-resnet.safetensors -out ham.onnx",
			},
		},
		"import": {
			about: `Reads an ONNX file, such as torch.onnx.export writes (opsets 11 to 17),
maps its graph onto a gocnn spec and writes a gocnn model file with its
weights. The graph must be a chain of layers gocnn has (convolutions,
batch norm, pooling, dense layers, activations, residual blocks); any
other operator is refused with the node that uses it. eval, predict,
inspect, report and serve also take a .onnx file directly.

With -spec and -input it reads instead a PyTorch state_dict saved as
safetensors (safetensors.torch.save_file(net.state_dict(), path)) for a
network of gocnn's layers, whose parameters have gocnn's names and
shapes ("0.weight", "3.running_mean", ...).`,
			examples: []string{
				"gocnn import net.onnx",
				"gocnn import -classes cat,dog -prep resize -out pets.safetensors pets.onnx",
				"gocnn import -spec lenet5 -input 1x28x28 -prep mnist lenet5_state.safetensors",
			},
		},
		"version": {
			about: `Prints gocnn's version.`,
			examples: []string{
				"gocnn version",
			},
		},
	}[name]
}
