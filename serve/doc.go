// Package serve puts a trained model behind HTTP: a playground page where
// a person draws a digit and watches the network's probabilities and
// feature maps change stroke by stroke, and a small JSON API that the page
// uses and that scripts can call.
//
// New returns the http.Handler; Serve runs it on a listener with the
// timeouts and limits a server on a network needs, until its context ends.
// The page and its script and style sheet are embedded in the binary and
// load nothing from elsewhere.
//
// # Routes
//
//	GET  /              the playground page
//	GET  /static/...    its script and style sheet
//	GET  /api/model     the model: spec, classes, input shape and preparation, layers
//	POST /api/predict   classify one image (or one prepared input)
//
// # POST /api/predict
//
// The body is one of:
//
//   - a PNG, JPEG or GIF image, with Content-Type image/png, image/jpeg or
//     image/gif (the page sends its canvas this way);
//   - multipart/form-data with the image in a file field named "image" (or,
//     failing that, the first file field): what an HTML upload form sends;
//   - application/json, either {"image": "data:image/png;base64,..."} (a
//     data URI or bare base64 of a PNG, JPEG or GIF), or {"input": [...]}, the
//     model's input itself: C·H·W numbers in [0, 1] in channel, row,
//     column order, as the data set holds them, before the model's
//     normalisation, which the server applies.
//
// An image is prepared as the model's training data was (see
// predict.Prepare): for an MNIST model, the digit is found, fitted into
// 20×20 pixels and centred in 28×28, whatever the size of the picture.
//
// The answer is JSON:
//
//	{
//	  "classes": ["0", "1", ...],           // the model's class names
//	  "probs":   [0.001, 0.97, ...],        // one probability per class
//	  "top":     [{"class": "1", "index": 1, "prob": 0.97}, ...], // the three best
//	  "input":   "data:image/png;base64,...", // what the network saw
//	  "feature_maps": [...]                   // with ?maps=1 only
//	}
//
// With the query parameter maps=1 the answer also holds the feature maps
// of the convolutional stages (see FeatureMap): one small grayscale PNG per
// channel, as data URIs. They are left out by default, which keeps the
// answer to a script short.
//
// Errors are JSON too, {"error": "what is wrong"}, with the status saying
// whose fault it is:
//
//	400  empty body, malformed JSON or multipart, data that is not a PNG or
//	     JPEG image or too short for the pixels its header claims, a
//	     picture with no digit in it, a bad query parameter
//	403  a request from another site's page, or naming the server by a
//	     name it does not answer to (see "Cross-site requests" below)
//	405  a method other than POST (the Allow header says which)
//	404  an unknown path (every error, the page's included, is JSON)
//	413  a body over Options.MaxBodyBytes (2 MiB by default), or a picture
//	     of more than Options.MaxPixels pixels (33 megapixels by default)
//	     or whose decoding would take more than Options.MaxDecodeBytes
//	     (64 MiB by default), both found from its header
//	415  a Content-Type other than the ones above
//	422  an "input" whose length does not match the model's input shape,
//	     or with a value outside [0, 1]
//	500  a fault in the server; it keeps running
//	503  busy: Options.MaxDecodes pictures are being decoded and
//	     Options.MaxWaiting requests wait for them already, or the wait
//	     passed Options.DecodeWait; try again (Retry-After: 1)
//
// For example, with curl:
//
//	curl --data-binary @digit.png -H 'Content-Type: image/png' http://127.0.0.1:8080/api/predict
//	curl -F image=@photo.jpg 'http://127.0.0.1:8080/api/predict?maps=1'
//
// A model is not safe for concurrent use, so the handler runs the network
// for one request at a time; decoding and preparing images, the slow part
// for large photos, run in parallel, up to Options.MaxDecodes at once (one
// per processor by default).
//
// # Cross-site requests
//
// A playground on 127.0.0.1 is within reach of every page the user's
// browser opens: a page from any site can post an upload form to it
// (forms need no CORS preflight), and a site whose name its owner points
// at 127.0.0.1 once its page has loaded (DNS rebinding) is, to the
// browser, that page's own origin, free to read the answers. So the
// handler answers 403 to
//
//   - a request whose Origin header, which browsers send with every POST
//     and every cross-origin fetch, is neither the server's own origin
//     (the scheme, host and port of the request's Host) nor one of
//     Options.AllowOrigins;
//   - a request whose Host header names the server by a name other than
//     localhost (and *.localhost), the names in Options.Hosts and the
//     hosts of Options.AllowOrigins. An IP address is always accepted:
//     rebinding needs a name. The port is not checked, so that a
//     forwarded port still works.
//
// Requests without an Origin, from curl or a script, and the playground's
// own page pass. A page of an allowed origin gets CORS headers
// (Access-Control-Allow-Origin, and answers to preflight requests), so it
// can read the answers. gocnn serve's -allow-origin sets AllowOrigins and
// it adds the host of -addr to Hosts; "-allow-origin '*'" turns both
// checks off.
//
// # Hostile pictures
//
// A few hundred kilobytes of PNG can claim a quarter of a gigabyte of
// pixels, and the header of one, alone, used to cost as much, since the
// decoder allocates the picture before it finds the pixels missing. So a
// picture's header is read before anything else (imageprep.Decoder's
// Inspect): a picture whose decoding would take more than MaxDecodeBytes
// gets 413, and one whose data is too short for its pixels 400, before a
// byte goes to its pixels and without taking one of the decodes in
// flight. The pictures that pass are decoded at most MaxDecodes at once,
// which bounds the memory they take together; requests beyond those wait
// (at most MaxWaiting of them, for at most DecodeWait), and the rest get
// 503, an honest "busy" rather than a queue without end. After a picture
// of 16 MiB or more the handler hands the memory back to the operating
// system at once (debug.FreeOSMemory) instead of leaving it to the
// runtime, which returns it over minutes.
package serve
