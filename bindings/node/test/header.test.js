'use strict';
// The binding agrees with include/voip.h, the one source of the result
// codes and of the version.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const native = require('../src/native');

const HEADER = path.join(__dirname, '..', '..', '..', 'include', 'voip.h');

function header() {
  return fs.readFileSync(HEADER, 'utf8');
}

describe('voip.h', () => {
  it('result codes: ErrorCode and CODE_NAMES match VOIP_OK / VOIP_E*', () => {
    const codes = {};
    for (const m of header().matchAll(/^#define VOIP_(OK|ERROR|E[A-Z]+)\s+(\d+)/gm)) codes[m[1]] = Number(m[2]);
    assert.ok(Object.keys(codes).length >= 12, `only ${Object.keys(codes).length} codes found in voip.h`);
    assert.deepEqual({ ...native.ErrorCode }, codes);
    const names = { ...native.CODE_NAMES };
    for (const [name, n] of Object.entries(codes)) {
      if (n === 0) continue;
      assert.equal(names[n], name, `CODE_NAMES[${n}]`);
      delete names[n];
    }
    assert.deepEqual(names, {}, 'CODE_NAMES has codes voip.h does not define');
    assert.equal(native.OK, codes.OK);
  });

  it('version: package.json is VOIP_VERSION', () => {
    const m = header().match(/^#define VOIP_VERSION "([^"]+)"/m);
    assert.ok(m, 'no VOIP_VERSION in voip.h');
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    assert.equal(pkg.version, m[1]);
  });
});
