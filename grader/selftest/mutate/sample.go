package mutate

import (
	"math/rand/v2"
	"sort"
)

// Sample picks n of ms with a generator seeded by seed (all of them when n <= 0 or
// n >= len(ms)), in the order of ms: the same seed picks the same mutants.
func Sample(ms []*Mutant, n int, seed uint64) []*Mutant {
	if n <= 0 || n >= len(ms) {
		return ms
	}
	idx := rand.New(rand.NewPCG(seed, 0x6d7574616e74)).Perm(len(ms))[:n]
	sort.Ints(idx)
	out := make([]*Mutant, n)
	for i, k := range idx {
		out[i] = ms[k]
	}
	return out
}
