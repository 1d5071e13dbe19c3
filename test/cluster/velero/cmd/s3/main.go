// Command s3 is the sandbox's object store: gofakes3's S3-compatible server (path-style buckets,
// in memory) on 127.0.0.1 only. Velero's AWS plugin keeps the sandbox's backups in it, so they
// live as long as the sandbox does, like the rest of its state. It refuses any address that is not
// loopback, and writes its URL to a file once it listens, so the sandbox never guesses a port.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

func main() {
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (loopback only; port 0 picks a free one)")
	urlFile := flag.String("url-file", "", "file the server's URL is written to once it listens")
	buckets := flag.String("buckets", "velero", "comma-separated buckets that exist from the start")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, *addr, *urlFile, strings.Split(*buckets, ",")); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, addr, urlFile string, buckets []string) error {
	l, handler, err := listen(addr, buckets)
	if err != nil {
		return err
	}
	url := "http://" + l.Addr().String()
	if urlFile != "" {
		// Whole or absent: the sandbox reads the file as soon as it appears.
		if err := os.WriteFile(urlFile+".tmp", []byte(url+"\n"), 0o644); err != nil {
			return err
		}
		if err := os.Rename(urlFile+".tmp", urlFile); err != nil {
			return err
		}
	}
	log.Printf("serving S3 at %s, buckets %s", url, strings.Join(buckets, ", "))
	server := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdown)
	}()
	if err := server.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// listen opens the loopback listener and an in-memory store holding the buckets.
func listen(addr string, buckets []string) (net.Listener, http.Handler, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, nil, fmt.Errorf("--addr %s: the sandbox's store listens on a loopback IP address only", addr)
	}
	backend := s3mem.New()
	for _, bucket := range buckets {
		if err := backend.CreateBucket(bucket); err != nil {
			return nil, nil, fmt.Errorf("bucket %s: %w", bucket, err)
		}
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.GlobalLog(gofakes3.LogErr, gofakes3.LogWarn)))
	return l, faker.Server(), nil
}
