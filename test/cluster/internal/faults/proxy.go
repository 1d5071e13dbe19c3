// Package faults lets a test break the sandbox's control plane the ways real ones break, so that
// kubectl-drill's retries are tested against real failures rather than a mocked API server.
//
// The Proxy sits in front of the apiserver: the kubeconfigs given to users (.sandbox/kubeconfig
// and kubeconfig-restricted) name it, while the control plane's own components talk to the
// apiserver directly. It passes TCP through untouched (TLS and client certificates stay
// end-to-end), so it costs nothing until a fault is set:
//
//   - Answer: new connections are TLS-terminated here, with the apiserver's own serving
//     certificate, and every request on them gets the given status code and a Status body, as API
//     Priority and Fairness answers 429 and an overloaded or half-started server answers 5xx.
//     Connections opened before (a watch) carry on.
//   - Down: the listener is closed, so connecting is refused, as it is while an apiserver
//     restarts; it is opened again on the same port.
//
// It listens on 127.0.0.1 and connects to the apiserver's loopback address, nothing else.
package faults

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Answer is a fault answered by the proxy itself.
type Answer struct {
	Code int
	// Message and Reason go into the Status body, as the apiserver would write them.
	Message, Reason string
	// RetryAfter, when above 0, is sent as the Retry-After header and details.retryAfterSeconds.
	RetryAfter int
	Until      time.Time
}

// Proxy forwards 127.0.0.1:<port> to the apiserver, unless a fault says otherwise.
type Proxy struct {
	addr, backend string
	tlsConfig     *tls.Config

	mu       sync.Mutex
	listener net.Listener
	answer   *Answer
	closed   bool
}

// NewProxy listens on addr (127.0.0.1:port) and forwards to backend (127.0.0.1:port); cert and
// key are the apiserver's serving certificate, used only while a fault answers.
func NewProxy(addr, backend, certFile, keyFile string) (*Proxy, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		return nil, fmt.Errorf("fault proxy: %q is not a loopback address", addr)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("fault proxy: %w", err)
	}
	p := &Proxy{addr: addr, backend: backend, tlsConfig: &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}}
	if err := p.listen(); err != nil {
		return nil, err
	}
	return p, nil
}

// URL is what the kubeconfigs name.
func (p *Proxy) URL() string { return "https://" + p.addr }

func (p *Proxy) listen() error {
	l, err := net.Listen("tcp", p.addr)
	if err != nil {
		return fmt.Errorf("fault proxy: %w", err)
	}
	p.mu.Lock()
	p.listener = l
	p.mu.Unlock()
	go p.serve(l)
	return nil
}

func (p *Proxy) serve(l net.Listener) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		answer := p.answer
		if answer != nil && time.Now().After(answer.Until) {
			p.answer, answer = nil, nil
		}
		p.mu.Unlock()
		if answer != nil {
			go p.answerOn(conn, *answer)
		} else {
			go p.forward(conn)
		}
	}
}

func (p *Proxy) forward(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.backend)
	if err != nil {
		return
	}
	defer server.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(server, client); done <- struct{}{} }()
	go func() { _, _ = io.Copy(client, server); done <- struct{}{} }()
	<-done
}

// answerOn serves one connection with the fault's answer, whatever is asked.
func (p *Proxy) answerOn(conn net.Conn, a Answer) {
	status := map[string]any{
		"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
		"status": "Failure", "message": a.Message, "reason": a.Reason, "code": a.Code,
	}
	if a.RetryAfter > 0 {
		status["details"] = map[string]any{"retryAfterSeconds": a.RetryAfter}
	}
	body, _ := json.Marshal(status)
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// The fault ends for a client when it connects again: a kept connection would outlive it.
		w.Header().Set("Connection", "close")
		if a.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(a.RetryAfter))
		}
		w.WriteHeader(a.Code)
		_, _ = w.Write(body)
	})
	server := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	_ = server.Serve(&oneConn{conn: tls.Server(conn, p.tlsConfig)})
}

// SetAnswer answers every new connection with a until it expires.
func (p *Proxy) SetAnswer(a Answer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.answer = &a
}

// Down closes the listener (connecting is refused) until Up.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.listener != nil {
		_ = p.listener.Close()
		p.listener = nil
	}
}

// Up listens again on the same port.
func (p *Proxy) Up() error {
	p.mu.Lock()
	up := p.listener != nil || p.closed
	p.mu.Unlock()
	if up {
		return nil
	}
	return p.listen()
}

// Close stops listening for good.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.Down()
}

// oneConn is a listener that yields one connection, then ends once it is closed.
type oneConn struct {
	conn net.Conn
	once sync.Once
	done chan struct{}
	mu   sync.Mutex
}

func (o *oneConn) Accept() (net.Conn, error) {
	o.mu.Lock()
	if o.done == nil {
		o.done = make(chan struct{})
	}
	done := o.done
	o.mu.Unlock()
	var c net.Conn
	o.once.Do(func() { c = &closeNotify{Conn: o.conn, closed: done} })
	if c != nil {
		return c, nil
	}
	<-done
	return nil, errors.New("connection closed")
}

func (o *oneConn) Close() error   { return nil }
func (o *oneConn) Addr() net.Addr { return o.conn.LocalAddr() }

type closeNotify struct {
	net.Conn
	closed chan struct{}
	once   sync.Once
}

func (c *closeNotify) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}
