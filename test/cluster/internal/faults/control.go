package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Target is what the faults act on: the control plane.
type Target interface {
	RestartAPIServer(ctx context.Context) (int, error)
	PauseAPIServer(d time.Duration) error
	Proxy() *Proxy
}

// Serve answers fault requests on 127.0.0.1 (a free port) until ctx ends, and returns its URL:
//
//	POST /apiserver/restart                 kill the apiserver, start it again; answers once it is ready
//	POST /apiserver/pause?for=10s           SIGSTOP now, SIGCONT after the duration; answers at once
//	POST /apiserver/answer?code=429&for=5s  the proxy answers new connections with code (optional
//	     &retryAfter=1 (seconds, 0: none), &reason=, &message=) for the duration; answers at once
//
// Every answer is JSON: {"ok":true,...} or {"error":"..."} with status 400/500.
// started is told the new apiserver's pid after a restart (the pid file).
func Serve(ctx context.Context, target Target, started func(pid int) error) (string, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /apiserver/restart", func(w http.ResponseWriter, r *http.Request) {
		began := time.Now()
		pid, err := target.RestartAPIServer(r.Context())
		if err == nil {
			err = started(pid)
		}
		reply(w, err, map[string]any{"pid": pid, "downMs": time.Since(began).Milliseconds()})
	})
	mux.HandleFunc("POST /apiserver/pause", func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.URL.Query().Get("for"))
		if err != nil || d <= 0 {
			http.Error(w, `{"error":"need for=<duration>"}`, http.StatusBadRequest)
			return
		}
		reply(w, target.PauseAPIServer(d), map[string]any{"forMs": d.Milliseconds()})
	})
	mux.HandleFunc("POST /apiserver/answer", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		code, err := strconv.Atoi(q.Get("code"))
		d, derr := time.ParseDuration(q.Get("for"))
		if err != nil || code < 400 || code > 599 || derr != nil || d <= 0 {
			http.Error(w, `{"error":"need code=<4xx|5xx> and for=<duration>"}`, http.StatusBadRequest)
			return
		}
		retryAfter := 1
		if v := q.Get("retryAfter"); v != "" {
			if retryAfter, err = strconv.Atoi(v); err != nil || retryAfter < 0 {
				http.Error(w, `{"error":"retryAfter is whole seconds"}`, http.StatusBadRequest)
				return
			}
		}
		a := Answer{Code: code, Reason: q.Get("reason"), Message: q.Get("message"), RetryAfter: retryAfter, Until: time.Now().Add(d)}
		if a.Reason == "" {
			a.Reason = defaultReasons[code]
		}
		if a.Message == "" {
			a.Message = defaultMessages[code]
		}
		target.Proxy().SetAnswer(a)
		reply(w, nil, map[string]any{"code": code, "forMs": d.Milliseconds()})
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = server.Serve(l) }()
	go func() {
		<-ctx.Done()
		_ = server.Close()
	}()
	return "http://" + l.Addr().String(), nil
}

// The apiserver's own words for these codes (API Priority and Fairness for 429).
var (
	defaultReasons  = map[int]string{429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout"}
	defaultMessages = map[int]string{
		429: "Too many requests, please try again later.",
		500: "Internal error occurred",
		503: "the server is currently unable to handle the request",
		504: "the server was unable to return a response in the time allotted",
	}
)

func reply(w http.ResponseWriter, err error, fields map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": fmt.Sprint(err)})
		return
	}
	fields["ok"] = true
	_ = json.NewEncoder(w).Encode(fields)
}
