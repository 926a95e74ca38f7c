import { describe, expect, it } from 'vitest';
import { contactKeyOf, isSampledIn, isTimeZone, nextSendTime, parseIsoDuration } from '../../../functions/domain/policies.js';

const QUIET = { start: '21:00', end: '08:00' };

describe('contacts', () => {
  it('are the same person whatever the case or spacing of the address', () => {
    expect(contactKeyOf(' Ana@Example.COM ')).toBe(contactKeyOf('ana@example.com'));
    expect(contactKeyOf('ana@example.com')).not.toBe(contactKeyOf('ana@example.org'));
    expect(contactKeyOf('ana@example.com')).not.toContain('ana');
  });
});

describe('sampling', () => {
  it('keeps about the configured share, the same contacts every time', () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => contactKeyOf(`p${i}@example.com`));
    const inAt = (rate: number) => keys.filter((k) => isSampledIn('program', k, rate));
    const tenth = inAt(0.1);
    expect(tenth.length).toBeGreaterThan(900);
    expect(tenth.length).toBeLessThan(1100);
    expect(inAt(0.1)).toEqual(tenth);
    // A larger sample contains the smaller one: raising the rate never drops anyone.
    const half = new Set(inAt(0.5));
    expect(tenth.every((k) => half.has(k))).toBe(true);
    expect(inAt(1)).toHaveLength(10_000);
  });

  it('samples programs independently', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => contactKeyOf(`p${i}@example.com`));
    const a = keys.filter((k) => isSampledIn('a', k, 0.5));
    const b = new Set(keys.filter((k) => isSampledIn('b', k, 0.5)));
    const both = a.filter((k) => b.has(k)).length;
    expect(both).toBeGreaterThan(400);
    expect(both).toBeLessThan(600);
  });
});

describe('ISO 8601 durations', () => {
  it.each([
    ['PT0S', 0],
    ['P2D', 172_800],
    ['PT36H', 129_600],
    ['P1DT12H30M', 131_400],
    ['P1W', 604_800],
    ['PT90S', 90],
  ])('%s is %d s', (text, seconds) => {
    expect(parseIsoDuration(text)).toBe(seconds);
  });

  it.each(['P', 'PT', '2D', 'P1M', 'P1Y', 'P1.5D', 'P1DT', 'p2d'])('refuses %s', (text) => {
    expect(parseIsoDuration(text)).toBeUndefined();
  });
});

describe('quiet hours', () => {
  it('leaves a daytime send alone', () => {
    const at = new Date('2026-11-22T10:00:00Z'); // 11:00 in Zagreb
    expect(nextSendTime(at, 'Europe/Zagreb', QUIET)).toEqual(at);
  });

  it.each([
    ['just after start', '2026-11-22T20:00:00Z', 'Europe/Zagreb', '2026-11-23T07:00:00.000Z'],
    ['after midnight', '2026-11-22T23:30:00Z', 'Europe/Zagreb', '2026-11-23T07:00:00.000Z'],
    ['in Bangkok (UTC+7)', '2026-11-22T15:00:00Z', 'Asia/Bangkok', '2026-11-23T01:00:00.000Z'],
    ['in Tehran (UTC+3:30)', '2026-11-22T20:00:00Z', 'Asia/Tehran', '2026-11-23T04:30:00.000Z'],
    ['across the spring DST change', '2026-03-28T22:00:00Z', 'Europe/Tallinn', '2026-03-29T05:00:00.000Z'],
  ])('moves a night send to 08:00 local (%s)', (_, at, zone, expected) => {
    expect(nextSendTime(new Date(at), zone, QUIET).toISOString()).toBe(expected);
  });

  it('handles a window that does not wrap midnight', () => {
    const lunch = { start: '12:00', end: '13:00' };
    expect(nextSendTime(new Date('2026-11-22T12:30:00Z'), 'UTC', lunch).toISOString()).toBe('2026-11-22T13:00:00.000Z');
  });

  it('ignores quiet hours without a time zone', () => {
    const at = new Date('2026-11-22T02:00:00Z');
    expect(nextSendTime(at, undefined, QUIET)).toBe(at);
  });

  it('knows real time zones', () => {
    expect(isTimeZone('Europe/Tallinn')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('quiet hours across the autumn DST change', () => {
  it('lands on 08:00 local when the clocks go back during the night', () => {
    // 25 Oct 2026: Tallinn goes from UTC+3 to UTC+2 at 04:00 local.
    expect(nextSendTime(new Date('2026-10-24T21:00:00Z'), 'Europe/Tallinn', QUIET).toISOString()).toBe('2026-10-25T06:00:00.000Z');
  });
});
