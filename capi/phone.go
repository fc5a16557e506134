package main

/*
#include <stdint.h>
#include "bridge.h"
*/
import "C"

import (
	"unsafe"

	"github.com/libvoip/libvoip/voip"
)

//export voip_phone_new
func voip_phone_new(out *C.uint64_t) C.int {
	return guard("voip_phone_new", func() C.int {
		if out == nil {
			return fail("voip_phone_new", nil, errorf(vEInval, "phone_out is NULL"))
		}
		pe := handles.addPhone(voip.NewPhone(voip.DefaultConfig()))
		pe.installHandler()
		*out = C.uint64_t(pe.id)
		return vOK
	})
}

//export voip_phone_set_option
func voip_phone_set_option(phone C.uint64_t, key, value *C.char) C.int {
	return withPhone("voip_phone_set_option", phone, func(pe *phoneEntry) error {
		if err := nonNil("key", key, "value", value); err != nil {
			return err
		}
		return pe.phone.SetOption(C.GoString(key), C.GoString(value))
	})
}

//export voip_phone_get_option
func voip_phone_get_option(phone C.uint64_t, key *C.char, buf *C.char, buflen C.size_t) C.int {
	return withPhone("voip_phone_get_option", phone, func(pe *phoneEntry) error {
		if err := nonNil("key", key); err != nil {
			return err
		}
		v, err := pe.phone.Option(C.GoString(key))
		if err != nil {
			return err
		}
		return copyOut(buf, buflen, v)
	})
}

//export voip_phone_start
func voip_phone_start(phone C.uint64_t) C.int {
	return withPhone("voip_phone_start", phone, func(pe *phoneEntry) error { return pe.phone.Start() })
}

//export voip_phone_stop
func voip_phone_stop(phone C.uint64_t) C.int {
	return withPhone("voip_phone_stop", phone, func(pe *phoneEntry) error { return pe.phone.Stop() })
}

//export voip_phone_destroy
func voip_phone_destroy(phone C.uint64_t) C.int {
	return withPhone("voip_phone_destroy", phone, func(pe *phoneEntry) error {
		if uint64(C.voip__callback_phone()) == pe.id {
			return errorf(vEState, "called from one of the phone's own callbacks")
		}
		if handles.removePhone(pe.id) == nil {
			return errorf(vENotFound, "phone %d already destroyed", pe.id)
		}
		pe.phone.Close(true)
		evHandles.dropPhone(pe) // subscription handles (subscription.go)
		return nil
	})
}

//export voip_phone_status
func voip_phone_status(phone C.uint64_t, out *C.int32_t) C.int {
	return withPhone("voip_phone_status", phone, func(pe *phoneEntry) error {
		if err := nonNil("status_out", out); err != nil {
			return err
		}
		s, _ := pe.phone.Status()
		*out = C.int32_t(s)
		return nil
	})
}

//export voip_phone_last_error
func voip_phone_last_error(phone C.uint64_t, buf *C.char, buflen C.size_t) C.int {
	// Not withPhone: a failure here must not replace the message asked for.
	return guard("voip_phone_last_error", func() C.int {
		pe := handles.phone(uint64(phone))
		if pe == nil {
			return fail("voip_phone_last_error", nil, errorf(vENotFound, "unknown or stale phone handle %d", uint64(phone)))
		}
		return result("voip_phone_last_error", nil, copyOut(buf, buflen, pe.lastErr.get()))
	})
}

//export voip_phone_add_credentials
func voip_phone_add_credentials(phone C.uint64_t, username, password, realm, user *C.char) C.int {
	return withPhone("voip_phone_add_credentials", phone, func(pe *phoneEntry) error {
		if err := nonNil("username", username, "password", password); err != nil {
			return err
		}
		return pe.phone.AddCredentials(C.GoString(username), C.GoString(password), C.GoString(realm), C.GoString(user))
	})
}

//export voip_phone_send_message
func voip_phone_send_message(phone C.uint64_t, uri, contentType, body *C.char, timeoutMs C.int32_t) C.int {
	return withPhone("voip_phone_send_message", phone, func(pe *phoneEntry) error {
		if err := nonNil("uri", uri, "body", body); err != nil {
			return err
		}
		ctx, cancel := contextFor(timeoutMs)
		defer cancel()
		return pe.phone.SendMessage(ctx, C.GoString(uri), C.GoString(contentType), []byte(C.GoString(body)))
	})
}

//export voip_phone_call
func voip_phone_call(phone C.uint64_t, uri *C.char, out *C.uint64_t) C.int {
	return withPhone("voip_phone_call", phone, func(pe *phoneEntry) error {
		if err := nonNil("uri", uri, "call_out", out); err != nil {
			return err
		}
		id, err := pe.dial(C.GoString(uri))
		if err != nil {
			return err
		}
		*out = C.uint64_t(id)
		return nil
	})
}

// Callbacks: setting one replaces the previous one (fn NULL removes it).

//export voip_phone_on_incoming_call
func voip_phone_on_incoming_call(phone C.uint64_t, fn, ud unsafe.Pointer) C.int {
	return setCallback("voip_phone_on_incoming_call", phone, fn, ud, func(pe *phoneEntry) *callback { return &pe.incoming })
}

//export voip_phone_on_call_state
func voip_phone_on_call_state(phone C.uint64_t, fn, ud unsafe.Pointer) C.int {
	return setCallback("voip_phone_on_call_state", phone, fn, ud, func(pe *phoneEntry) *callback { return &pe.state })
}

//export voip_phone_on_dtmf
func voip_phone_on_dtmf(phone C.uint64_t, fn, ud unsafe.Pointer) C.int {
	return setCallback("voip_phone_on_dtmf", phone, fn, ud, func(pe *phoneEntry) *callback { return &pe.dtmf })
}

//export voip_phone_on_call_event
func voip_phone_on_call_event(phone C.uint64_t, fn, ud unsafe.Pointer) C.int {
	return setCallback("voip_phone_on_call_event", phone, fn, ud, func(pe *phoneEntry) *callback { return &pe.event })
}

//export voip_phone_on_status
func voip_phone_on_status(phone C.uint64_t, fn, ud unsafe.Pointer) C.int {
	return setCallback("voip_phone_on_status", phone, fn, ud, func(pe *phoneEntry) *callback { return &pe.status })
}

//export voip_phone_on_request
func voip_phone_on_request(phone C.uint64_t, fn, ud unsafe.Pointer) C.int {
	return setCallback("voip_phone_on_request", phone, fn, ud, func(pe *phoneEntry) *callback { return &pe.request })
}

//export voip_phone_set_log
func voip_phone_set_log(phone C.uint64_t, minLevel C.int32_t, fn, ud unsafe.Pointer) C.int {
	return withPhone("voip_phone_set_log", phone, func(pe *phoneEntry) error {
		level, ok := levelFromC(int(minLevel))
		if !ok {
			return errorf(vEInval, "level %d is not VOIP_LOG_DEBUG..VOIP_LOG_ERROR", int(minLevel))
		}
		pe.setLog(level, callback{fn: fn, ud: ud})
		return nil
	})
}

// setCallback stores a callback of a phone.
func setCallback(name string, phone C.uint64_t, fn, ud unsafe.Pointer, slot func(*phoneEntry) *callback) C.int {
	return withPhone(name, phone, func(pe *phoneEntry) error {
		pe.mu.Lock()
		*slot(pe) = callback{fn: fn, ud: ud}
		pe.mu.Unlock()
		pe.installHandler()
		return nil
	})
}
