import { benchBurst } from './burst.js';
const b = await benchBurst(Number(process.argv[2] ?? 5000), 50, 300_000, { profile: true });
const { profile, ...rest } = b;
console.log(JSON.stringify(rest));
console.log(profile?.verdict, JSON.stringify(profile?.slow), JSON.stringify(profile?.steady), profile?.slowWindows, '/', profile?.windows);
console.log(
  profile?.where
    .filter((w) => w.share >= 0.01)
    .map((w) => `${w.part} ${(100 * w.share).toFixed(0)} %`)
    .join(', '),
);
console.log(Array.from(b.perSecond, (n) => n ?? 0).join(' '));
