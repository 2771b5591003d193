package store

import (
	"context"
	"errors"
	"net"
	"reflect"
	"syscall"
	"testing"
	"time"
)

// timeoutErr is what a dial attempt that got no answer returns.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestDialRetryingTriesAgainAfterATimeoutOnly(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	server, client := net.Pipe()
	defer server.Close()
	attempts := 0
	conn, err := retryTimeouts(ctx, func(context.Context) (net.Conn, error) {
		attempts++
		if attempts < 3 {
			return nil, &net.OpError{Op: "dial", Err: timeoutErr{}}
		}
		return client, nil
	})
	if err != nil || conn != client || attempts != 3 {
		t.Errorf("after two lost attempts: conn %v, err %v, %d attempts; want the third attempt's connection", conn, err, attempts)
	}

	attempts = 0
	refused := &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}
	_, err = retryTimeouts(ctx, func(context.Context) (net.Conn, error) {
		attempts++
		return nil, refused
	})
	if !errors.Is(err, syscall.ECONNREFUSED) || attempts != 1 {
		t.Errorf("refused: err %v after %d attempts; want the refusal after one", err, attempts)
	}

	// The connect timeout ends the attempts.
	ended, stop := context.WithCancel(ctx)
	attempts = 0
	_, err = retryTimeouts(ended, func(context.Context) (net.Conn, error) {
		attempts++
		if attempts == 2 {
			stop()
		}
		return nil, &net.OpError{Op: "dial", Err: timeoutErr{}}
	})
	if err == nil || attempts != 2 {
		t.Errorf("with the connect timeout over: err %v after %d attempts; want a failure after 2", err, attempts)
	}
}

func TestPoolAndConnectionsDialRetrying(t *testing.T) {
	cfg := testPostgres
	pool, err := newPoolConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ConnConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ours := reflect.ValueOf(dialRetrying).Pointer()
	if reflect.ValueOf(pool.ConnConfig.DialFunc).Pointer() != ours || reflect.ValueOf(conn.DialFunc).Pointer() != ours {
		t.Error("the pool or a single connection dials without retrying lost attempts")
	}
}
