package bulk

import (
	"io"
	"sync"
	"sync/atomic"
)

// Progress is an import's progress, updated by the importer and read
// concurrently (by a progress bar).
type Progress struct {
	mu    sync.Mutex
	file  string
	phase string
	total int64

	read      atomic.Int64 // bytes of the current phase
	resources atomic.Int64 // committed, all files
}

// Snapshot is Progress at one moment.
type Snapshot struct {
	File, Phase string // "scanning" (a Bundle's first pass) or "importing"
	Read, Total int64  // bytes of File in this phase
	Resources   int64  // committed so far, all files
}

// Snapshot reads the current progress.
func (p *Progress) Snapshot() Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Snapshot{File: p.file, Phase: p.phase, Read: p.read.Load(), Total: p.total, Resources: p.resources.Load()}
}

// start begins a phase over a file of total bytes and returns r counted.
func (p *Progress) start(file, phase string, total int64, r io.Reader) io.Reader {
	p.mu.Lock()
	p.file, p.phase, p.total = file, phase, total
	p.read.Store(0)
	p.mu.Unlock()
	return &countingReader{r: r, n: &p.read}
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}
