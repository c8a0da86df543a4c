package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/serve"
)

func runServe(args []string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveCommand(ctx, args, stdout, stderr)
}

// serveCommand is gocnn serve, stopping when ctx ends.
func serveCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "serve -model m.safetensors [flags]", stderr)
	path := fs.String("model", "", "model file (.safetensors) written by gocnn train")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on, host:port (port 0 picks a free one)")
	maxBody := fs.Int64("max-body", serve.DefaultMaxBodyBytes, "largest request body accepted, in bytes")
	decodeMB := fs.Int64("max-decode-mb", serve.DefaultMaxDecodeBytes>>20, "memory budget for decoding one uploaded picture, in MiB: a larger one gets 413 from its header, before decoding")
	decodes := fs.Int("max-decodes", 0, "pictures decoded at once (0: one per processor); with them all busy a request waits, up to 10 s, or gets 503")
	var origins originList
	fs.Var(&origins, "allow-origin", "a web `origin`, as http://localhost:3000, whose pages may use the server besides its own (repeat it or separate with commas; * allows every page and every Host). By default requests from other sites' pages, and requests that name the server by a host name other than localhost or -addr's (DNS rebinding), get 403")
	if err := fs.parse(args, false); err != nil {
		return err
	}
	switch {
	case *path == "":
		return usagef("-model is required")
	case *maxBody < 1:
		return usagef("-max-body must be at least 1, got %d", *maxBody)
	case *decodeMB < 1 || *decodeMB > maxDecodeMB:
		return usagef("-max-decode-mb must be between 1 and %d, got %d", maxDecodeMB, *decodeMB)
	case *decodes < 0:
		return usagef("-max-decodes must be at least 0, got %d", *decodes)
	}
	env := nn.NewEnv(1, 1) // one image at a time: more workers would only wait
	defer env.Close()
	m, err := loadModel(*path, env)
	if err != nil {
		return err
	}
	env.Freeze() // predictions only: the weights stay as loaded
	logf := func(msg string) { fmt.Fprintln(stderr, msg) }
	var hosts []string
	if host, _, err := net.SplitHostPort(*addr); err == nil && host != "" {
		hosts = append(hosts, host) // the name it was asked to listen by
	}
	h := serve.New(m, serve.Options{MaxBodyBytes: *maxBody, MaxDecodeBytes: *decodeMB << 20, MaxDecodes: *decodes,
		AllowOrigins: origins, Hosts: hosts, Log: logf})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", *addr, err)
	}
	fmt.Fprintf(stdout, "model  %s (%s)\n", m.Spec, *path)
	fmt.Fprintf(stdout, "serving the playground on http://%s/ (Ctrl-C to stop)\n", ln.Addr())
	if err := serve.Serve(ctx, ln, h, serve.ServerOptions{ErrorLog: logf}); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "stopped")
	return nil
}

// originList is the value of -allow-origin: origins, checked as they are
// given, from repeated flags or comma-separated lists.
type originList []string

func (l *originList) String() string { return strings.Join(*l, ",") }

func (l *originList) Set(s string) error {
	for _, o := range strings.Split(s, ",") {
		c, err := serve.ParseOrigin(strings.TrimSpace(o))
		if err != nil {
			return err
		}
		*l = append(*l, c)
	}
	return nil
}
