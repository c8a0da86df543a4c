package serve

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseOrigin(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"http://localhost:3000", "http://localhost:3000", ""},
		{"HTTP://Example.ORG:80/", "http://example.org", ""},
		{"https://example.org:443", "https://example.org", ""},
		{"https://example.org:8443", "https://example.org:8443", ""},
		{"http://[::1]:8080", "http://[::1]:8080", ""},
		{"*", "*", ""},
		{"ftp://example.org", "", "want http://host[:port]"},
		{"example.org", "", "want http://host[:port]"},
		{"http://example.org/app", "", "nothing more"},
		{"http://user@example.org", "", "nothing more"},
		{"http://", "", "nothing more"},
		{"null", "", "want http://host[:port]"},
	} {
		got, err := ParseOrigin(c.in)
		if got != c.want || (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("ParseOrigin(%q) = %q, %v; want %q, %q", c.in, got, err, c.want, c.err)
		}
	}
}

// TestCrossSiteRequests sends requests as browsers do, from the server's
// own page, from other sites' pages and through a rebound DNS name, and
// checks which get through.
func TestCrossSiteRequests(t *testing.T) {
	m := newTestModel(t, testSpec, mnistInput())
	seven := encodePNG(t, drawnSeven())
	type request struct {
		method, path, host, origin string
	}
	post := func(host, origin string) request { return request{"POST", "/api/predict", host, origin} }
	send := func(h http.Handler, r request) (int, http.Header, string) {
		var body []byte
		if r.method == "POST" {
			body = seven
		}
		req := httptest.NewRequest(r.method, r.path, bytes.NewReader(body))
		req.Host = r.host
		if r.method == "POST" {
			req.Header.Set("Content-Type", "image/png")
		}
		if r.origin != "" {
			req.Header.Set("Origin", r.origin)
		}
		if r.method == "OPTIONS" {
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "content-type")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var a struct{ Error string }
		if rec.Code != http.StatusNoContent && !strings.HasPrefix(r.path, "/static") && r.path != "/" {
			if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
				t.Fatalf("%+v: status %d, reply not JSON: %q", r, rec.Code, rec.Body)
			}
		}
		return rec.Code, rec.Header(), a.Error
	}

	for _, c := range []struct {
		name   string
		opts   Options
		req    request
		status int
		want   string // in the error, or the Access-Control-Allow-Origin header for 200 and 204
	}{
		// The playground's own page, and scripts.
		{"the page's own upload", Options{}, post("127.0.0.1:8080", "http://127.0.0.1:8080"), 200, ""},
		{"a script (no Origin)", Options{}, post("127.0.0.1:8080", ""), 200, ""},
		{"the page by name", Options{}, post("localhost:8080", "http://localhost:8080"), 200, ""},
		{"the page over IPv6", Options{}, post("[::1]:8080", "http://[::1]:8080"), 200, ""},
		{"the page on port 80", Options{}, post("localhost", "http://localhost"), 200, ""},
		{"a .localhost name", Options{}, post("gocnn.localhost:8080", "http://gocnn.localhost:8080"), 200, ""},
		{"the page on another address", Options{}, post("192.168.1.20:8080", "http://192.168.1.20:8080"), 200, ""},
		// Other sites' pages.
		{"another site's form", Options{}, post("127.0.0.1:8080", "https://evil.example"), 403,
			`cross-site request refused: it comes from a page at "https://evil.example", not from this server's own page; start gocnn serve with -allow-origin https://evil.example`},
		{"another port of the same host", Options{}, post("127.0.0.1:8080", "http://127.0.0.1:3000"), 403, "cross-site request refused"},
		{"a sandboxed page", Options{}, post("127.0.0.1:8080", "null"), 403, `a page at "null"`},
		// Nothing else can listen where the server does: this is the server
		// behind a proxy that speaks TLS.
		{"the same host and port over https", Options{}, post("127.0.0.1:8080", "https://127.0.0.1:8080"), 200, ""},
		// DNS rebinding: a name pointed at 127.0.0.1, the page's own origin.
		{"rebinding, upload", Options{}, post("evil.example:8080", "http://evil.example:8080"), 403,
			`refused: the request names the server "evil.example:8080", which is not this server's address`},
		{"rebinding, model", Options{}, request{"GET", "/api/model", "evil.example:8080", ""}, 403, "DNS rebinding"},
		{"rebinding, page", Options{}, request{"GET", "/", "evil.example:8080", ""}, 403, ""},
		// What the options allow.
		{"an allowed origin", Options{AllowOrigins: []string{"http://localhost:3000"}}, post("127.0.0.1:8080", "http://localhost:3000"), 200, "http://localhost:3000"},
		{"an allowed origin's preflight", Options{AllowOrigins: []string{"http://localhost:3000"}},
			request{"OPTIONS", "/api/predict", "127.0.0.1:8080", "http://localhost:3000"}, 204, "http://localhost:3000"},
		{"another origin than the allowed one", Options{AllowOrigins: []string{"http://localhost:3000"}}, post("127.0.0.1:8080", "http://localhost:3001"), 403, "cross-site"},
		// Behind a proxy whose public name is allowed, the page is the
		// server's own: no CORS headers.
		{"a proxy's public name", Options{AllowOrigins: []string{"https://gocnn.example"}}, post("gocnn.example", "https://gocnn.example"), 200, ""},
		{"a proxy's public name, not allowed", Options{}, post("gocnn.example", "https://gocnn.example"), 403, "DNS rebinding"},
		{"a name given in Hosts", Options{Hosts: []string{"mybox"}}, post("MyBox:8080", "http://mybox:8080"), 200, ""},
		{"a name not in Hosts", Options{Hosts: []string{"mybox"}}, post("other:8080", ""), 403, "DNS rebinding"},
		{"everything allowed", Options{AllowOrigins: []string{"*"}}, post("evil.example:8080", "https://evil.example"), 200, "https://evil.example"},
	} {
		code, hdr, msg := send(New(m, c.opts), c.req)
		if code != c.status {
			t.Errorf("%s: status %d (%q), want %d", c.name, code, msg, c.status)
			continue
		}
		switch {
		case code == 403 && !strings.Contains(msg, c.want):
			t.Errorf("%s: error %q, want it to contain %q", c.name, msg, c.want)
		case code != 403 && hdr.Get("Access-Control-Allow-Origin") != c.want:
			t.Errorf("%s: Access-Control-Allow-Origin %q, want %q", c.name, hdr.Get("Access-Control-Allow-Origin"), c.want)
		}
		if code == 204 && !strings.Contains(hdr.Get("Access-Control-Allow-Methods"), "POST") {
			t.Errorf("%s: preflight allows methods %q", c.name, hdr.Get("Access-Control-Allow-Methods"))
		}
	}
}
