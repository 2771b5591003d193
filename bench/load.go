package bench

import (
	"context"
	"net/http"
	"time"
)

// The client loop that runs during a redeploy sends one request every
// webGap. It is bounded so a redeploy that never serves again cannot keep the
// benchmark (or the machine) busy forever: DefaultLoadMax in all, which must
// cover the image build (minutes on a small, busy machine), and
// servingAgainMax once the redeploy command has returned.
const (
	DefaultLoadMax  = 15 * time.Minute
	servingAgainMax = time.Minute
)

// loadReport is what a client saw during a redeploy.
type loadReport struct {
	Requests int
	Failed   int
	// LongestGap is the longest time between two successful answers (or
	// between the loop's start or end and the nearest one).
	LongestGap time.Duration
	// ServingAgain is when web first answered 200 after the redeploy
	// command had returned; zero if it did not within the bounds.
	ServingAgain time.Time
}

// clientLoop sends GET url sequentially, one request per webGap, on fresh
// connections, until web answers 200 after deployed is closed. It gives up
// servingAgainMax after deployed is closed, or when limit has passed (which
// also bounds the count: limit / webGap requests at most).
func clientLoop(ctx context.Context, client *http.Client, url string, deployed <-chan struct{}, limit time.Duration) loadReport {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	maxRequests := int(limit / webGap)
	tick := time.NewTicker(webGap)
	defer tick.Stop()
	var rep loadReport
	gaps := newSuccessGaps(time.Now())
	finished := false
	var giveUp time.Time
	for rep.Requests < maxRequests {
		// Only a request that starts after the command returned can show
		// the new deployment serving.
		if !finished {
			select {
			case <-deployed:
				finished = true
				giveUp = time.Now().Add(servingAgainMax)
			default:
			}
		} else if time.Now().After(giveUp) {
			break
		}
		ok := getOK(ctx, client, url)
		now := time.Now()
		rep.Requests++
		if ok {
			gaps.ok(now)
			rep.LongestGap = gaps.Longest
			if finished {
				rep.ServingAgain = now
				return rep
			}
		} else if ctx.Err() == nil {
			rep.Failed++
		}
		select {
		case <-ctx.Done():
			gaps.end(time.Now())
			rep.LongestGap = gaps.Longest
			return rep
		case <-tick.C:
		}
	}
	gaps.end(time.Now())
	rep.LongestGap = gaps.Longest
	return rep
}
