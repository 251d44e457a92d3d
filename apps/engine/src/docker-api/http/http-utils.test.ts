import { describe, expect, it } from 'vitest';
import { EscapeDetector, parseDetachKeys } from './detach-keys.js';
import { containerFilterFrom, imageFilterFrom, parseFilters } from './filters.js';
import { JsonMessageWriter } from './json-stream.js';
import { boolParam, boolParamOr, intParam, timestampParam } from './query.js';
import { demux, frame, StdcopyReader, STDERR, STDOUT, SYSTEMERR } from './stdcopy.js';
import { compareVersions, negotiate, splitVersion } from './version.js';
import { PassThrough } from 'node:stream';

describe('stdcopy', () => {
  it('frames with an 8-byte big-endian header and reads frames split anywhere', () => {
    const a = frame(STDOUT, Buffer.from('hello'));
    expect([...a.subarray(0, 8)]).toEqual([1, 0, 0, 0, 0, 0, 0, 5]);
    const all = Buffer.concat([a, frame(STDERR, Buffer.from('err')), frame(SYSTEMERR, Buffer.from('bad'))]);
    const reader = new StdcopyReader();
    const frames = [...all].flatMap((b) => reader.push(Buffer.from([b])));
    expect(frames.map((f) => [f.stream, f.data.toString()])).toEqual([[1, 'hello'], [2, 'err'], [3, 'bad']]);
    expect(frame(STDOUT, Buffer.alloc(0)).length).toBe(0);
  });

  it('splits big payloads and rejects truncation', () => {
    const big = Buffer.alloc(100_000, 7);
    const framed = frame(STDOUT, big);
    expect(demux(framed).stdout.equals(big)).toBe(true);
    expect(demux(framed).frames.length).toBeGreaterThan(1);
    expect(() => demux(framed.subarray(0, 20))).toThrow(/truncated/);
  });
});

describe('detach keys', () => {
  it('parses Docker key specs', () => {
    expect([...parseDetachKeys(undefined)]).toEqual([16, 17]);
    expect([...parseDetachKeys('ctrl-a,X,ctrl-@,ctrl-[,ctrl-_')]).toEqual([1, 88, 0, 27, 31]);
    expect(() => parseDetachKeys('ctrl-1')).toThrow('Invalid detach keys (ctrl-1) provided');
    expect(() => parseDetachKeys('ab')).toThrow(/Invalid detach keys/);
  });

  it('holds back a partial match and replays it when the sequence breaks', () => {
    const d = new EscapeDetector(parseDetachKeys('ctrl-p,ctrl-q'));
    expect(d.feed(Buffer.from([97, 16]))).toEqual({ data: Buffer.from([97]), detached: false });
    expect(d.feed(Buffer.from([98]))).toEqual({ data: Buffer.from([16, 98]), detached: false });
    expect(d.feed(Buffer.from([16, 16]))).toEqual({ data: Buffer.from([16]), detached: false });
    expect(d.feed(Buffer.from([17, 99]))).toEqual({ data: Buffer.alloc(0), detached: true });
  });
});

describe('query and filters', () => {
  it('parses bools like httputils.BoolValue', () => {
    const q = new URLSearchParams('a=1&b=True&c=no&d=&e=none&f=0&g=yes');
    expect(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'x'].map((k) => boolParam(q, k))).toEqual([true, true, false, false, false, false, true, false]);
    expect(boolParamOr(q, 'x', true)).toBe(true);
    expect(boolParamOr(q, 'd', true)).toBe(true);
    expect(intParam(new URLSearchParams('t=5'), 't')).toBe(5);
    expect(() => intParam(new URLSearchParams('t=5s'), 't')).toThrow('invalid value for t: strconv.Atoi: parsing "5s": invalid syntax');
    expect(timestampParam(new URLSearchParams('s=1700000000.5'), 's')).toBe(1700000000.5);
    expect(timestampParam(new URLSearchParams('s=2026-01-01T00:00:00Z'), 's')).toBe(1767225600);
  });

  it('accepts both filter encodings and rejects junk', () => {
    expect([...parseFilters('{"label":{"a=b":true},"name":["x"]}')]).toEqual([['label', ['a=b']], ['name', ['x']]]);
    expect(() => parseFilters('[1]')).toThrow(/invalid filter/);
    expect(() => parseFilters('{"label":"a"}')).toThrow("invalid filter 'label'");
    const f = containerFilterFrom(new URLSearchParams({ all: '1', limit: '3', before: 'abc', filters: '{"exited":["0","137"],"ancestor":["busybox"],"id":["ab"]}' }));
    expect(f).toEqual({ all: true, limit: 3, exited: [0, 137], ancestors: ['busybox'], ids: ['ab'], before: 'abc' });
    expect(() => containerFilterFrom(new URLSearchParams({ filters: '{"status":["sleeping"]}' }))).toThrow('Unrecognised filter value for status: sleeping');
    expect(() => containerFilterFrom(new URLSearchParams({ filters: '{"network":["x"]}' }))).toThrow(/not supported/);
    expect(imageFilterFrom(new URLSearchParams({ filters: '{"dangling":["true"],"reference":["busy*"]}' }))).toEqual({ all: false, dangling: true, references: ['busy*'] });
    expect(() => imageFilterFrom(new URLSearchParams({ filters: '{"dangling":["true","false"]}' }))).toThrow(/invalid filter 'dangling/);
  });
});

describe('versions and json stream', () => {
  it('compares and negotiates versions', () => {
    expect(compareVersions('1.9', '1.10')).toBeLessThan(0);
    expect(splitVersion('/v1.41/containers/json')).toEqual({ version: '1.41', path: '/containers/json' });
    expect(splitVersion('/_ping')).toEqual({ version: undefined, path: '/_ping' });
    expect(negotiate(undefined)).toBe('1.47');
    expect(() => negotiate('2.0')).toThrow(/too new/);
  });

  it('writes CRLF-terminated JSON messages and in-stream errors', () => {
    const out = new PassThrough();
    const w = new JsonMessageWriter(out);
    expect(w.started).toBe(false);
    w.status('Downloading', 'abc');
    w.error('boom');
    expect(out.read().toString()).toBe('{"status":"Downloading","id":"abc"}\r\n{"errorDetail":{"message":"boom"},"error":"boom"}\r\n');
    expect(w.started).toBe(true);
  });
});
