package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocnn/gocnn/internal/imagebomb"
)

// bombRequests are the bodies of a hostile load: 8 decodable PNGs of
// 5792×5792 16-bit pixels (262 KB each, 256 MiB decoded) and 16 of their
// headers alone (59 bytes each, which image/png used to answer by
// allocating the same 256 MiB), with the status each must get.
func bombRequests() (bodies [][]byte, want []int) {
	bomb, header := imagebomb.PNG(5792, 5792), imagebomb.HeaderPNG(5792, 5792)
	for i := range 24 {
		if i%3 == 0 {
			bodies, want = append(bodies, bomb), append(want, http.StatusRequestEntityTooLarge)
		} else {
			bodies, want = append(bodies, header), append(want, http.StatusBadRequest)
		}
	}
	return bodies, want
}

// fire posts every body to url at once, as PNG, and returns each answer's
// status and error message.
func fire(url string, bodies [][]byte) (status []int, msg []string, err error) {
	status, msg = make([]int, len(bodies)), make([]string, len(bodies))
	errs := make([]error, len(bodies))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, b := range bodies {
		wg.Go(func() {
			<-start
			resp, err := http.Post(url+"/api/predict", "image/png", bytes.NewReader(b))
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			var a struct{ Error string }
			if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
				errs[i] = fmt.Errorf("request %d: status %d, reply not JSON: %v", i, resp.StatusCode, err)
				return
			}
			status[i], msg[i] = resp.StatusCode, a.Error
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return status, msg, nil
}

// TestBombsAreRefusedConcurrently sends the hostile load at once to a
// server with the default options: every request gets its 4xx, and the
// whole load costs a few times the bytes sent, not the gigabytes the
// headers claim. With GOCNN_SERVE_URL set (http://127.0.0.1:8080), it
// sends the load to that server instead, to measure a real gocnn serve:
//
//	go build -o /tmp/gocnn ./cmd/gocnn
//	/usr/bin/time -v /tmp/gocnn serve -model m.safetensors -addr 127.0.0.1:8090 &
//	GOCNN_SERVE_URL=http://127.0.0.1:8090 go test ./serve -run Bombs -count=1
//	kill -INT %1   # time then prints the server's maximum resident set size
func TestBombsAreRefusedConcurrently(t *testing.T) {
	bodies, want := bombRequests()
	url := os.Getenv("GOCNN_SERVE_URL")
	inProcess := url == ""
	if inProcess {
		srv := httptest.NewServer(New(newTestModel(t, testSpec, mnistInput()), Options{}))
		defer srv.Close()
		url = srv.URL
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	status, msg, err := fire(url, bodies)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	for i := range bodies {
		if status[i] != want[i] || msg[i] == "" {
			t.Errorf("request %d (%d bytes): status %d, error %q; want %d", i, len(bodies[i]), status[i], msg[i], want[i])
		}
	}
	sent := 0
	for _, b := range bodies {
		sent += len(b)
	}
	// Client and server in one process: each body is held a few times
	// over on its way (buffers, the request's copy, the header's check).
	if got := after.TotalAlloc - before.TotalAlloc; inProcess && got > uint64(8*sent+16<<20) {
		t.Errorf("the load of %d bytes allocated %d bytes", sent, got)
	}
}

// TestDecodesInFlightAreCapped keeps decodes in flight and checks that
// the handler lets MaxDecodes run, MaxWaiting wait, and answers the rest
// at once with 503 and a Retry-After; and that a request that waits
// longer than DecodeWait gets 503 too.
func TestDecodesInFlightAreCapped(t *testing.T) {
	m := newTestModel(t, testSpec, mnistInput())
	h := New(m, Options{MaxDecodes: 2, MaxWaiting: 3})
	hold, started := make(chan struct{}), make(chan struct{}, 20)
	h.beforeDecode = func() { started <- struct{}{}; <-hold }
	srv := httptest.NewServer(h)
	defer srv.Close()
	seven := encodePNG(t, drawnSeven())

	type answer struct {
		status     int
		retryAfter string
		err        string
	}
	post := func() answer {
		resp, err := http.Post(srv.URL+"/api/predict", "image/png", bytes.NewReader(seven))
		if err != nil {
			return answer{err: err.Error()}
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return answer{resp.StatusCode, resp.Header.Get("Retry-After"), string(b)}
	}
	answers := make(chan answer, 20)
	for range 2 {
		go func() { answers <- post() }()
	}
	<-started // two decodes in flight
	<-started
	for range 3 {
		go func() { answers <- post() }()
	}
	for h.waiting.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	// Three wait: the next ones are turned away at once.
	for range 4 {
		a := post()
		if a.status != http.StatusServiceUnavailable || a.retryAfter != "1" || !strings.Contains(a.err, "the server is busy decoding other pictures (2 at once, 3 more waiting)") {
			t.Errorf("with 2 decoding and 3 waiting: %+v, want 503", a)
		}
	}
	close(hold)
	for range 5 {
		if a := <-answers; a.status != http.StatusOK {
			t.Errorf("a request that was let through or waited: %+v", a)
		}
	}

	// A wait that lasts too long.
	h = New(m, Options{MaxDecodes: 1, DecodeWait: 20 * time.Millisecond})
	hold, started = make(chan struct{}), make(chan struct{}, 1)
	h.beforeDecode = func() { started <- struct{}{}; <-hold }
	srv2 := httptest.NewServer(h)
	defer srv2.Close()
	go func() {
		resp, err := http.Post(srv2.URL+"/api/predict", "image/png", bytes.NewReader(seven))
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	code, a, hdr := do(t, h, "POST", "/api/predict", "image/png", seven)
	if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") != "1" || !strings.Contains(a.Error, "none finished within 20ms") {
		t.Errorf("a wait past DecodeWait: status %d, error %q", code, a.Error)
	}
	close(hold)
}

// heldBytes is the memory the Go runtime holds from the operating system
// for its heap, less what it has handed back.
func heldBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/free:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() + s[1].Value.Uint64() + s[2].Value.Uint64()
}

// TestDecodedMemoryIsReleased checks that the memory of a large picture
// goes back to the operating system when its request is done with it, not
// minutes later.
func TestDecodedMemoryIsReleased(t *testing.T) {
	h := New(newTestModel(t, testSpec, mnistInput()), Options{})
	bomb := imagebomb.PNG(2000, 2000) // 30.5 MiB decoded
	runtime.GC()
	before := heldBytes()
	if code, a, _ := do(t, h, "POST", "/api/predict", "image/png", bomb); code != http.StatusBadRequest || !strings.Contains(a.Error, "no digit found") {
		t.Fatalf("status %d, error %q", code, a.Error)
	}
	if held := heldBytes(); held > before+8<<20 {
		t.Errorf("the heap holds %d bytes after decoding a picture of 30.5 MiB, %d before", held, before)
	}
}
