package audit

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// A journal is the recorder's write-ahead file: every event is appended
// to it, in one write, before its response leaves, so it outlives a
// crash of the process; the writer stores the events in the log in
// batches afterwards, and deletes what the log holds. It is a series of
// segment files in one directory (audit-journal-<n>), each a series of
// frames: the payload's length and CRC-32C (4 bytes each, little endian)
// then the payload, one event encoded as a block of the log. A write
// outlives a crash of the process at once and one of the machine once
// sync has run.
type journal struct {
	dir  string
	lock *os.File // flocked while the journal is open

	// mu guards the current segment: the writer syncs it while a request
	// appends to it (or replaces it, when it is full).
	mu    sync.Mutex
	seg   int // the segment appended to
	f     *os.File
	size  int64 // bytes in the current segment
	dirty bool  // written since the last sync
}

const (
	journalPrefix  = "audit-journal-"
	journalLock    = "audit-journal.lock"
	segmentMaxSize = 16 << 20
	frameHeader    = 8
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// openJournal takes the journal in dir for this process and returns it
// with the events its segments hold (left by a run that ended before
// storing them), oldest first. The caller stores those, then calls
// dropBefore(j.seg) to delete their segments.
func openJournal(dir string) (*journal, [][]byte, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("audit journal: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, journalLock), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("audit journal: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, nil, fmt.Errorf("audit journal: %s is in use by another fhir-server (each needs a data directory of its own): %w", dir, err)
	}
	segs, err := journalSegments(dir)
	if err != nil {
		lock.Close()
		return nil, nil, err
	}
	var left [][]byte
	for _, n := range segs {
		frames, err := readSegment(filepath.Join(dir, segmentName(n)))
		if err != nil {
			lock.Close()
			return nil, nil, err
		}
		left = append(left, frames...)
	}
	j := &journal{dir: dir, lock: lock, seg: 1}
	if len(segs) > 0 {
		j.seg = segs[len(segs)-1] + 1
	}
	if err := j.create(); err != nil {
		lock.Close()
		return nil, nil, err
	}
	return j, left, nil
}

func segmentName(n int) string { return fmt.Sprintf("%s%08d", journalPrefix, n) }

// journalSegments lists the segment numbers in dir, in order.
func journalSegments(dir string) ([]int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("audit journal: %w", err)
	}
	var segs []int
	for _, e := range entries {
		if s, ok := strings.CutPrefix(e.Name(), journalPrefix); ok {
			if n, err := strconv.Atoi(s); err == nil {
				segs = append(segs, n)
			}
		}
	}
	slices.Sort(segs)
	return segs, nil
}

// readSegment returns the payloads of a segment's whole frames. A frame
// cut short or failing its checksum ends it: a write the process died in
// the middle of, whose request was never answered.
func readSegment(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("audit journal: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var out [][]byte
	var head [frameHeader]byte
	for {
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return out, nil
		}
		n := binary.LittleEndian.Uint32(head[:4])
		if n > segmentMaxSize {
			return out, nil
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil || crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(head[4:]) {
			return out, nil
		}
		out = append(out, payload)
	}
}

// create opens segment j.seg, empty, and makes its name durable (a
// machine that crashes keeps the segment a sync made durable).
func (j *journal) create() error {
	f, err := os.OpenFile(filepath.Join(j.dir, segmentName(j.seg)), os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("audit journal: %w", err)
	}
	if err := syncDir(j.dir); err != nil {
		f.Close()
		return fmt.Errorf("audit journal: %w", err)
	}
	j.f, j.size = f, 0
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// appendFrameOf appends to frames one frame, whose payload encode
// appends (in place: no copy of it is made).
func appendFrameOf(frames []byte, encode func([]byte) []byte) []byte {
	start := len(frames)
	frames = encode(append(frames, make([]byte, frameHeader)...))
	payload := frames[start+frameHeader:]
	binary.LittleEndian.PutUint32(frames[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(frames[start+4:], crc32.Checksum(payload, castagnoli))
	return frames
}

// write writes frames (see appendFrameOf), in one write, to the current
// segment (a new one once it is full), and returns the segment.
func (j *journal) write(frames []byte) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.size >= segmentMaxSize {
		// The full segment is made durable before the next one takes the
		// writes that sync would make durable.
		if err := errors.Join(j.f.Sync(), j.f.Close()); err != nil {
			return 0, fmt.Errorf("audit journal: %w", err)
		}
		j.seg++
		if err := j.create(); err != nil {
			return 0, err
		}
	}
	n, err := j.f.Write(frames)
	j.size += int64(n)
	j.dirty = j.dirty || n > 0
	if err != nil {
		return 0, fmt.Errorf("audit journal: %w", err)
	}
	return j.seg, nil
}

// sync makes what was written to the journal so far outlive a crash of
// the machine (fsync), unless nothing was written since the last sync.
// It runs beside write: appends wait for neither.
func (j *journal) sync() error {
	j.mu.Lock()
	f, dirty := j.f, j.dirty
	j.dirty = false
	j.mu.Unlock()
	if !dirty {
		return nil
	}
	if err := f.Sync(); err != nil {
		j.mu.Lock()
		j.dirty = true // again at the next sync
		j.mu.Unlock()
		if errors.Is(err, os.ErrClosed) {
			return nil // a full segment, which write synced before closing it
		}
		return fmt.Errorf("audit journal: %w", err)
	}
	return nil
}

// dropBefore deletes the segments numbered below seg: every event they
// hold is in the log.
func (j *journal) dropBefore(seg int) error {
	segs, err := journalSegments(j.dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range segs {
		if n < seg {
			if err := os.Remove(filepath.Join(j.dir, segmentName(n))); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// empty truncates the current segment and deletes the others: the log
// holds every event written.
func (j *journal) empty() error {
	j.mu.Lock()
	err := j.f.Truncate(0)
	if err == nil {
		// Nothing left to make durable: frames a crash of the machine
		// brought back are in the log, and skipped at the next start.
		j.size, j.dirty = 0, false
	}
	seg := j.seg
	j.mu.Unlock()
	if err != nil {
		return fmt.Errorf("audit journal: %w", err)
	}
	return j.dropBefore(seg)
}

// close syncs and closes the journal (what it holds is stored at the
// next start).
func (j *journal) close() error {
	err := j.sync()
	return errors.Join(err, j.f.Close(), j.lock.Close())
}
