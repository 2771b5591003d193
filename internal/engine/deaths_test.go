package engine

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestContainerDeathsTellsEachDeathsExitCode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cli := clientOf(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		for _, code := range []string{"1", "0"} {
			_, _ = w.Write([]byte(`{"Type":"container","Action":"die","Actor":{"ID":"c1","Attributes":{"exitCode":"` + code + `"}}}` + "\n"))
		}
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	watchCtx, stopWatching := context.WithCancel(ctx)
	deaths := cli.ContainerDeaths(watchCtx, "c1")
	for _, want := range []int{1, 0} {
		select {
		case got := <-deaths:
			if got != want {
				t.Fatalf("exit code %d, want %d", got, want)
			}
		case <-ctx.Done():
			t.Fatalf("no death told, want exit code %d", want)
		}
	}
	stopWatching()
	select {
	case _, ok := <-deaths:
		if ok {
			t.Fatal("a death told after the watch ended")
		}
	case <-ctx.Done():
		t.Fatal("the watch's channel stayed open after its context ended")
	}
}
