package pgtest

import (
	"bytes"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy is a TCP relay to a PostgreSQL server that a test can cut, to
// see what a store does when its database goes away: at once (Cut), or
// when a client sends a given statement (CutAt), before or after the
// server has it.
type Proxy struct {
	ln      net.Listener
	mu      sync.Mutex
	clients []net.Conn // connections from the store
	servers []net.Conn // connections to PostgreSQL
	closed  bool
	trigger *trigger
	// muted stops every answer of the server on its way to the client:
	// set before a delivered CutAt passes its statement on, so the answer
	// cannot slip through before the clients are cut.
	muted atomic.Bool
}

// trigger is an armed CutAt.
type trigger struct {
	pattern []byte
	deliver bool
}

// ThroughProxy returns rawURL rewritten to reach its server through a
// new Proxy on loopback, closed when t ends.
func ThroughProxy(t testing.TB, rawURL string) (string, *Proxy) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(u.Hostname(), "5432")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln}
	go p.serve(target)
	t.Cleanup(p.Cut)
	u.Host = ln.Addr().String()
	return u.String(), p
}

func (p *Proxy) serve(target string) {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", target)
		if err != nil {
			c.Close()
			continue
		}
		if !p.track(c, s) {
			return
		}
		go p.forward(s, c)
		go p.relay(c, s)
	}
}

func (p *Proxy) track(c, s net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		s.Close()
		return false
	}
	p.clients = append(p.clients, c)
	p.servers = append(p.servers, s)
	return true
}

// relay copies the server's answers to the client, until muted.
func (p *Proxy) relay(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.muted.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	dst.Close()
	src.Close()
}

// forward copies what the client sends to the server, watching for an
// armed trigger. Writes of one message arrive in one read in practice;
// the tail of the previous read is kept so that a pattern split across
// two reads is seen too.
func (p *Proxy) forward(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	var tail []byte
	for {
		n, err := src.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			if t := p.armed(); t != nil && bytes.Contains(append(tail, chunk...), t.pattern) {
				if t.deliver {
					p.muted.Store(true)
					_, _ = dst.Write(chunk)
					p.cutClients()
					return // the server connection closes once its answer finds no client
				}
				p.Cut()
				return
			}
			if _, werr := dst.Write(chunk); werr != nil {
				break
			}
			tail = append(tail[:0], chunk[max(0, len(chunk)-64):]...)
		}
		if err != nil {
			break
		}
	}
	dst.Close()
	src.Close()
}

func (p *Proxy) armed() *trigger {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.trigger
}

// CutAt arms the proxy: the next time a client sends bytes containing
// pattern (a statement such as "commit"), the database goes away. With
// deliver false the server never receives them (a transaction is rolled
// back); with deliver true it does and acts on them, but no answer
// reaches the client (a commit happens, and the client cannot know).
// Either way, no new connection is accepted afterwards.
func (p *Proxy) CutAt(pattern string, deliver bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.trigger = &trigger{pattern: []byte(pattern), deliver: deliver}
}

// cutClients closes the connections from the store and stops accepting
// new ones, leaving the server side to finish what it received.
func (p *Proxy) cutClients() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	p.ln.Close()
	for _, c := range p.clients {
		c.Close()
	}
}

// Cut closes every relayed connection and stops accepting new ones: the
// database is gone, as far as the store can tell.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	p.ln.Close()
	for _, c := range append(p.clients, p.servers...) {
		c.Close()
	}
}
