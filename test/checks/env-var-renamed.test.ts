import { describe, expect, it } from 'vitest';
import { envVarRenamed } from '../../src/checks/system/env-var-renamed.js';
import { lineOf, src } from '../changeset/git-diff.js';
import { hitsOnChanges } from './harness.js';

const hitsOn = hitsOnChanges(envVarRenamed);

const SETTINGS_PY = src`
  import os
  from dataclasses import dataclass


  @dataclass(frozen=True)
  class Settings:
      database_url: str
      redis_host: str
      request_timeout_s: float
      feature_new_checkout: bool


  def load_settings() -> Settings:
      return Settings(
          database_url=os.getenv("DB_URL", "postgresql://localhost:5432/shop"),
          redis_host=os.environ["REDIS_HOST"],
          request_timeout_s=float(os.getenv("REQUEST_TIMEOUT_S", "5")),
          feature_new_checkout=os.getenv("FEATURE_NEW_CHECKOUT", "false") == "true",
      )
`;

describe('env-var-renamed fires', () => {
  it('on os.getenv("DB_URL") renamed to DATABASE_URL', () => {
    const after = SETTINGS_PY.replace('os.getenv("DB_URL",', 'os.getenv("DATABASE_URL",');
    const hits = hitsOn([{ path: 'shop/settings.py', before: SETTINGS_PY, after }]);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.title).toBe('Environment variable `DB_URL` renamed to `DATABASE_URL` with no fallback');
    expect(hits[0]?.line).toBe(lineOf(after, 'DATABASE_URL'));
    expect(hits[0]?.message).toContain('silently runs with the default');
    expect(hits[0]?.remedy).toContain('`os.getenv("DATABASE_URL") or os.getenv("DB_URL")`');
  });

  it('on os.environ["REDIS_HOST"] renamed, saying it fails at start-up', () => {
    const after = SETTINGS_PY.replace('os.environ["REDIS_HOST"]', 'os.environ["CACHE_REDIS_HOST"]');
    const hits = hitsOn([{ path: 'shop/settings.py', before: SETTINGS_PY, after }]);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.message).toContain("`KeyError: 'CACHE_REDIS_HOST'`");
  });

  it('on two process.env reads renamed in one TS config object, pairing each by its key', () => {
    const before = src`
      import { z } from 'zod';

      const Config = z.object({
        stripeKey: z.string().min(1),
        webhookSecret: z.string().min(1),
        port: z.coerce.number().default(3000),
      });

      export const config = Config.parse({
        stripeKey: process.env.STRIPE_KEY,
        webhookSecret: process.env.STRIPE_WEBHOOK,
        port: process.env.PORT,
      });
    `;
    const after = before
      .replace('process.env.STRIPE_KEY,', 'process.env.STRIPE_SECRET_KEY,')
      .replace('process.env.STRIPE_WEBHOOK,', 'process.env.STRIPE_WEBHOOK_SECRET,');
    const hits = hitsOn([{ path: 'src/config.ts', before, after }]);
    expect(hits.map((h) => h.title)).toEqual([
      'Environment variable `STRIPE_KEY` renamed to `STRIPE_SECRET_KEY` with no fallback',
      'Environment variable `STRIPE_WEBHOOK` renamed to `STRIPE_WEBHOOK_SECRET` with no fallback',
    ]);
    expect(hits[0]?.remedy).toContain('`process.env.STRIPE_SECRET_KEY ?? process.env.STRIPE_KEY`');
  });
});

describe('env-var-renamed stays quiet', () => {
  it('on the fix: the new name first, the old one as a fallback', () => {
    const after = SETTINGS_PY.replace(
      'database_url=os.getenv("DB_URL", "postgresql://localhost:5432/shop"),',
      'database_url=os.getenv("DATABASE_URL") or os.getenv("DB_URL", "postgresql://localhost:5432/shop"),',
    );
    expect(hitsOn([{ path: 'shop/settings.py', before: SETTINGS_PY, after }])).toEqual([]);
  });

  it('when a variable is dropped with no replacement and another is added elsewhere', () => {
    const swapped = SETTINGS_PY.replace('feature_new_checkout=os.getenv("FEATURE_NEW_CHECKOUT", "false") == "true"', 'gift_cards=os.getenv("ENABLE_GIFT_CARDS", "false") == "true"');
    expect(hitsOn([{ path: 'shop/settings.py', before: SETTINGS_PY, after: swapped }])).toEqual([]); // names share no word: not a rename
    const after = SETTINGS_PY.replace('    feature_new_checkout: bool\n', '')
      .replace('        feature_new_checkout=os.getenv("FEATURE_NEW_CHECKOUT", "false") == "true",\n', '')
      .replace('import os\n', 'import os\n\nSENTRY_DSN = os.getenv("SENTRY_DSN")\n');
    expect(hitsOn([{ path: 'shop/settings.py', before: SETTINGS_PY, after }])).toEqual([]);
  });

  it('when only the default changes, or Go keeps the old name through LookupEnv', () => {
    const before = src`
      package config

      import "os"

      func ListenAddr() string {
      	if v := os.Getenv("LISTEN_ADDR"); v != "" {
      		return v
      	}
      	return ":8080"
      }
    `;
    const after = src`
      package config

      import "os"

      func ListenAddr() string {
      	if v, ok := os.LookupEnv("HTTP_ADDR"); ok {
      		return v
      	}
      	if v := os.Getenv("LISTEN_ADDR"); v != "" {
      		return v
      	}
      	return ":8080"
      }
    `;
    const timeout = SETTINGS_PY.replace('os.getenv("REQUEST_TIMEOUT_S", "5")', 'os.getenv("REQUEST_TIMEOUT_S", "10")');
    expect(hitsOn([
      { path: 'internal/config/addr.go', before, after },
      { path: 'shop/settings.py', before: SETTINGS_PY, after: timeout },
    ])).toEqual([]);
  });

  it('when another file of the change still reads the old name', () => {
    const after = SETTINGS_PY.replace('os.getenv("DB_URL",', 'os.getenv("DATABASE_URL",');
    const compat = src`
      import os
      import warnings


      def warn_legacy_env() -> None:
          if "DB_URL" in os.environ and "DATABASE_URL" not in os.environ:
              warnings.warn("DB_URL is deprecated, set DATABASE_URL", DeprecationWarning)
              os.environ["DATABASE_URL"] = os.environ["DB_URL"]
    `;
    expect(hitsOn([
      { path: 'shop/settings.py', before: SETTINGS_PY, after },
      { path: 'shop/compat.py', after: compat },
    ])).toEqual([]);
  });
});
