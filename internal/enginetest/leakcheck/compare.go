package leakcheck

import (
	"slices"
	"sort"
)

// Result is what a run added to the engine: the leaks, and what a rule
// accounted for, by the rule's name.
type Result struct {
	Leaks     []Resource
	Accounted map[string][]Resource
}

// Compare sorts the resources of after that were not in before into leaks
// and those a rule accounts for, oldest first. A resource that was in
// before is neither, whatever happened to it, except an image that gained
// tags: a tag is a name a run leaves behind as much as an image is (a
// build that hits the cache tags an image that was there already), so the
// image is listed with just the tags it gained.
func Compare(before, after Snapshot, rules []Rule) Result {
	existed := make(map[string]Resource, len(before.Resources))
	for _, r := range before.Resources {
		existed[r.Key()] = r
	}
	res := Result{Accounted: map[string][]Resource{}}
	for _, r := range after.Resources {
		if old, ok := existed[r.Key()]; ok {
			var added bool
			if r, added = addedTags(old, r); !added {
				continue
			}
		}
		if rule, ok := accountedBy(r, rules); ok {
			res.Accounted[rule] = append(res.Accounted[rule], r)
			continue
		}
		res.Leaks = append(res.Leaks, r)
	}
	oldestFirst(res.Leaks)
	for _, rs := range res.Accounted {
		oldestFirst(rs)
	}
	return res
}

func accountedBy(r Resource, rules []Rule) (string, bool) {
	for _, rule := range rules {
		if rule.Match(r) {
			return rule.Name, true
		}
	}
	return "", false
}

func oldestFirst(rs []Resource) {
	sort.SliceStable(rs, func(i, j int) bool {
		if !rs[i].Created.Equal(rs[j].Created) {
			return rs[i].Created.Before(rs[j].Created)
		}
		return rs[i].Key() < rs[j].Key()
	})
}

// addedTags is the image now with only the tags it did not have before,
// and whether there are any.
func addedTags(before, now Resource) (Resource, bool) {
	var added []string
	for _, tag := range now.Tags {
		if !slices.Contains(before.Tags, tag) {
			added = append(added, tag)
		}
	}
	if len(added) == 0 {
		return now, false
	}
	now.Tags, now.Name = added, added[0]
	now.Note = "tags added to an image that was there before"
	return now, true
}
