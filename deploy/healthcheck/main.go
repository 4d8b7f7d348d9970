// Command healthcheck is the orderflow image's container health probe: it GETs one URL
// and exits 0 when the answer is 2xx, 1 otherwise. The final image is distroless (no
// shell, curl or wget), so docker-compose.yml's api healthcheck runs this small static
// binary, built next to orderflow by the Dockerfile, instead, against the api's admin
// listener (ADMIN_ADDR), where readiness is served:
//
//	healthcheck http://127.0.0.1:9090/readyz
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	timeout := flag.Duration("timeout", 3*time.Second, "give up after this long")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: healthcheck [-timeout 3s] URL")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := check(ctx, http.DefaultClient, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		os.Exit(1)
	}
}

// check GETs url and returns nil when the response status is 2xx.
func check(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// Show why it is not ready (the admin listener's /readyz names the failing check).
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return errors.New(resp.Status + ": " + string(body))
	}
	return nil
}
