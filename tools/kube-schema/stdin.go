package main

import (
	"io"
	"os"
	"syscall"
)

// requestsIn: standard input as the requests are read from it (see requestsFrom).
func requestsIn() io.Reader {
	return requestsFrom(0, os.Stdin)
}

// requestsFrom: the file descriptor fd read through the runtime's poller when it is a pipe (how
// bin/portcullis and the schema engine start this process), else file as it is. Through the
// poller, the read waiting for the next request parks its goroutine: a blocking read held one of
// the two Ps in a system call, so that the goroutine it had just made runnable (the one answering,
// handed the request read) waited for the runtime's monitor to take that P back, up to 10 ms,
// whenever the other P was busy (the warm-up: a one-file check's versions question was answered
// only when the warm-up's step ended; docs/decisions.md). Anything else (a file, a terminal another
// process shares) keeps its mode and is read as before.
func requestsFrom(fd int, file *os.File) io.Reader {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		return file
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		return file
	}
	return os.NewFile(uintptr(fd), file.Name())
}
