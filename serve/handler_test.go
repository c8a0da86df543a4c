package serve

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gocnn/gocnn/imageprep"
	"github.com/gocnn/gocnn/internal/imagebomb"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/predict"
	"github.com/gocnn/gocnn/tensor"
)

var digitClasses = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// newTestModel builds an untrained MNIST-shaped model: its answers are
// arbitrary but fixed, which is all the API tests need.
func newTestModel(t *testing.T, spec string, input model.Input) *model.Model {
	t.Helper()
	s, err := model.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	env := nn.NewEnv(7, 1)
	t.Cleanup(env.Close)
	m, err := model.New(s, input, digitClasses, env)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mnistInput() model.Input {
	return model.Input{Shape: []int{1, 28, 28}, Prep: model.PrepMNIST}
}

const testSpec = "conv(4,3) relu maxpool(2) flatten dense(10)"

// drawnSeven is a dark "7" on white paper, 90×90 pixels.
func drawnSeven() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 90, 90))
	for i := range img.Pix {
		img.Pix[i] = 235
	}
	ink := color.Gray{Y: 20}
	for x := 20; x < 70; x++ { // the bar
		for y := 15; y < 23; y++ {
			img.SetGray(x, y, ink)
		}
	}
	for y := 15; y < 78; y++ { // the stem, leaning left as it goes down
		x0 := 62 - (y-15)*25/63
		for x := x0; x < x0+8; x++ {
			img.SetGray(x, y, ink)
		}
	}
	return img
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// multipartBody returns a form with one file field and one text field.
func multipartBody(t *testing.T, field string, file []byte) (body []byte, contentType string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("note", "a text field before the file"); err != nil {
		t.Fatal(err)
	}
	if field != "" {
		fw, err := mw.CreateFormFile(field, "digit.png")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// answer is a decoded reply of the API, success or error.
type answer struct {
	Classes     []string     `json:"classes"`
	Probs       []float32    `json:"probs"`
	Top         []topClass   `json:"top"`
	Input       string       `json:"input"`
	FeatureMaps []FeatureMap `json:"feature_maps"`
	Error       string       `json:"error"`
}

// newRequest is httptest.NewRequest for a server on 127.0.0.1:8080, as a
// request to gocnn serve names it, rather than example.com.
func newRequest(method, target string, body io.Reader) *http.Request {
	req := httptest.NewRequest(method, target, body)
	req.Host = "127.0.0.1:8080"
	return req
}

// do sends one request to h and decodes the JSON reply, checking that it
// is JSON whatever the status.
func do(t *testing.T, h http.Handler, method, target, contentType string, body []byte) (int, answer, http.Header) {
	t.Helper()
	req := newRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("%s %s: Content-Type %q, body %q", method, target, ct, rec.Body.String())
	}
	var a answer
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("%s %s: reply is not the expected JSON: %v", method, target, err)
	}
	return rec.Code, a, rec.Header()
}

// decodeDataPNG decodes a "data:image/png;base64," URI.
func decodeDataPNG(t *testing.T, uri string) image.Image {
	t.Helper()
	b64, ok := strings.CutPrefix(uri, "data:image/png;base64,")
	if !ok {
		t.Fatalf("not a PNG data URI: %.40q", uri)
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// checkPrediction checks a successful answer against what the predict
// package says about img.
func checkPrediction(t *testing.T, m *model.Model, a answer, img image.Image) {
	t.Helper()
	want, err := predict.Image(m, img)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Classes, m.Classes) {
		t.Errorf("classes %v, want %v", a.Classes, m.Classes)
	}
	if !slices.Equal(a.Probs, want.Probs) {
		t.Errorf("probs %v, want the predict package's %v", a.Probs, want.Probs)
	}
	var sum float64
	for _, p := range a.Probs {
		sum += float64(p)
	}
	if math.Abs(sum-1) > 1e-5 {
		t.Errorf("probabilities sum to %g", sum)
	}
	best := want.Top(3)
	if len(a.Top) != 3 {
		t.Fatalf("top has %d entries, want 3", len(a.Top))
	}
	for i, c := range best {
		if got := a.Top[i]; got.Index != c || got.Class != m.Classes[c] || got.Prob != want.Probs[c] {
			t.Errorf("top[%d] = %+v, want class %s (%d) with %g", i, got, m.Classes[c], c, want.Probs[c])
		}
	}
	seen := decodeDataPNG(t, a.Input)
	wantSeen := imageprep.ToImage(want.Input.Data, 28, 28)
	if seen.Bounds() != wantSeen.Bounds() {
		t.Fatalf("input picture is %v, want %v", seen.Bounds(), wantSeen.Bounds())
	}
	for y := range 28 {
		for x := range 28 {
			if g := color.GrayModel.Convert(seen.At(x, y)).(color.Gray).Y; g != wantSeen.GrayAt(x, y).Y {
				t.Fatalf("input picture at (%d,%d) is %d, want %d", x, y, g, wantSeen.GrayAt(x, y).Y)
			}
		}
	}
}

func TestPredictGoodRequests(t *testing.T) {
	m := newTestModel(t, testSpec, mnistInput())
	h := New(m, Options{})
	seven := drawnSeven()
	pngData := encodePNG(t, seven)
	jpegData := encodeJPEG(t, seven)
	jpegImg, err := jpeg.Decode(bytes.NewReader(jpegData))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("png", func(t *testing.T) {
		code, a, _ := do(t, h, "POST", "/api/predict", "image/png", pngData)
		if code != 200 {
			t.Fatalf("status %d: %s", code, a.Error)
		}
		checkPrediction(t, m, a, seven)
		if a.FeatureMaps != nil {
			t.Errorf("feature maps sent without ?maps=1")
		}
	})
	t.Run("jpeg", func(t *testing.T) {
		code, a, _ := do(t, h, "POST", "/api/predict", "image/jpeg", jpegData)
		if code != 200 {
			t.Fatalf("status %d: %s", code, a.Error)
		}
		checkPrediction(t, m, a, jpegImg)
	})
	for _, field := range []string{"image", "upload"} {
		t.Run("multipart field "+field, func(t *testing.T) {
			body, ct := multipartBody(t, field, pngData)
			code, a, _ := do(t, h, "POST", "/api/predict", ct, body)
			if code != 200 {
				t.Fatalf("status %d: %s", code, a.Error)
			}
			checkPrediction(t, m, a, seven)
		})
	}
	for name, uri := range map[string]string{
		"data URI":    "data:image/png;base64," + base64.StdEncoding.EncodeToString(pngData),
		"bare base64": base64.RawStdEncoding.EncodeToString(pngData),
	} {
		t.Run("json image "+name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]string{"image": uri})
			code, a, _ := do(t, h, "POST", "/api/predict", "application/json", body)
			if code != 200 {
				t.Fatalf("status %d: %s", code, a.Error)
			}
			checkPrediction(t, m, a, seven)
		})
	}
	t.Run("json input", func(t *testing.T) {
		x, err := predict.Prepare(m, seven)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string][]float32{"input": x.Data})
		code, a, _ := do(t, h, "POST", "/api/predict", "application/json; charset=utf-8", body)
		if code != 200 {
			t.Fatalf("status %d: %s", code, a.Error)
		}
		checkPrediction(t, m, a, seven)
	})
}

// TestPredictRawInputIsNormalised checks that numbers sent as "input" are
// normalised as the model was trained, and that the picture of the input
// undoes it.
func TestPredictRawInputIsNormalised(t *testing.T) {
	in := mnistInput()
	in.Mean, in.Std = []float32{0.25}, []float32{0.5}
	m := newTestModel(t, testSpec, in)
	h := New(m, Options{})
	raw := make([]float32, 784)
	for i := range raw {
		raw[i] = float32(i%28) / 27 // a left-to-right ramp
	}
	body, _ := json.Marshal(map[string][]float32{"input": raw})
	code, a, _ := do(t, h, "POST", "/api/predict", "application/json", body)
	if code != 200 {
		t.Fatalf("status %d: %s", code, a.Error)
	}
	norm := make([]float32, len(raw))
	for i, v := range raw {
		norm[i] = (v - 0.25) / 0.5
	}
	want := predict.Input(m, tensor.FromData(norm, 1, 28, 28))
	for i := range want {
		if math.Abs(float64(a.Probs[i]-want[i])) > 1e-6 {
			t.Fatalf("probs %v, want %v (the input normalised with mean 0.25, std 0.5)", a.Probs, want)
		}
	}
	seen := decodeDataPNG(t, a.Input).(*image.Gray)
	for _, x := range []int{0, 9, 27} {
		if got, want := seen.GrayAt(x, 5).Y, uint8(math.Round(float64(x)/27*255)); got != want {
			t.Errorf("input picture at x=%d is %d, want %d (normalisation undone)", x, got, want)
		}
	}
}

func TestPredictBadRequests(t *testing.T) {
	m := newTestModel(t, testSpec, mnistInput())
	h := New(m, Options{MaxBodyBytes: 4 << 10})
	seven := encodePNG(t, drawnSeven())
	blank := encodePNG(t, image.NewGray(image.Rect(0, 0, 50, 50)))
	big := make([]byte, 5<<10)
	copy(big, seven)
	bigForm, bigFormType := multipartBody(t, "image", big)
	noFile, noFileType := multipartBody(t, "", nil)
	bigJSON, _ := json.Marshal(map[string]string{"image": base64.StdEncoding.EncodeToString(big)})
	short, _ := json.Marshal(map[string][]float32{"input": make([]float32, 100)})
	both, _ := json.Marshal(map[string]any{"input": make([]float32, 784), "image": "AAAA"})
	outOfRange := make([]float32, 784)
	outOfRange[17] = 255
	bright, _ := json.Marshal(map[string][]float32{"input": outOfRange})
	outOfRange[17] = -0.5
	negative, _ := json.Marshal(map[string][]float32{"input": outOfRange})

	for _, c := range []struct {
		name, method, target, contentType string
		body                              []byte
		status                            int
		want                              string
	}{
		{"empty png body", "POST", "/api/predict", "image/png", nil, 400, "empty request body"},
		{"empty json body", "POST", "/api/predict", "application/json", nil, 400, "empty request body"},
		{"oversized png", "POST", "/api/predict", "image/png", big, 413, "larger than the limit of 4 KiB"},
		{"oversized form", "POST", "/api/predict", bigFormType, bigForm, 413, "larger than the limit of 4 KiB"},
		{"oversized json", "POST", "/api/predict", "application/json", bigJSON, 413, "larger than the limit of 4 KiB"},
		{"no content type", "POST", "/api/predict", "", seven, 415, "no Content-Type"},
		{"text content type", "POST", "/api/predict", "text/plain", seven, 415, `unsupported Content-Type "text/plain"`},
		{"webp content type", "POST", "/api/predict", "image/webp", seven, 415, `unsupported Content-Type "image/webp"`},
		{"garbled content type", "POST", "/api/predict", "image/png; =x", seven, 415, "unreadable Content-Type"},
		{"not an image", "POST", "/api/predict", "image/png", []byte("hello, world"), 400, "not a PNG, JPEG or GIF image"},
		{"truncated png", "POST", "/api/predict", "image/png", seven[:len(seven)/2], 400, "decoding png"},
		{"truncated gif", "POST", "/api/predict", "image/gif", []byte("GIF89a\x01\x00\x01\x00"), 400, "decoding gif header"},
		{"bmp bytes", "POST", "/api/predict", "image/png", []byte("BM\x00\x00\x00\x00\x00\x00"), 400, "only PNG, JPEG and GIF are supported"},
		{"blank picture", "POST", "/api/predict", "image/png", blank, 400, "no digit found"},
		{"form without file", "POST", "/api/predict", noFileType, noFile, 400, `no file: send the image in a field named "image"`},
		{"form without boundary", "POST", "/api/predict", "multipart/form-data", seven, 400, "without a boundary"},
		{"broken form", "POST", "/api/predict", "multipart/form-data; boundary=xyz", []byte("garbage"), 400, "reading the multipart form"},
		{"input of the wrong size", "POST", "/api/predict", "application/json", short, 422, `"input" has 100 values but the model expects an input of shape [1 28 28], 784 values`},
		{"malformed json", "POST", "/api/predict", "application/json", []byte(`{"input": [1, 2`), 400, "invalid JSON request"},
		{"unknown json field", "POST", "/api/predict", "application/json", []byte(`{"picture": "x"}`), 400, `unknown field "picture"`},
		{"empty json object", "POST", "/api/predict", "application/json", []byte(`{}`), 400, `neither "image" nor "input"`},
		{"both json fields", "POST", "/api/predict", "application/json", both, 400, `both "image" and "input"`},
		{"two json values", "POST", "/api/predict", "application/json", []byte(`{"input": []} {}`), 400, "more than one JSON value"},
		{"bad base64", "POST", "/api/predict", "application/json", []byte(`{"image": "data:image/png;base64,@@@"}`), 400, "not valid base64"},
		{"data URI not base64", "POST", "/api/predict", "application/json", []byte(`{"image": "data:text/plain,hello"}`), 400, "not a base64 one"},
		{"bad maps flag", "POST", "/api/predict?maps=perhaps", "image/png", seven, 400, `maps="perhaps"`},
		{"GET on predict", "GET", "/api/predict", "", nil, 405, "method GET is not allowed on /api/predict (use POST)"},
		{"PUT on predict", "PUT", "/api/predict", "image/png", seven, 405, "method PUT is not allowed"},
		{"POST on model", "POST", "/api/model", "image/png", seven, 405, "method POST is not allowed on /api/model"},
		{"unknown endpoint", "GET", "/api/train", "", nil, 404, "no API endpoint /api/train"},
		{"input of 0 to 255", "POST", "/api/predict", "application/json", bright, 422, `"input" value 17 is 255, outside [0, 1]`},
		{"negative input", "POST", "/api/predict", "application/json", negative, 422, `"input" value 17 is -0.5, outside [0, 1]`},
		{"unknown page", "GET", "/favicon.ico", "", nil, 404, "no page /favicon.ico"},
		{"unknown static file", "GET", "/static/missing.js", "", nil, 404, "no file /static/missing.js"},
		{"static folder", "GET", "/static/", "", nil, 404, "no file /static/"},
		{"POST on the page", "POST", "/", "image/png", seven, 405, "method POST is not allowed on /"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, a, header := do(t, h, c.method, c.target, c.contentType, c.body)
			if code != c.status || !strings.Contains(a.Error, c.want) {
				t.Errorf("status %d, error %q; want %d and %q", code, a.Error, c.status, c.want)
			}
			if a.Probs != nil || a.Top != nil {
				t.Errorf("an error reply carries a prediction: %+v", a)
			}
			if code == 405 && header.Get("Allow") == "" {
				t.Errorf("405 without an Allow header")
			}
		})
	}
}

func TestModelEndpoint(t *testing.T) {
	in := mnistInput()
	in.Mean, in.Std = []float32{0.13}, []float32{0.31}
	m := newTestModel(t, testSpec, in)
	m.Info["dataset"] = "mnist"
	h := New(m, Options{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, newRequest("GET", "/api/model", nil))
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var got modelInfo
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Spec != testSpec || !slices.Equal(got.Classes, digitClasses) || !slices.Equal(got.Input.Shape, []int{1, 28, 28}) ||
		got.Input.Prep != "mnist" || !slices.Equal(got.Input.Mean, []float32{0.13}) || got.Info["dataset"] != "mnist" ||
		got.MaxBodyBytes != DefaultMaxBodyBytes {
		t.Errorf("model info %+v", got)
	}
	wantLayers := []layerInfo{
		{0, "conv2d", []int{4, 26, 26}}, {1, "relu", []int{4, 26, 26}}, {2, "maxpool2d", []int{4, 13, 13}},
		{3, "flatten", []int{676}}, {4, "dense", []int{10}},
	}
	if fmt.Sprint(got.Layers) != fmt.Sprint(wantLayers) {
		t.Errorf("layers %v, want %v", got.Layers, wantLayers)
	}
}

func TestPageAndStaticFiles(t *testing.T) {
	h := New(newTestModel(t, testSpec, mnistInput()), Options{})
	for _, c := range []struct {
		path, contentType, want string
	}{
		{"/", "text/html", `<canvas id="pad"`},
		{"/static/app.js", "text/javascript", "/api/predict"},
		{"/static/style.css", "text/css", "touch-action: none"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, newRequest("GET", c.path, nil))
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), c.contentType) || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("GET %s: status %d, Content-Type %q, body lacks %q", c.path, rec.Code, rec.Header().Get("Content-Type"), c.want)
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q", c.path, csp)
		}
	}
	// The page must work offline: nothing may come from another site.
	err := fs.WalkDir(staticFiles, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFiles.ReadFile(path)
		if err != nil {
			return err
		}
		for _, bad := range []string{"http://", "https://", "//cdn", "@import"} {
			if bytes.Contains(b, []byte(bad)) {
				t.Errorf("%s refers to another site (%q)", path, bad)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPanicInHandlerIsRecovered(t *testing.T) {
	m := newTestModel(t, testSpec, mnistInput())
	var mu sync.Mutex // the log is written by the server's goroutines
	var logged []string
	h := New(m, Options{Log: func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, msg)
	}})
	setHook := func(f func()) { // beforeRun is read under h.mu
		h.mu.Lock()
		defer h.mu.Unlock()
		h.beforeRun = f
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	seven := encodePNG(t, drawnSeven())
	post := func() (int, answer) {
		resp, err := http.Post(srv.URL+"/api/predict", "image/png", bytes.NewReader(seven))
		if err != nil {
			t.Fatalf("the server is gone: %v", err)
		}
		defer resp.Body.Close()
		var a answer
		if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
			t.Fatalf("status %d, reply not JSON: %v", resp.StatusCode, err)
		}
		return resp.StatusCode, a
	}

	setHook(func() { panic("boom in the network") })
	code, a := post()
	if code != 500 || !strings.Contains(a.Error, "internal error") {
		t.Errorf("panicking handler: status %d, error %q; want 500 and an internal error", code, a.Error)
	}
	mu.Lock()
	got := slices.Clone(logged)
	mu.Unlock()
	if len(got) != 1 || !strings.Contains(got[0], "boom in the network") || !strings.Contains(got[0], "goroutine") {
		t.Errorf("log after the panic: %q; want the panic and its stack", got)
	}

	// The server lives on, and the lock the panic left behind was released.
	setHook(nil)
	code, a = post()
	if code != 200 || len(a.Probs) != 10 {
		t.Errorf("after the panic: status %d, error %q", code, a.Error)
	}
}

// TestConcurrentRequests checks that requests in parallel get the same
// answers as one at a time: the network's buffers are shared, so runs
// must not interleave.
func TestConcurrentRequests(t *testing.T) {
	m := newTestModel(t, "conv(8,3) relu conv(8,3) relu maxpool(2) flatten dense(10)", mnistInput())
	h := New(m, Options{})
	var inputs [][]byte
	var want [][]float32
	for i := range 4 {
		img := drawnSeven()
		for y := range 90 { // a different smudge on each
			img.SetGray(10+10*i, y, color.Gray{Y: 0})
		}
		res, err := predict.Image(m, img)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, encodePNG(t, img))
		want = append(want, res.Probs)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 8 {
		wg.Go(func() {
			for k := range 6 {
				i := (g + k) % len(inputs)
				req := newRequest("POST", "/api/predict?maps=1", bytes.NewReader(inputs[i]))
				req.Header.Set("Content-Type", "image/png")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				var a answer
				if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || rec.Code != 200 {
					errs <- fmt.Sprintf("status %d: %s", rec.Code, rec.Body)
					return
				}
				if !slices.Equal(a.Probs, want[i]) {
					errs <- fmt.Sprintf("image %d: probs %v, want %v", i, a.Probs, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// hugePNG returns a small PNG file whose header claims w×h pixels (its
// pixel data is that of a 1×1 picture): a decompression bomb in miniature.
func hugePNG(t *testing.T, w, h uint32) []byte {
	t.Helper()
	b := encodePNG(t, image.NewGray(image.Rect(0, 0, 1, 1)))
	// The IHDR chunk follows the 8-byte signature: length (4), "IHDR" (4),
	// width (4), height (4), 5 more bytes, then the CRC of type and data.
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func TestHugePictureIsRefusedBeforeDecoding(t *testing.T) {
	m := newTestModel(t, testSpec, mnistInput())
	for _, c := range []struct {
		w, h   uint32
		opts   Options
		status int
		want   string
	}{
		{30000, 30000, Options{}, 413, "png image is 30000x30000, more than the 33554432 pixels accepted"},
		{2000, 2000, Options{MaxPixels: 1 << 20}, 413, "png image is 2000x2000, more than the 1048576 pixels accepted"},
		// Under the caps the pixel data is found missing.
		{2000, 2000, Options{}, 400, "png image of 2000x2000 pixels holds 14 bytes of compressed pixel data, too few for the 4002000 bytes it needs (it is truncated)"},
	} {
		code, a, _ := do(t, New(m, c.opts), "POST", "/api/predict", "image/png", hugePNG(t, c.w, c.h))
		if code != c.status || !strings.Contains(a.Error, c.want) {
			t.Errorf("%d×%d, MaxPixels %d: status %d, error %q; want %d and %q", c.w, c.h, c.opts.MaxPixels, code, a.Error, c.status, c.want)
		}
	}
	// The budget counts the bytes decoding takes: 16-bit RGBA takes 8 a
	// pixel.
	bomb := imagebomb.PNG(1000, 1000)
	want := "the png picture is 1000×1000 pixels, which take 7.707 MiB to decode, over the budget of 7 MiB"
	if code, a, _ := do(t, New(m, Options{MaxDecodeBytes: 7 << 20}), "POST", "/api/predict", "image/png", bomb); code != 413 || !strings.Contains(a.Error, want) {
		t.Errorf("a 1000×1000 16-bit picture under a budget of 7 MiB: status %d, error %q; want 413 and %q", code, a.Error, want)
	}
	if code, a, _ := do(t, New(m, Options{MaxDecodeBytes: 8 << 20}), "POST", "/api/predict", "image/png", bomb); code != 400 || !strings.Contains(a.Error, "no digit found") {
		t.Errorf("a blank 1000×1000 16-bit picture under a budget of 8 MiB: status %d, error %q; want 400 and no digit found", code, a.Error)
	}
	// The cap counts pixels, not bytes: a 90×90 drawing passes a cap of
	// 8100 and fails one of 8099.
	seven := encodePNG(t, drawnSeven())
	if code, a, _ := do(t, New(m, Options{MaxPixels: 8100}), "POST", "/api/predict", "image/png", seven); code != 200 {
		t.Errorf("90×90 under a cap of 8100 pixels: status %d, %q", code, a.Error)
	}
	if code, _, _ := do(t, New(m, Options{MaxPixels: 8099}), "POST", "/api/predict", "image/png", seven); code != 413 {
		t.Errorf("90×90 under a cap of 8099 pixels: status %d, want 413", code)
	}
}
