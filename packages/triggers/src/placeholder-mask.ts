import { maskEmail } from "@cognito-passcode/shared";

// What Create shows in place of a masked address for an identifier that is
// not an address (a UUID typed as USERNAME). It must look like a real mask,
// `c***@d***.tld`, drawn from roughly the distribution real masks follow:
// a placeholder outside it (a TLD no placeholder uses, a digit where a
// placeholder never has one) would tell a real user's sub from a non-user.
//
// The weights are rough shares in consumer and business address lists, not a
// measurement; what matters is that the common shapes are all covered:
// - first character of a local part: letters, weighted like the initials of
//   given names (j, m, s, a, c, d lead; q, u, x, y, z are rare), and digits
//   10 in 212 of the weight, about 4.7 in 100 (numeric mailboxes such as QQ's);
// - first character of a domain: dominated by the big providers (gmail,
//   hotmail, outlook, yahoo, icloud, aol, gmx, web, orange, libero), with
//   company domains spread over every letter, and a few digits (163.com);
// - the last label: .com for about half (the providers above), then national
//   providers and companies under country codes, and .net, .org, .edu, .io.
// With signUp.allowedEmailDomains set, the domain is one of those instead
// (real users who get a code can have no other), masked as maskEmail does.

/** `[value, weight]` pairs, in a fixed order. */
type Weights = readonly (readonly [string, number])[];

const weights = (spec: string): Weights =>
  spec.split(" ").map((pair) => {
    const [value, weight] = pair.split(":");
    return [value!, Number(weight)] as const;
  });

const LOCAL_FIRST = weights(
  "a:16 b:10 c:12 d:12 e:8 f:6 g:6 h:6 i:4 j:16 k:10 l:8 m:18 n:6 o:2 p:8 q:2 r:10 s:16 t:10 " +
    "u:2 v:4 w:4 x:2 y:2 z:2 0:1 1:1 2:1 3:1 4:1 5:1 6:1 7:1 8:1 9:1",
);
const DOMAIN_FIRST = weights(
  "a:5 b:2 c:3 d:2 e:2 f:2 g:20 h:10 i:5 j:1 k:1 l:3 m:5 n:2 o:8 p:2 q:1 r:2 s:4 t:3 u:1 v:2 w:3 x:1 y:8 z:1 " +
    "1:1",
);
const TLD = weights(
  "com:50 net:5 org:4 de:5 uk:4 fr:3 it:2 br:2 ru:2 ca:2 au:2 nl:2 es:2 jp:1 in:1 pl:1 be:1 ch:1 " +
    "se:1 at:1 mx:1 edu:2 io:1",
);

/** The value `weights` gives to `draw`, a uniform 32-bit number. */
function pick(table: Weights, draw: number): string {
  let total = 0;
  for (const [, weight] of table) total += weight;
  // Scaling a 32-bit draw to the total (at most a few hundred) biases no entry measurably.
  let point = Math.floor((draw / 2 ** 32) * total);
  for (const [value, weight] of table) {
    if (point < weight) return value;
    point -= weight;
  }
  return table[0]![0];
}

/**
 * The masked-email placeholder for an identifier that is not an address:
 * `c***@d***.tld`, each part drawn with the weights above from an
 * HMAC-SHA256 of the identifier keyed by `secret` (the `codeSecret`). So it
 * looks like a real mask, and one identifier gets the same placeholder on
 * every Lambda instance and every day, as a real user's sub always shows the
 * same mask; without the key no one can predict it.
 *
 * With `allowedDomains` (`signUp.allowedEmailDomains`, normalised), every
 * real user who gets a code has an address on one of them, so the domain is
 * drawn (by the same HMAC, uniformly, from the sorted list) from those and
 * the placeholder is `maskEmail(<c>@<allowed domain>)`: with `acme.com`
 * alone, always `?***@a***.com`, as every real user's mask. Without it, a
 * placeholder from the general distribution would differ from every real
 * mask almost always, and one request would tell a non-user apart.
 */
export function placeholderMasker(
  secret: string,
  allowedDomains?: ReadonlySet<string>,
): (identifier: string) => string {
  const domains =
    allowedDomains && allowedDomains.size > 0 ? [...allowedDomains].sort() : undefined;
  return (identifier) => {
    const crypto = process.getBuiltinModule("node:crypto");
    const h = crypto.createHmac("sha256", secret).update(`placeholder:${identifier}`).digest();
    const local = pick(LOCAL_FIRST, h.readUInt32BE(0));
    if (domains) {
      const domain = domains[Math.floor((h.readUInt32BE(4) / 2 ** 32) * domains.length)]!;
      return maskEmail(`${local}@${domain}`);
    }
    const domain = pick(DOMAIN_FIRST, h.readUInt32BE(4));
    return `${local}***@${domain}***.${pick(TLD, h.readUInt32BE(8))}`;
  };
}
