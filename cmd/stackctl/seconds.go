package main

import (
	"fmt"
	"strconv"
	"time"
)

// secondsValue is a duration flag that also takes Compose's form, a whole
// number of seconds: --wait-timeout 60 is a minute, as is 1m.
type secondsValue time.Duration

func (s secondsValue) String() string { return time.Duration(s).String() }

// Type is "duration", so the flag checks refuse a negative one as any.
func (s secondsValue) Type() string { return "duration" }

func (s *secondsValue) Set(v string) error {
	if n, err := strconv.Atoi(v); err == nil {
		*s = secondsValue(time.Duration(n) * time.Second)
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("want seconds (60) or a duration (1m30s)")
	}
	*s = secondsValue(d)
	return nil
}
