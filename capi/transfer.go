package main

/*
#include <stdint.h>
*/
import "C"

import (
	"fmt"

	"github.com/libvoip/libvoip/voip"
)

// The transfer exports (voip.h "Call: transfer") and the handles of the
// calls a transfer creates.

//export voip_call_transfer
func voip_call_transfer(call C.uint64_t, uri *C.char, blind C.int32_t, timeoutMs C.int32_t) C.int {
	return withCall("voip_call_transfer", call, func(ce *callEntry) error {
		if err := nonNil("uri", uri); err != nil {
			return err
		}
		ctx, cancel := contextFor(timeoutMs)
		defer cancel()
		return onCall(ce, ce.call.Transfer(ctx, C.GoString(uri), blind != 0))
	})
}

//export voip_call_transfer_attended
func voip_call_transfer_attended(call, other C.uint64_t, timeoutMs C.int32_t) C.int {
	return withCall("voip_call_transfer_attended", call, func(ce *callEntry) error {
		oe := handles.call(uint64(other))
		if oe == nil {
			return errorf(vENotFound, "no call %d", uint64(other))
		}
		ctx, cancel := contextFor(timeoutMs)
		defer cancel()
		return onCall(ce, ce.call.TransferAttended(ctx, oe.call))
	})
}

// successorDetail is the C detail of an event naming a call that took
// c over ("transferred", "replaced"): the new call gets its handle here,
// before its own events are delivered, and the detail becomes
// "call=<handle> <uri>". Other events keep their detail.
func (pe *phoneEntry) successorDetail(c *voip.Call, name, detail string) string {
	if name != voip.EventTransferred && name != voip.EventReplaced {
		return detail
	}
	next := c.Successor()
	if next == nil {
		return detail
	}
	return fmt.Sprintf("call=%d %s", handles.addCall(pe, next), detail)
}
