package serve

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/imageprep"
	"github.com/gocnn/gocnn/metrics"
	"github.com/gocnn/gocnn/predict"
	"github.com/gocnn/gocnn/tensor"
)

// topCount is how many of the best classes an answer lists in "top".
const topCount = 3

// prediction is the answer of POST /api/predict.
type prediction struct {
	Classes     []string     `json:"classes"`
	Probs       []float32    `json:"probs"`
	Top         []topClass   `json:"top"`
	Input       string       `json:"input"`
	FeatureMaps []FeatureMap `json:"feature_maps,omitempty"`
}

// topClass is one of the most probable classes.
type topClass struct {
	Class string  `json:"class"`
	Index int     `json:"index"`
	Prob  float32 `json:"prob"`
}

// jsonRequest is the body of an application/json request: exactly one of
// its fields is set.
type jsonRequest struct {
	Image *string   `json:"image"` // data URI or base64 of a PNG, JPEG or GIF
	Input []float32 `json:"input"` // C·H·W values in [0, 1], before normalisation
}

func (h *Handler) servePredict(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, r, "POST")
		return
	}
	maps, err := boolQuery(r, "maps")
	if err != nil {
		h.writeFailure(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
	x, err := h.readInput(r.Context(), r)
	if err != nil {
		h.writeFailure(w, r, err)
		return
	}
	res, err := h.run(x, maps)
	if err != nil {
		h.writeFailure(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// boolQuery reads an optional true/false query parameter.
func boolQuery(r *http.Request, name string) (bool, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return false, nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return false, errorf(http.StatusBadRequest, "query parameter %s=%q: want 1 or 0 (or true or false)", name, s)
	}
	return v, nil
}

// readInput reads the request body and turns it into the model's input:
// prepared and normalised, [C, H, W].
func (h *Handler) readInput(ctx context.Context, r *http.Request) (*tensor.Tensor, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil, errorf(http.StatusUnsupportedMediaType, "the request has no Content-Type: send image/png, image/jpeg, image/gif, multipart/form-data or application/json")
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, errorf(http.StatusUnsupportedMediaType, "unreadable Content-Type %q: %v", ct, err)
	}
	switch mediaType {
	case "image/png", "image/jpeg", "image/jpg", "image/gif":
		body, err := readBody(r.Body)
		if err != nil {
			return nil, err
		}
		return h.prepareImage(ctx, body)
	case "multipart/form-data":
		body, err := readMultipartImage(r.Body, params["boundary"])
		if err != nil {
			return nil, err
		}
		return h.prepareImage(ctx, body)
	case "application/json":
		body, err := readBody(r.Body)
		if err != nil {
			return nil, err
		}
		return h.readJSON(ctx, body)
	default:
		return nil, errorf(http.StatusUnsupportedMediaType, "unsupported Content-Type %q: send image/png, image/jpeg, image/gif, multipart/form-data or application/json", mediaType)
	}
}

// readBody reads a whole (size-capped) body; an empty one is an error.
func readBody(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, bodyError(err)
	}
	if len(b) == 0 {
		return nil, errorf(http.StatusBadRequest, "empty request body: send a PNG, JPEG or GIF image")
	}
	return b, nil
}

// bodyError turns a failure to read the body into 413 when the body was
// over the cap and 400 otherwise.
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errorf(http.StatusRequestEntityTooLarge, "the request body is larger than the limit of %s", byteSize(tooBig.Limit))
	}
	return errorf(http.StatusBadRequest, "reading the request body: %v", err)
}

// byteSize writes n bytes for people: "2 MiB", "300 KiB", "17 bytes".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	if n == 1 {
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

// readMultipartImage returns the contents of the file field "image" of a
// multipart form, or of its first file field if none has that name.
func readMultipartImage(body io.Reader, boundary string) ([]byte, error) {
	if boundary == "" {
		return nil, errorf(http.StatusBadRequest, "multipart/form-data without a boundary parameter")
	}
	mr := multipart.NewReader(body, boundary)
	var first []byte
	found := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, multipartError(err)
		}
		if part.FileName() == "" && part.FormName() != "image" {
			continue // another form field
		}
		b, err := io.ReadAll(part)
		if err != nil {
			return nil, multipartError(err)
		}
		if part.FormName() == "image" {
			if len(b) == 0 {
				return nil, errorf(http.StatusBadRequest, "the form's image field is empty: choose a PNG, JPEG or GIF file")
			}
			return b, nil
		}
		if !found {
			first, found = b, true
		}
	}
	if !found {
		return nil, errorf(http.StatusBadRequest, `the form has no file: send the image in a field named "image"`)
	}
	if len(first) == 0 {
		return nil, errorf(http.StatusBadRequest, "the form's file is empty: choose a PNG, JPEG or GIF file")
	}
	return first, nil
}

func multipartError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return bodyError(err)
	}
	return errorf(http.StatusBadRequest, "reading the multipart form: %v", err)
}

// readJSON reads an application/json request.
func (h *Handler) readJSON(ctx context.Context, body []byte) (*tensor.Tensor, error) {
	var req jsonRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, errorf(http.StatusBadRequest, `invalid JSON request: %v (want {"image": "data:image/png;base64,..."} or {"input": [numbers]})`, err)
	}
	if dec.More() {
		return nil, errorf(http.StatusBadRequest, "invalid JSON request: more than one JSON value in the body")
	}
	switch {
	case req.Image != nil && req.Input != nil:
		return nil, errorf(http.StatusBadRequest, `the JSON request has both "image" and "input": send one`)
	case req.Image != nil:
		img, err := decodeDataURI(*req.Image)
		if err != nil {
			return nil, err
		}
		return h.prepareImage(ctx, img)
	case req.Input != nil:
		return h.rawInput(req.Input)
	default:
		return nil, errorf(http.StatusBadRequest, `the JSON request has neither "image" nor "input"`)
	}
}

// decodeDataURI returns the bytes of a base64 data URI
// ("data:image/png;base64,iVBOR...") or of bare base64.
func decodeDataURI(s string) ([]byte, error) {
	payload := s
	if rest, ok := strings.CutPrefix(s, "data:"); ok {
		meta, b64, ok := strings.Cut(rest, ",")
		if !ok || !strings.HasSuffix(meta, ";base64") {
			return nil, errorf(http.StatusBadRequest, `"image" is a data URI but not a base64 one ("data:image/png;base64,...")`)
		}
		payload = b64
	}
	payload = strings.TrimRight(payload, "=")
	b, err := base64.RawStdEncoding.DecodeString(payload)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, `"image" is not valid base64: %v`, err)
	}
	if len(b) == 0 {
		return nil, errorf(http.StatusBadRequest, `"image" is empty: send a PNG, JPEG or GIF image`)
	}
	return b, nil
}

// prepareImage decodes a PNG, JPEG or GIF and prepares it for the model.
//
// The header is read first: a picture too large for the decoding budget
// or the pixel cap, or whose data is too short for the pixels it claims,
// is refused before any memory goes to its pixels and before it takes one
// of the decodes in flight, so that a flood of bombs costs next to
// nothing. Then the request waits for one of the MaxDecodes tokens (or
// gets 503), decodes and prepares the picture, and hands a large
// picture's memory back to the operating system at once rather than
// leaving it to the runtime's background return, which takes minutes.
func (h *Handler) prepareImage(ctx context.Context, b []byte) (*tensor.Tensor, error) {
	dec := imageprep.Decoder{MaxBytes: h.opts.MaxDecodeBytes, MaxPixels: int64(h.opts.MaxPixels)}
	info, err := dec.Inspect(b)
	switch {
	case errors.Is(err, imageprep.ErrTooLarge):
		return nil, errorf(http.StatusRequestEntityTooLarge, "%v", err)
	case err != nil:
		return nil, errorf(http.StatusBadRequest, "%v", err)
	}
	release, err := h.acquireDecode(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	if h.beforeDecode != nil {
		h.beforeDecode()
	}
	x, err := func() (*tensor.Tensor, error) {
		img, _, err := dec.Decode(bytes.NewReader(b))
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "%v", err)
		}
		return h.prepare(img)
	}()
	if info.DecodeBytes >= releaseBytes {
		debug.FreeOSMemory() // the picture is garbage now
	}
	return x, err
}

// acquireDecode waits for one of the decodes in flight to finish, as
// long as DecodeWait and the request allow, and returns the function that
// hands its token back. A request that finds MaxWaiting others already
// waiting, or waits in vain, gets 503 with a Retry-After hint.
func (h *Handler) acquireDecode(ctx context.Context) (release func(), err error) {
	release = func() { <-h.decodes }
	select {
	case h.decodes <- struct{}{}:
		return release, nil
	default:
	}
	busy := func(why string) error {
		return &requestError{status: http.StatusServiceUnavailable, retryAfter: 1,
			msg: fmt.Sprintf("the server is busy decoding other pictures (%d at once, %s); try again in a moment", h.opts.MaxDecodes, why)}
	}
	if h.waiting.Add(1) > int64(h.opts.MaxWaiting) {
		h.waiting.Add(-1)
		return nil, busy(fmt.Sprintf("%d more waiting", h.opts.MaxWaiting))
	}
	defer h.waiting.Add(-1)
	timer := time.NewTimer(h.opts.DecodeWait)
	defer timer.Stop()
	select {
	case h.decodes <- struct{}{}:
		return release, nil
	case <-timer.C:
		return nil, busy(fmt.Sprintf("none finished within %v", h.opts.DecodeWait))
	case <-ctx.Done():
		return nil, busy("the request ended while it waited")
	}
}

func (h *Handler) prepare(img image.Image) (*tensor.Tensor, error) {
	x, err := predict.Prepare(h.model, img)
	switch {
	case errors.Is(err, imageprep.ErrNoDigit):
		return nil, errorf(http.StatusBadRequest, "no digit found: the picture is blank or has too little contrast")
	case err != nil:
		return nil, errorf(http.StatusBadRequest, "preparing the image: %v", err)
	}
	return x, nil
}

// rawInput checks an input sent as numbers against the model's input
// shape and normalises it as the model was trained.
func (h *Handler) rawInput(v []float32) (*tensor.Tensor, error) {
	shape := h.model.Input.Shape
	if want := inputSize(h.model); len(v) != want {
		return nil, errorf(http.StatusUnprocessableEntity,
			`"input" has %d values but the model expects an input of shape %s, %d values`,
			len(v), tensor.ShapeString(shape), want)
	}
	for i, f := range v {
		if !(f >= 0 && f <= 1) {
			return nil, errorf(http.StatusUnprocessableEntity,
				`"input" value %d is %g, outside [0, 1]: send the pixels scaled to [0, 1], before any normalisation`, i, f)
		}
	}
	x := tensor.FromData(v, append([]int{1}, shape...)...)
	if len(h.model.Input.Mean) > 0 {
		norm := data.Normalization{Mean: h.model.Input.Mean, Std: h.model.Input.Std}
		if err := norm.ApplyImages(x); err != nil {
			return nil, err
		}
	}
	return tensor.FromData(x.Data, shape...), nil
}

// run runs the network on one prepared input and builds the answer.
func (h *Handler) run(x *tensor.Tensor, maps bool) (*prediction, error) {
	m := h.model
	var probs []float32
	var fmaps []FeatureMap
	func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.beforeRun != nil {
			h.beforeRun()
		}
		probs = predict.Input(m, x)
		if maps {
			fmaps = featureMaps(m.Net, x, h.opts.MaxMapChannels)
		}
	}()
	if len(probs) != len(m.Classes) {
		return nil, fmt.Errorf("the network gave %d outputs for %d classes", len(probs), len(m.Classes))
	}
	res := &prediction{
		Classes:     m.Classes,
		Probs:       probs,
		Input:       pngDataURI(inputImage(x, m.Input)),
		FeatureMaps: fmaps,
	}
	res.Top = []topClass{}
	for _, c := range metrics.TopK(probs, topCount) {
		res.Top = append(res.Top, topClass{Class: m.Classes[c], Index: c, Prob: probs[c]})
	}
	return res, nil
}
