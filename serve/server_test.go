package serve

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startServer runs Serve on a free local port and returns its address and
// a function that stops it and returns Serve's result.
func startServer(t *testing.T, h http.Handler, opts ServerOptions) (addr string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, h, opts) }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("Serve did not return after its context was cancelled")
			return nil
		}
	}
	t.Cleanup(func() { stop() })
	return ln.Addr().String(), stop
}

func TestServeAndShutdown(t *testing.T) {
	started, release := make(chan bool), make(chan bool)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		started <- true
		<-release
		io.WriteString(w, "finished")
	})
	addr, stop := startServer(t, mux, ServerOptions{})
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hello" {
		t.Fatalf("GET / = %q", b)
	}

	// A request in flight when the server is told to stop still gets
	// its answer: the shutdown is graceful.
	slow := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			slow <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		slow <- string(b)
	}()
	<-started
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	time.Sleep(50 * time.Millisecond) // let the shutdown begin
	close(release)
	if got := <-slow; got != "finished" {
		t.Errorf("request in flight during shutdown got %q", got)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Serve returned %v after a requested shutdown, want nil", err)
	}
	if _, err := http.Get("http://" + addr + "/"); err == nil {
		t.Errorf("the server still answers after shutting down")
	}
}

func TestServeReportsListenerFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	err = Serve(context.Background(), ln, http.NotFoundHandler(), ServerOptions{})
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve on a closed listener returned %v, want the accept error", err)
	}
}

func TestServerDefaults(t *testing.T) {
	srv := NewServer(http.NotFoundHandler(), ServerOptions{WriteTimeout: time.Minute})
	if srv.ReadHeaderTimeout != 5*time.Second || srv.ReadTimeout != 30*time.Second || srv.WriteTimeout != time.Minute ||
		srv.IdleTimeout != 2*time.Minute || srv.MaxHeaderBytes != 64<<10 || srv.ErrorLog == nil {
		t.Errorf("server limits: read header %v, read %v, write %v, idle %v, header bytes %d, error log %v",
			srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes, srv.ErrorLog)
	}
}

// TestSlowClientIsCutOff checks that the header timeout is in force: a
// client that starts a request and never finishes its headers is
// disconnected.
func TestSlowClientIsCutOff(t *testing.T) {
	addr, _ := startServer(t, http.NotFoundHandler(), ServerOptions{ReadHeaderTimeout: 150 * time.Millisecond})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.ReadAll(conn) // returns when the server closes the connection
	if err != nil {
		t.Fatalf("the server did not close the connection of a stalled client: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("stalled client cut off after %v", d)
	}
}

func TestHugeHeaderIsRefused(t *testing.T) {
	addr, _ := startServer(t, http.NotFoundHandler(), ServerOptions{MaxHeaderBytes: 1 << 10})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "GET / HTTP/1.1\r\nHost: x\r\nX-Padding: " + strings.Repeat("a", 16<<10) + "\r\n\r\n"
	go io.WriteString(conn, req)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 16 KiB header got status %d, want 431", resp.StatusCode)
	}
}

func TestErrorLogGoesToCallback(t *testing.T) {
	lines := make(chan string, 4)
	srv := NewServer(http.NotFoundHandler(), ServerOptions{ErrorLog: func(s string) { lines <- s }})
	srv.ErrorLog.Printf("http: something odd")
	if got := <-lines; got != "http: something odd" {
		t.Errorf("logged %q", got)
	}
}
