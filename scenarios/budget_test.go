package scenarios

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A correct run stays far inside the event budget, so the budget only ever stops a
// livelocked ensemble.
func TestCorrectRunIsFarInsideTheBudget(t *testing.T) {
	s := Default()
	r, err := Run(s, 1, RunOptions{})
	require.NoError(t, err)
	require.True(t, r.Pass(), r.Problems)
	end, _ := r.Schedule.SafetyEnd()
	b := s.budget(end)
	require.Less(t, r.Events*20, b.Events)
}
