package serve

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/tensor"
)

// DefaultMaxBodyBytes is the largest request body accepted unless
// Options.MaxBodyBytes says otherwise: enough for a photo from a phone
// saved as JPEG, far more than a drawing.
const DefaultMaxBodyBytes = 2 << 20

// DefaultMaxPixels is the largest picture, in pixels, that is decoded
// unless Options.MaxPixels says otherwise: a 33-megapixel photo. A small
// compressed file can claim a huge picture; this keeps one request from
// taking gigabytes of memory.
const DefaultMaxPixels = 1 << 25

// DefaultMaxMapChannels is how many channels of each feature map an answer
// holds at most unless Options.MaxMapChannels says otherwise.
const DefaultMaxMapChannels = 64

// DefaultMaxDecodeBytes is the memory one picture may take to decode
// unless Options.MaxDecodeBytes says otherwise: 64 MiB, room for a
// 16-megapixel 8-bit RGBA PNG or a 40-megapixel baseline JPEG, more than
// a body of DefaultMaxBodyBytes holds in practice.
const DefaultMaxDecodeBytes = 64 << 20

// DefaultDecodeWait is how long a request waits for one of the decodes in
// flight to finish unless Options.DecodeWait says otherwise.
const DefaultDecodeWait = 10 * time.Second

// releaseBytes is the decoding memory above which a request hands the
// memory back to the operating system as soon as it is done with it.
const releaseBytes = 16 << 20

// Options adjust the handler. The zero value is ready to use.
type Options struct {
	// MaxBodyBytes caps the size of a request body; a larger one gets
	// 413. 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64

	// MaxPixels caps the width × height of a picture; a larger one gets
	// 413 before it is decoded. 0 means DefaultMaxPixels.
	MaxPixels int

	// MaxMapChannels caps the channels of each feature map in an answer.
	// 0 means DefaultMaxMapChannels.
	MaxMapChannels int

	// MaxDecodeBytes caps the memory decoding one picture takes (see
	// imageprep.Decoder): its header is read first, and a picture that
	// would take more gets 413 before any of its pixels are decoded, as
	// does a picture whose data is too short for the pixels its header
	// claims (400). 0 means DefaultMaxDecodeBytes.
	MaxDecodeBytes int64

	// MaxDecodes caps the pictures decoded and prepared at once, so that
	// memory stays under MaxDecodes × MaxDecodeBytes however many
	// requests come. 0 means one per processor (runtime.GOMAXPROCS).
	MaxDecodes int

	// MaxWaiting caps the requests that wait for a decode to finish when
	// MaxDecodes are in flight; more get 503 at once. 0 means four times
	// MaxDecodes.
	MaxWaiting int

	// DecodeWait caps how long a request waits for a decode to finish
	// before it gets 503. 0 means DefaultDecodeWait.
	DecodeWait time.Duration

	// AllowOrigins lists the web origins ("http://localhost:3000",
	// "https://gocnn.example"), besides the server's own, whose pages may
	// use the server: their requests get CORS headers, and their host
	// names are accepted in the Host header (a reverse proxy's public
	// name). "*" accepts every origin and every Host. Entries that
	// ParseOrigin refuses are ignored. See "Cross-site requests" in the
	// package doc.
	AllowOrigins []string

	// Hosts lists host names, besides IP addresses, localhost and the
	// hosts of AllowOrigins, that a request's Host header may name: the
	// names the server is reached by (gocnn serve adds the host of
	// -addr).
	Hosts []string

	// Log, if set, receives a line for each request that failed on the
	// server's side (a panic, with its stack).
	Log func(msg string)
}

// Handler serves the playground and the API for one model. Make one with
// New.
type Handler struct {
	model *model.Model
	opts  Options
	mux   *http.ServeMux
	site  siteRules

	// mu serialises the runs of the network: layers keep their buffers
	// from one Forward to the next.
	mu sync.Mutex

	// decodes holds a token for each picture being decoded and prepared
	// (Options.MaxDecodes); waiting counts the requests waiting for one.
	decodes chan struct{}
	waiting atomic.Int64

	// beforeRun, if set, is called before the network runs (tests use it
	// to make a handler panic).
	beforeRun func()

	// beforeDecode, if set, is called once a request holds a decode token
	// (tests use it to keep decodes in flight).
	beforeDecode func()
}

//go:embed static
var staticFiles embed.FS

// New returns a handler that serves m. The handler is safe for
// concurrent use; m must not be used elsewhere while it serves.
func New(m *model.Model, opts Options) *Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxPixels <= 0 {
		opts.MaxPixels = DefaultMaxPixels
	}
	if opts.MaxMapChannels <= 0 {
		opts.MaxMapChannels = DefaultMaxMapChannels
	}
	if opts.MaxDecodeBytes <= 0 {
		opts.MaxDecodeBytes = DefaultMaxDecodeBytes
	}
	if opts.MaxDecodes <= 0 {
		opts.MaxDecodes = runtime.GOMAXPROCS(0)
	}
	if opts.MaxWaiting <= 0 {
		opts.MaxWaiting = 4 * opts.MaxDecodes
	}
	if opts.DecodeWait <= 0 {
		opts.DecodeWait = DefaultDecodeWait
	}
	h := &Handler{model: m, opts: opts, mux: http.NewServeMux(), decodes: make(chan struct{}, opts.MaxDecodes),
		site: newSiteRules(opts.AllowOrigins, opts.Hosts)}
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the embedded folder is part of the source
	}
	h.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, static, "index.html")
	})
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	h.mux.HandleFunc("GET /static/", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if st, err := fs.Stat(static, name); err != nil || st.IsDir() {
			writeError(w, http.StatusNotFound, fmt.Sprintf("no file %s", r.URL.Path))
			return
		}
		files.ServeHTTP(w, r)
	})
	h.mux.HandleFunc("/api/model", h.serveModel)
	h.mux.HandleFunc("/api/predict", h.servePredict)
	h.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no API endpoint %s (there are /api/model and /api/predict)", r.URL.Path))
	})
	h.mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on / (use GET)", r.Method))
	})
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no page %s (the playground is at /, the API at /api/model and /api/predict)", r.URL.Path))
	})
	return h
}

// ServeHTTP answers one request. A request from another site's page, or
// naming the server by a name it does not answer to, gets 403 (see
// "Cross-site requests" in the package doc). A panic while answering is
// turned into a 500 answer and logged; the server goes on.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rw := &recordingWriter{ResponseWriter: w}
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v) // the way a handler asks net/http to drop the connection
		}
		h.logf("panic serving %s %s: %v\n%s", r.Method, r.URL.Path, v, debug.Stack())
		if !rw.wroteHeader {
			writeError(rw, http.StatusInternalServerError, "internal error: the server failed to answer this request")
		}
	}()
	header := w.Header()
	header.Set("X-Content-Type-Options", "nosniff")
	header.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
	done, err := h.site.check(rw, r)
	switch {
	case err != nil:
		h.writeFailure(rw, r, err)
		return
	case done:
		return
	}
	h.mux.ServeHTTP(rw, r)
}

func (h *Handler) logf(format string, args ...any) {
	if h.opts.Log != nil {
		h.opts.Log(fmt.Sprintf(format, args...))
	}
}

// recordingWriter remembers whether the header has gone out, so that a
// panic after it does not try to write a second one.
type recordingWriter struct {
	http.ResponseWriter
	wroteHeader bool
}

func (w *recordingWriter) WriteHeader(status int) {
	w.wroteHeader = true
	w.ResponseWriter.WriteHeader(status)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// modelInfo is the answer of GET /api/model.
type modelInfo struct {
	Spec         string            `json:"spec"`
	Classes      []string          `json:"classes"`
	Input        model.Input       `json:"input"`
	Layers       []layerInfo       `json:"layers"`
	Info         map[string]string `json:"info,omitempty"`
	MaxBodyBytes int64             `json:"max_body_bytes"`
}

// layerInfo is one layer of the network with the shape of its output.
type layerInfo struct {
	Index int    `json:"index"`
	Kind  string `json:"kind"`
	Shape []int  `json:"shape"`
}

func (h *Handler) serveModel(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, r, "GET, HEAD")
		return
	}
	m := h.model
	info := modelInfo{
		Spec:         m.Spec.String(),
		Classes:      m.Classes,
		Input:        m.Input,
		Info:         m.Info,
		MaxBodyBytes: h.opts.MaxBodyBytes,
	}
	shapes := m.Net.Shapes()
	for i, l := range m.Net.Layers {
		info.Layers = append(info.Layers, layerInfo{Index: i, Kind: l.Kind(), Shape: shapes[i]})
	}
	writeJSON(w, http.StatusOK, info)
}

// requestError is a failure to answer with its HTTP status.
type requestError struct {
	status     int
	msg        string
	retryAfter int // seconds, for a Retry-After header; 0 for none
}

func (e *requestError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) error {
	return &requestError{status: status, msg: fmt.Sprintf(format, args...)}
}

// writeError answers with {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, struct {
		Error string `json:"error"`
	}{msg})
}

// writeFailure answers with err's status, or 500 for an unexpected error.
func (h *Handler) writeFailure(w http.ResponseWriter, r *http.Request, err error) {
	var re *requestError
	if errors.As(err, &re) {
		if re.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(re.retryAfter))
		}
		writeError(w, re.status, re.msg)
		return
	}
	h.logf("error serving %s %s: %v", r.Method, r.URL.Path, err)
	writeError(w, http.StatusInternalServerError, "internal error: "+err.Error())
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s (use %s)", r.Method, r.URL.Path, allow))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only a non-finite probability could do this; say so rather
		// than send half an answer.
		status = http.StatusInternalServerError
		b = []byte(fmt.Sprintf(`{"error":%q}`, "internal error: encoding the answer: "+err.Error()))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// inputSize is the number of values in one input of m.
func inputSize(m *model.Model) int { return tensor.Size(m.Input.Shape) }
