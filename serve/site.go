package serve

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// A playground on 127.0.0.1 is reachable from every page the user's
// browser opens. A page from another site can post an upload form to it
// (forms need no CORS preflight) or fetch from it; and a site whose name
// the attacker points at 127.0.0.1 after the page has loaded (DNS
// rebinding) is, to the browser, the page's own origin, free to read the
// answers. So the handler refuses, with 403:
//
//   - a request whose Origin header (browsers send it with every POST and
//     every cross-origin fetch) is neither the server's own origin, as
//     the request's Host names it, nor one of Options.AllowOrigins;
//   - a request whose Host is a name other than localhost, the names in
//     Options.Hosts and those of Options.AllowOrigins. DNS rebinding needs
//     a name: an IP address in Host is always accepted.
//
// Requests without an Origin, from curl or a script, pass the first check.

// siteRules are the origins and host names a handler accepts.
type siteRules struct {
	any     bool            // "*" among the origins: no checks
	origins map[string]bool // canonical origins, "http://localhost:3000"
	hosts   map[string]bool // lower-case host names, "gocnn.example"
}

// ParseOrigin checks that s is a web origin, a scheme (http or https) and
// a host with an optional port and nothing else, and returns it in
// canonical form: lower case, the scheme's default port left out
// ("HTTP://Example.org:80/" gives "http://example.org"). "*" stands for
// every origin and is returned as it is.
func ParseOrigin(s string) (string, error) {
	if s == "*" {
		return s, nil
	}
	u, err := url.Parse(strings.TrimSuffix(s, "/"))
	if err != nil {
		return "", fmt.Errorf("origin %q: %v", s, err)
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return "", fmt.Errorf("origin %q: want http://host[:port] or https://host[:port]", s)
	case u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return "", fmt.Errorf("origin %q: want a scheme and a host and nothing more, as http://localhost:3000", s)
	}
	host, port := splitHostPort(u.Host)
	if host == "" {
		return "", fmt.Errorf("origin %q has no host", s)
	}
	return origin(scheme, host, port), nil
}

// origin writes a canonical origin; port "" means the scheme's default.
func origin(scheme, host, port string) string {
	if port == defaultPort(scheme) {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host
}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// splitHostPort splits "host:port", "[v6]:port", "host" or "[v6]" into a
// lower-case host without brackets or trailing dot, and a port ("" if
// none).
func splitHostPort(hostport string) (host, port string) {
	host = hostport
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		host, port = h, p
	}
	host = strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), ".")
	return strings.ToLower(host), port
}

// newSiteRules reads the origins and hosts of the options; origins that
// ParseOrigin refuses are left out.
func newSiteRules(origins, hosts []string) siteRules {
	r := siteRules{origins: map[string]bool{}, hosts: map[string]bool{}}
	for _, o := range origins {
		c, err := ParseOrigin(o)
		switch {
		case err != nil:
			continue
		case c == "*":
			r.any = true
			continue
		}
		r.origins[c] = true
		u, _ := url.Parse(c)
		h, _ := splitHostPort(u.Host)
		r.hosts[h] = true
	}
	for _, h := range hosts {
		h, _ = splitHostPort(h)
		if h != "" {
			r.hosts[h] = true
		}
	}
	return r
}

// hostAllowed reports whether a request may name host (from its Host
// header, lower case, no port) as the server's.
func (r *siteRules) hostAllowed(host string) bool {
	return r.any || host == "" || net.ParseIP(host) != nil || host == "localhost" ||
		strings.HasSuffix(host, ".localhost") || r.hosts[host]
}

// check returns the 403 for a request from another site, or nil; for an
// allowed origin other than the server's own, it sets the CORS headers
// that let the page read the answer, and answers a preflight request
// itself (done is then true).
func (r *siteRules) check(w http.ResponseWriter, req *http.Request) (done bool, err error) {
	host, hostPort := splitHostPort(req.Host)
	if !r.hostAllowed(host) {
		return false, errorf(http.StatusForbidden,
			"refused: the request names the server %q, which is not this server's address (a page doing DNS rebinding would send it); "+
				"start gocnn serve with -allow-origin http://%s to reach it by that name", req.Host, req.Host)
	}
	o := req.Header.Get("Origin")
	switch {
	case o == "":
		return false, nil // not from a page: curl, a script
	case r.any:
		r.allowCORS(w, o)
		return r.preflight(w, req), nil
	}
	canon, err := ParseOrigin(o)
	if err == nil && canon != "*" {
		u, _ := url.Parse(canon)
		scheme := u.Scheme
		if hostPort == "" {
			hostPort = defaultPort(scheme)
		}
		if canon == origin(scheme, host, hostPort) {
			return false, nil // the server's own page
		}
		if r.origins[canon] {
			r.allowCORS(w, o)
			return r.preflight(w, req), nil
		}
	}
	return false, errorf(http.StatusForbidden,
		"cross-site request refused: it comes from a page at %q, not from this server's own page; "+
			"start gocnn serve with -allow-origin %s to let that page use it", o, o)
}

// allowCORS lets the page at origin o read the answer.
func (r *siteRules) allowCORS(w http.ResponseWriter, o string) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", o)
	h.Add("Vary", "Origin")
}

// preflight answers a CORS preflight request, reporting whether it did.
func (r *siteRules) preflight(w http.ResponseWriter, req *http.Request) bool {
	if req.Method != http.MethodOptions || req.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return true
}
