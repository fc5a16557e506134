package cow

import (
	"slices"
	"testing"
)

func TestAppendRemoveLeaveSnapshots(t *testing.T) {
	a := Append([]int(nil), 1)
	a = Append(a, 2)
	snap := a
	b := Append(a, 3)
	if !slices.Equal(snap, []int{1, 2}) || !slices.Equal(b, []int{1, 2, 3}) {
		t.Fatalf("Append: snapshot %v, new %v", snap, b)
	}
	c := Remove(b, 2)
	if !slices.Equal(b, []int{1, 2, 3}) || !slices.Equal(c, []int{1, 3}) {
		t.Fatalf("Remove: snapshot %v, new %v", b, c)
	}
	if d := Remove(c, 9); !slices.Equal(d, []int{1, 3}) {
		t.Fatalf("Remove of a missing element: %v", d)
	}
	if e := Remove([]int{5, 5}, 5); !slices.Equal(e, []int{5}) {
		t.Fatalf("Remove takes the first only: %v", e)
	}
}
