package main

/*
#include <stdint.h>
*/
import "C"

import "github.com/libvoip/libvoip/voip"

// This file holds the exports that act on the whole process, not on one
// phone.

//export voip_set_memory_limit
func voip_set_memory_limit(mb C.int64_t, previous *C.int64_t) C.int {
	const name = "voip_set_memory_limit"
	return guard(name, func() C.int {
		prev, err := voip.SetMemoryLimit(int64(mb))
		if err != nil {
			return fail(name, nil, err)
		}
		if previous != nil {
			*previous = C.int64_t(prev)
		}
		return vOK
	})
}
