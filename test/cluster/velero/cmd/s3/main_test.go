// The store must take what Velero's AWS plugin sends it: path-style requests to a bucket that
// exists from the start, and uploads through the SDK's upload manager with the CRC32 checksum the
// plugin asks for by default (the client is set up the way the plugin's newS3Client sets it up).
package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestStoreTakesThePluginsUploads(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	urlFile := filepath.Join(t.TempDir(), "url")
	done := make(chan error, 1)
	go func() { done <- run(ctx, "127.0.0.1:0", urlFile, []string{"velero"}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	url := waitForURL(t, urlFile, done)

	client := s3.New(s3.Options{
		Region:                     "sandbox",
		Credentials:                credentials.NewStaticCredentialsProvider("sandbox", "sandbox-secret", ""),
		BaseEndpoint:               aws.String(url),
		UsePathStyle:               true,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	body := bytes.Repeat([]byte("backup contents "), 4096)
	key := "backups/shop-baseline/shop-baseline.tar.gz"
	if _, err := manager.NewUploader(client).Upload(ctx, &s3.PutObjectInput{
		Bucket: aws.String("velero"), Key: aws.String(key), Body: bytes.NewReader(body),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
	}); err != nil {
		t.Fatalf("upload: %v", err)
	}
	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("velero"), Prefix: aws.String("backups/"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(list.CommonPrefixes) != 1 || aws.ToString(list.CommonPrefixes[0].Prefix) != "backups/shop-baseline/" {
		t.Errorf("common prefixes under backups/: %v, want backups/shop-baseline/", list.CommonPrefixes)
	}
	got, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("velero"), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	defer got.Body.Close()
	read, err := io.ReadAll(got.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(read, body) {
		t.Errorf("read back %d bytes, want the %d uploaded", len(read), len(body))
	}
}

func TestStoreListensOnLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:9000", "localhost:0"} {
		if l, _, err := listen(addr, []string{"velero"}); err == nil {
			l.Close()
			t.Errorf("listen(%q) accepted a non-loopback address", addr)
		}
	}
}

func waitForURL(t *testing.T, file string, done <-chan error) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(file); err == nil {
			return strings.TrimSpace(string(data))
		}
		select {
		case err := <-done:
			t.Fatalf("the store stopped before it listened: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no URL in %s after 10s", file)
	return ""
}
