// Command netserver serves connections on a listening socket preopened by the WASI host (fd 3,
// as `gojit run --tcplisten` / `wasmtime -S tcplisten` hand it over) and exits after a bounded
// amount of work:
//
//	netserver echo N   echo N connections (each handled by its own goroutine) line by line,
//	                   upper-cased, then half-close them; print "served N connections"
//	netserver http N   serve HTTP until N requests were answered, then shut down gracefully;
//	                   print "served N requests"
//
// A watchdog exits with status 3 after a minute, so a broken host never hangs a test.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: netserver echo|http N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "bad count:", os.Args[2])
		os.Exit(2)
	}
	time.AfterFunc(time.Minute, func() {
		fmt.Fprintln(os.Stderr, "netserver: watchdog expired")
		os.Exit(3)
	})
	l, err := preopenedListener()
	if err != nil {
		fmt.Fprintln(os.Stderr, "netserver:", err)
		os.Exit(1)
	}
	switch os.Args[1] {
	case "echo":
		err = serveEcho(l, n)
	case "http":
		err = serveHTTP(l, n)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "netserver:", err)
		os.Exit(1)
	}
}

// preopenedListener wraps fd 3, which must be a listening socket.
func preopenedListener() (net.Listener, error) {
	f := os.NewFile(3, "listener")
	defer f.Close()
	l, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("fd 3 is not a listener: %w", err)
	}
	if _, ok := l.(*net.TCPListener); !ok {
		return nil, fmt.Errorf("fd 3 is a %T, not a *net.TCPListener", l)
	}
	return l, nil
}

func serveEcho(l net.Listener, n int) error {
	defer l.Close()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		c, err := l.Accept()
		if err != nil {
			return fmt.Errorf("accept %d: %w", i, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- Echo(c)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	fmt.Printf("served %d connections\n", n)
	return nil
}

// Echo answers every line read from c with "ECHO <LINE>" (upper-cased) until the peer stops
// sending, then half-closes c and closes it.
func Echo(c net.Conn) error {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			reply := "ECHO " + strings.ToUpper(strings.TrimSuffix(line, "\n")) + "\n"
			if _, werr := io.WriteString(c, reply); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		return tc.CloseWrite()
	}
	return nil
}

// Handler is the HTTP API: GET /hello?name=X, GET /sleep?ms=N (waits on a timer), POST /sum
// (whitespace-separated integers in the body).
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s\n", r.URL.Query().Get("name"))
	})
	mux.HandleFunc("GET /sleep", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		start := time.Now()
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		fmt.Fprintf(w, "slept %v\n", time.Since(start) >= time.Duration(ms)*time.Millisecond)
	})
	mux.HandleFunc("POST /sum", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sum := 0
		for _, f := range strings.Fields(string(body)) {
			v, err := strconv.Atoi(f)
			if err != nil {
				http.Error(w, "not a number: "+f, http.StatusBadRequest)
				return
			}
			sum += v
		}
		fmt.Fprintf(w, "sum %d\n", sum)
	})
	return mux
}

func serveHTTP(l net.Listener, n int) error {
	var served atomic.Int64
	done := make(chan struct{})
	api := Handler()
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			api.ServeHTTP(w, r)
			if served.Add(1) == int64(n) {
				close(done)
			}
		}),
		ReadHeaderTimeout: 30 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case <-done:
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve after shutdown: %w", err)
	}
	fmt.Printf("served %d requests\n", served.Load())
	return nil
}
