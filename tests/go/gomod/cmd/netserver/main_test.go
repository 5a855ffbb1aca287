package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestEchoOverPipe(t *testing.T) {
	server, client := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- Echo(server) }()
	go func() {
		io.WriteString(client, "one\ntwo\n")
		// net.Pipe has no half-close: Echo ends when the reader sees the pipe closed.
	}()
	r := bufio.NewReader(client)
	for _, want := range []string{"ECHO ONE\n", "ECHO TWO\n"} {
		got, err := r.ReadString('\n')
		if err != nil || got != want {
			t.Fatalf("got %q, %v; want %q", got, err, want)
		}
	}
	client.Close()
	if err := <-done; err != nil && err != io.ErrClosedPipe {
		t.Fatalf("Echo: %v", err)
	}
}

func TestHandler(t *testing.T) {
	h := Handler()
	for _, tc := range []struct{ method, url, body, want string }{
		{"GET", "/hello?name=gopher", "", "hello gopher\n"},
		{"GET", "/sleep?ms=5", "", "slept true\n"},
		{"POST", "/sum", "1 2 3 39", "sum 45\n"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.url, strings.NewReader(tc.body)))
		if rec.Code != http.StatusOK || rec.Body.String() != tc.want {
			t.Errorf("%s %s: %d %q, want %q", tc.method, tc.url, rec.Code, rec.Body.String(), tc.want)
		}
	}
}
