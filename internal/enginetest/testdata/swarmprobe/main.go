// Command swarmprobe is the program of the image the swarm test pushes to
// the harness's registry and runs on the swarm's nodes. `swarmprobe serve
// ADDR` answers each TCP connection on ADDR with its hostname; `swarmprobe
// get ADDR` prints the answer of the server at ADDR (a name resolves through
// the engine's DNS, tasks.<service> included).
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: swarmprobe serve|get ADDR")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2])
	case "get":
		err = get(os.Args[2])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "swarmprobe:", err)
		os.Exit(1)
	}
}

func serve(addr string) error {
	host, err := os.Hostname()
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			_, _ = fmt.Fprintln(c, host)
		}()
	}
}

func get(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = io.Copy(os.Stdout, c)
	return err
}
