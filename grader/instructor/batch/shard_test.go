package batch

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShardsSplitAClassOnce(t *testing.T) {
	var subs []Submission
	for i := range 300 {
		subs = append(subs, Submission{Learner: fmt.Sprintf("learner-%03d", i)})
	}
	seen := map[string]int{}
	for i := 1; i <= 4; i++ {
		sh, err := ParseShard(fmt.Sprintf("%d/4", i))
		require.NoError(t, err)
		part := sh.Select(subs)
		assert.Greater(t, len(part), 40, "shard %d is far from a quarter", i)
		for _, s := range part {
			seen[s.Learner]++
		}
		// The same learner lands in the same shard whatever else is in the class.
		assert.Equal(t, len(part), len(sh.Select(part)))
	}
	assert.Len(t, seen, 300)
	for l, n := range seen {
		assert.Equal(t, 1, n, l)
	}
	for _, bad := range []string{"0/2", "3/2", "x", "1/0", "1-2"} {
		_, err := ParseShard(bad)
		assert.Error(t, err, bad)
	}
}
