package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/gocnn/gocnn/model"
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
	if err := fs.parse(args, false); err != nil {
		return err
	}
	switch {
	case *path == "":
		return usagef("-model is required")
	case *maxBody < 1:
		return usagef("-max-body must be at least 1, got %d", *maxBody)
	}
	env := nn.NewEnv(1, 1) // one image at a time: more workers would only wait
	defer env.Close()
	m, err := model.Load(*path, env)
	if err != nil {
		return err
	}
	logf := func(msg string) { fmt.Fprintln(stderr, msg) }
	h := serve.New(m, serve.Options{MaxBodyBytes: *maxBody, Log: logf})
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
