package serve

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"
)

// ServerOptions are the limits of the HTTP server that Serve runs. Zero
// fields take the defaults shown.
type ServerOptions struct {
	ReadHeaderTimeout time.Duration // 5 s: time to read a request's headers
	ReadTimeout       time.Duration // 30 s: time to read a whole request, body included
	WriteTimeout      time.Duration // 30 s: time from the end of the headers to the end of the answer
	IdleTimeout       time.Duration // 2 min: how long an idle keep-alive connection stays open
	MaxHeaderBytes    int           // 64 KiB: the largest request header
	ShutdownTimeout   time.Duration // 5 s: how long requests in flight may finish once Serve is asked to stop

	// ErrorLog, if set, receives the messages of net/http itself
	// (connections it could not serve); by default they are dropped.
	ErrorLog func(msg string)
}

func (o ServerOptions) withDefaults() ServerOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ReadHeaderTimeout, 5*time.Second)
	def(&o.ReadTimeout, 30*time.Second)
	def(&o.WriteTimeout, 30*time.Second)
	def(&o.IdleTimeout, 2*time.Minute)
	def(&o.ShutdownTimeout, 5*time.Second)
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = 64 << 10
	}
	return o
}

// NewServer returns an http.Server for h with the timeouts and limits of
// opts, its zero fields taking the defaults.
func NewServer(h http.Handler, opts ServerOptions) *http.Server {
	opts = opts.withDefaults()
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		ReadTimeout:       opts.ReadTimeout,
		WriteTimeout:      opts.WriteTimeout,
		IdleTimeout:       opts.IdleTimeout,
		MaxHeaderBytes:    opts.MaxHeaderBytes,
		ErrorLog:          newErrorLog(opts.ErrorLog),
	}
}

// Serve answers HTTP requests on ln with h until ctx is done, then shuts
// down gracefully: it stops accepting connections and gives the requests
// in flight up to ShutdownTimeout to finish. It closes ln. It returns nil
// after a shutdown that ctx asked for, and the error otherwise.
//
// A typical use, stopping on Ctrl-C:
//
//	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
//	defer stop()
//	ln, err := net.Listen("tcp", "127.0.0.1:8080")
//	if err != nil {
//		return err
//	}
//	return serve.Serve(ctx, ln, serve.New(m, serve.Options{}), serve.ServerOptions{})
func Serve(ctx context.Context, ln net.Listener, h http.Handler, opts ServerOptions) error {
	opts = opts.withDefaults()
	srv := NewServer(h, opts)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err // failed before anyone asked it to stop
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), opts.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && serr != nil {
		return serr
	}
	if err != nil {
		srv.Close() // requests still running after the grace period
		return err
	}
	return nil
}

// newErrorLog returns a logger that hands each line to f, or drops it when
// f is nil (net/http would otherwise print to standard error).
func newErrorLog(f func(string)) *log.Logger {
	if f == nil {
		return log.New(io.Discard, "", 0)
	}
	return log.New(funcWriter(f), "", 0)
}

// funcWriter passes each write, a log line, to a function.
type funcWriter func(string)

func (f funcWriter) Write(p []byte) (int, error) {
	f(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
