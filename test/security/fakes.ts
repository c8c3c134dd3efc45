/**
 * Made-up credentials with the shape of real ones, built at run time: no token-shaped literal is in
 * the source, so nothing here can be mistaken for a leak (or blocked by push protection).
 */
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';

/** Deterministic random-looking characters of an alphabet, with upper case, lower case and digits when the alphabet has them. */
export function fakeChars(length: number, seed: number, alphabet: string = BASE62): string {
  for (let attempt = seed; ; attempt += 7919) {
    let x = attempt >>> 0 || 1;
    let out = '';
    for (let i = 0; i < length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      out += alphabet[(x >>> 16) % alphabet.length];
    }
    const varied = [/[a-z]/, /[A-Z]/, /\d/].every((re) => !re.test(alphabet) || re.test(out));
    if (varied) return out;
  }
}

const join = (...parts: string[]): string => parts.join('');
const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export const FAKE = {
  awsKeyId: join('AK', 'IA', fakeChars(16, 11, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')),
  awsSecret: join(fakeChars(20, 12), '/', fakeChars(19, 13)),
  github: join('gh', 'p_', fakeChars(36, 14)),
  githubApp: join('gh', 's_', fakeChars(36, 15)),
  githubFineGrained: join('github', '_pat_', fakeChars(22, 16), '_', fakeChars(59, 17)),
  anthropic: join('sk-', 'ant-', 'api03-', fakeChars(80, 18), '-', fakeChars(6, 19), 'AA'),
  openai: join('sk-', 'proj-', fakeChars(48, 20), '_', fakeChars(24, 21)),
  slack: join('xo', 'xb-', fakeChars(12, 22, '0123456789'), '-', fakeChars(13, 23, '0123456789'), '-', fakeChars(24, 24)),
  slackWebhook: join('https://hooks.', 'slack.com/services/', 'T', fakeChars(8, 25, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), '/B', fakeChars(10, 26, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), '/', fakeChars(24, 27)),
  stripe: join('sk', '_live_', fakeChars(99, 28)),
  stripeRestricted: join('rk', '_live_', fakeChars(99, 29)),
  google: join('AI', 'za', 'Sy', fakeChars(33, 30)),
  twilio: join('S', 'K', fakeChars(32, 31, HEX)),
  sendgrid: join('S', 'G.', fakeChars(22, 32), '.', fakeChars(43, 33)),
  npm: join('np', 'm_', fakeChars(36, 34)),
  jwt: join(b64url({ alg: 'HS256', typ: 'JWT' }), '.', b64url({ sub: 'usr_8841', org: 'acme', scope: 'billing:write', exp: 1767225600 }), '.', fakeChars(43, 35)),
  password: join('Tq7!', fakeChars(8, 36), '#9p'),
  pemBody: Array.from({ length: 5 }, (_, i) => fakeChars(64, 40 + i)).join('\n'),
};

/** A PEM private key block around the fake body. */
export function fakePem(type = 'RSA PRIVATE KEY', newline = '\n'): string {
  return [`-----BEGIN ${type}-----`, ...FAKE.pemBody.split('\n'), `-----END ${type}-----`].join(newline);
}
