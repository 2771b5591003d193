package leakcheck

import "sort"

// Result is what a run added to the engine: the leaks, and what a rule
// accounted for, by the rule's name.
type Result struct {
	Leaks     []Resource
	Accounted map[string][]Resource
}

// Compare sorts the resources of after that were not in before into leaks
// and those a rule accounts for, oldest first. A resource that was in
// before is neither, whatever happened to it.
func Compare(before, after Snapshot, rules []Rule) Result {
	existed := make(map[string]bool, len(before.Resources))
	for _, r := range before.Resources {
		existed[r.Key()] = true
	}
	res := Result{Accounted: map[string][]Resource{}}
	for _, r := range after.Resources {
		if existed[r.Key()] {
			continue
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
