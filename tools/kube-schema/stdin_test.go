package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A pipe given as standard input (a blocking one, as a parent process makes it) is read through the
// poller, with the same bytes: lines written in pieces, a last line without its newline, the end.
func TestRequestsFromAPipeReadThroughThePoller(t *testing.T) {
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		t.Fatal(err)
	}
	in := requestsFrom(fds[0], os.Stdin)
	f, ok := in.(*os.File)
	if !ok || f == os.Stdin {
		syscall.Close(fds[0])
		t.Fatalf("the pipe is read as %v", in)
	}
	defer f.Close()
	if flags, err := fcntlFlags(fds[0]); err != nil || flags&syscall.O_NONBLOCK == 0 {
		t.Fatalf("the pipe is not read through the poller (flags %#x, %v)", flags, err)
	}
	want := []byte("{\"versions\":true}\n{\"documents\":[{\"kind\":\"x\"}]}\n" + string(bytes.Repeat([]byte("y"), 200_000)))
	go func() {
		defer syscall.Close(fds[1])
		for rest := want; len(rest) > 0; {
			n, err := syscall.Write(fds[1], rest[:min(len(rest), 7_000)])
			if err != nil {
				return
			}
			rest = rest[n:]
		}
	}()
	var got []byte
	r := bufio.NewReader(in)
	for {
		line, err := r.ReadBytes('\n')
		got = append(got, line...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, want %d", len(got), len(want))
	}
}

// A file that is not a pipe is read as it is, its mode left alone.
func TestRequestsFromAFileAsItIs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "requests")
	if err := os.WriteFile(path, []byte("{\"versions\":true}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd := int(f.Fd())
	before, _ := fcntlFlags(fd)
	if in := requestsFrom(fd, f); in != io.Reader(f) {
		t.Fatalf("got %v, want the file itself", in)
	}
	if after, _ := fcntlFlags(fd); after != before {
		t.Fatalf("flags %#x -> %#x", before, after)
	}
}

func fcntlFlags(fd int) (int, error) {
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFL, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(flags), nil
}
