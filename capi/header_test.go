package main

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func readHeader(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../include/voip.h")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// headerCodes returns voip.h's result codes: VOIP_OK and VOIP_E*.
func headerCodes(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	re := regexp.MustCompile(`(?m)^#define (VOIP_OK|VOIP_ERROR|VOIP_E[A-Z]+)\s+(\d+)`)
	for _, m := range re.FindAllStringSubmatch(readHeader(t), -1) {
		n, _ := strconv.Atoi(m[2])
		out[m[1]] = n
	}
	if len(out) == 0 {
		t.Fatal("voip.h: no result codes found")
	}
	return out
}

func TestResultCodesMatchHeader(t *testing.T) {
	ours := map[string]int{
		"VOIP_OK": vOK, "VOIP_ERROR": vError, "VOIP_EINVAL": vEInval,
		"VOIP_ENOTFOUND": vENotFound, "VOIP_ESTATE": vEState,
		"VOIP_ETIMEOUT": vETimeout, "VOIP_ENOPORTS": vENoPorts,
		"VOIP_ERANGE": vERange, "VOIP_ENETWORK": vENetwork,
		"VOIP_EENDED": vEEnded, "VOIP_ENOSPACE": vENoSpace,
		"VOIP_EREJECTED": vERejected,
		"VOIP_EIO":       vEIO, "VOIP_EFORMAT": vEFormat,
	}
	header := headerCodes(t)
	for name, n := range header {
		got, ok := ours[name]
		if !ok {
			t.Errorf("voip.h defines %s = %d; capi has no constant for it", name, n)
		} else if got != n {
			t.Errorf("%s: voip.h %d, capi %d", name, n, got)
		}
	}
	for name := range ours {
		if _, ok := header[name]; !ok {
			t.Errorf("capi has %s; voip.h does not define it", name)
		}
	}
	// Every code of package voip's (and media's) errors is one of them.
	codes := map[int]bool{}
	for _, n := range header {
		codes[n] = true
	}
	for _, m := range voipCodes {
		if m.code <= vOK || !codes[m.code] {
			t.Errorf("%v maps to %d, not a VOIP_E* code", m.err, m.code)
		}
	}
}

// Every function voip.h declares is defined (exported from Go or in
// bridge.c), carries VOIP_API, and nothing else is exported.
func TestExportsMatchHeader(t *testing.T) {
	h := readHeader(t)
	decl := regexp.MustCompile(`(?m)^(VOIP_API )?(?:const )?\w+ \*?(voip_\w+)\(`)
	declared := map[string]bool{}
	for _, m := range decl.FindAllStringSubmatch(h, -1) {
		if m[1] == "" {
			t.Errorf("voip.h: %s is declared without VOIP_API", m[2])
		}
		declared[m[2]] = true
	}
	defined := map[string]bool{}
	files, _ := filepath.Glob("*.go")
	export := regexp.MustCompile(`(?m)^//export (\w+)`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range export.FindAllStringSubmatch(string(b), -1) {
			defined[m[1]] = true
		}
	}
	b, err := os.ReadFile("bridge.c")
	if err != nil {
		t.Fatal(err)
	}
	cdef := regexp.MustCompile(`(?m)^(?:const )?\w+ \*?(voip_[a-z]\w*)\(`)
	for _, m := range cdef.FindAllStringSubmatch(string(b), -1) {
		defined[m[1]] = true
	}
	var missing, extra []string
	for n := range declared {
		if !defined[n] {
			missing = append(missing, n)
		}
	}
	for n := range defined {
		if !declared[n] {
			extra = append(extra, n)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("declared in voip.h but not defined: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("defined but not declared in voip.h: %v", extra)
	}
	if len(declared) < 30 {
		t.Errorf("only %d declarations found in voip.h: the pattern is wrong", len(declared))
	}
}
