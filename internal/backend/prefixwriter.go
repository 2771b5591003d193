package backend

import (
	"bytes"
	"io"
	"sync"
)

// PrefixWriter writes whole lines, each with a prefix, to a writer shared
// with other PrefixWriters: the logs of several instances, merged.
type PrefixWriter struct {
	w       io.Writer
	mu      *sync.Mutex
	prefix  string
	partial []byte
}

func (p *PrefixWriter) Write(b []byte) (int, error) {
	p.partial = append(p.partial, b...)
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			return len(b), nil
		}
		if err := p.emit(p.partial[:i+1]); err != nil {
			return 0, err
		}
		p.partial = p.partial[i+1:]
	}
}

// Flush writes what is left of a last line that did not end.
func (p *PrefixWriter) Flush() {
	if len(p.partial) > 0 {
		_ = p.emit(append(p.partial, '\n'))
		p.partial = nil
	}
}

func (p *PrefixWriter) emit(line []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err := io.WriteString(p.w, p.prefix+string(line))
	return err
}

// NewPrefixWriter writes to w, holding mu while it writes a line.
func NewPrefixWriter(w io.Writer, mu *sync.Mutex, prefix string) *PrefixWriter {
	return &PrefixWriter{w: w, mu: mu, prefix: prefix}
}
