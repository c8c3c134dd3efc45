import { describe, expect, it } from 'vitest';
import { responseContractChanged } from '../../src/checks/system/response-contract-changed.js';
import { changedFile, lineOf, src } from '../changeset/git-diff.js';
import { checkOf, hitsOf, onlyHitOf } from './harness.js';

const hitsOn = hitsOf(responseContractChanged);
const onlyHit = onlyHitOf(hitsOn);
const checked = checkOf(responseContractChanged);

const USER_SCHEMAS = src`
  from datetime import datetime
  from typing import Optional

  from pydantic import BaseModel, ConfigDict, EmailStr, Field


  class UserBase(BaseModel):
      email: EmailStr
      full_name: Optional[str] = None
      is_active: bool = True


  class UserCreate(UserBase):
      password: str = Field(min_length=12)


  class UserOut(UserBase):
      model_config = ConfigDict(from_attributes=True)

      id: int
      created_at: datetime
      plan: str = "free"
`;

const USERS_ROUTE = src`
  import { Router } from 'express';
  import { requireAuth } from '../middleware/auth';
  import { users } from '../services/users';

  export const usersRouter = Router();

  usersRouter.get('/api/users/:id', requireAuth, async (req, res, next) => {
    try {
      const user = await users.find(req.params.id);
      if (!user) {
        res.status(404).json({ error: 'not_found' });
        return;
      }
      res.json({
        id: user.id,
        name: user.displayName,
        email: user.email,
        created: user.createdAt.toISOString(),
      });
    } catch (err) {
      next(err);
    }
  });
`;

describe('response-contract-changed fires', () => {
  it('on a Pydantic response id changed from int to UUID', () => {
    const after = USER_SCHEMAS.replace('from datetime import datetime\n', 'from datetime import datetime\nfrom uuid import UUID\n').replace('    id: int\n', '    id: UUID\n');
    const hit = onlyHit(changedFile({ path: 'app/schemas/user.py', before: USER_SCHEMAS, after }));
    expect(hit.title).toBe('Breaking change to API schema `UserOut`');
    expect(hit.message).toContain('`id` changes type from `int` to `UUID` (integer → string in JSON)');
    expect(hit.line).toBe(lineOf(after, '    id: UUID'));
  });

  it('on a Pydantic field renamed, suggesting the new name', () => {
    const after = USER_SCHEMAS.replace('    plan: str = "free"\n', '    subscription_plan: str = "free"\n');
    const hit = onlyHit(changedFile({ path: 'app/schemas/user.py', before: USER_SCHEMAS, after }));
    expect(hit.message).toContain('`plan` is removed (renamed to `subscription_plan`?)');
  });

  it('on an exported TS response type losing a field and retyping another', () => {
    const before = src`
      export type Currency = 'EUR' | 'USD' | 'GBP';

      export interface InvoiceLine {
        sku: string;
        quantity: number;
        unitPrice: number;
      }

      export interface InvoiceResponse {
        id: string;
        customerId: string;
        currency: Currency;
        total: number;
        taxTotal: number;
        lines: InvoiceLine[];
        issuedAt: string;
      }
    `;
    const after = before.replace('  total: number;\n  taxTotal: number;\n', '  total: string;\n');
    const hit = onlyHit(changedFile({ path: 'src/api/invoices.ts', before, after }));
    expect(hit.title).toBe('Breaking change to API type `InvoiceResponse`');
    expect(hit.message).toContain('`total` changes type from `number` to `string` (number → string in JSON)');
    expect(hit.message).toContain('`taxTotal` is removed');
  });

  it("on fields renamed in an Express route's res.json literal, the route above the hunk", () => {
    const after = USERS_ROUTE.replace('      id: user.id,\n      name: user.displayName,', '      userId: user.id,\n      displayName: user.displayName,').replace(
      'created: user.createdAt',
      'createdAt: user.createdAt',
    );
    const hit = onlyHit(changedFile({ path: 'src/routes/users.ts', before: USERS_ROUTE, after }));
    expect(hit.line).toBe(lineOf(after, 'userId: user.id'));
    expect(hit.title).toBe('Breaking change to the response of `GET /api/users/:id`: fields renamed');
    expect(hit.message).toContain('renames `id` → `userId`, `name` → `displayName`, `created` → `createdAt` in place');
  });

  it('on a protobuf field renumbered', () => {
    const before = src`
      syntax = "proto3";

      package payments.v1;

      message Charge {
        string id = 1;
        int64 amount_minor = 2;
        string currency = 3;
        string customer_id = 4;
      }
    `;
    const after = before.replace('  string currency = 3;\n  string customer_id = 4;\n', '  string customer_id = 3;\n  string currency = 4;\n');
    const hit = onlyHit(changedFile({ path: 'proto/payments/v1/charge.proto', before, after }));
    expect(hit.title).toBe('Breaking change to API message `Charge`');
    expect(hit.message).toContain('`currency` is renumbered from `3` to `4`');
    expect(hit.remedy).toContain('reserved');
  });
  it('in api/models.py once the whole file shows Pydantic (asked for through wantsContent)', () => {
    const before = USER_SCHEMAS;
    const after = USER_SCHEMAS.replace('    plan: str = "free"\n', '    plan: list[str] = []\n');
    const file = changedFile({ path: 'app/api/models.py', before, after });
    expect(responseContractChanged.wantsContent?.(file)).toBe(true);
    expect(hitsOn(file)).toEqual([]); // the hunk alone cannot tell a Pydantic model from a dataclass
    const hit = onlyHit({ ...file, content: after });
    expect(hit.message).toContain('`plan` changes type from `str` to `list[str]` (string → array in JSON)');
  });
});

describe('response-contract-changed stays quiet', () => {
  it('when optional fields are only added', () => {
    const after = USER_SCHEMAS.replace('    plan: str = "free"\n', '    plan: str = "free"\n    avatar_url: Optional[str] = None\n    last_login_at: Optional[datetime] = None\n');
    expect(hitsOn(changedFile({ path: 'app/schemas/user.py', before: USER_SCHEMAS, after }))).toEqual([]);
  });

  it('on the fix: the old field kept (deprecated) beside the new one, and a V2 schema beside the old', () => {
    const after = USER_SCHEMAS.replace('from datetime import datetime\n', 'from datetime import datetime\nfrom uuid import UUID\n')
      .replace('    plan: str = "free"\n', '    plan: str = Field("free", deprecated=True)\n    subscription_plan: str = "free"\n')
      .concat('\n\nclass UserOutV2(UserBase):\n    id: UUID\n    created_at: datetime\n    subscription_plan: str = "free"\n');
    expect(hitsOn(changedFile({ path: 'app/schemas/user.py', before: USER_SCHEMAS, after }))).toEqual([]);
  });

  it('when a field becomes nullable or its attribute is renamed behind the same alias', () => {
    const after = USER_SCHEMAS.replace('    created_at: datetime\n', '    created_at: datetime | None = None\n').replace(
      '    plan: str = "free"\n',
      '    plan_code: str = Field("free", alias="plan")\n',
    );
    expect(hitsOn(changedFile({ path: 'app/schemas/user.py', before: USER_SCHEMAS, after }))).toEqual([]);
  });

  it('on a response literal that adds a field beside the old, drops a field, or changes a value, and outside handlers', () => {
    const added = USERS_ROUTE.replace('      id: user.id,', '      id: user.id,\n      userId: user.id,');
    const dropped = USERS_ROUTE.replace('      email: user.email,\n', '');
    const revalued = USERS_ROUTE.replace('name: user.displayName,', 'name: user.fullName,');
    for (const after of [added, dropped, revalued]) expect(checked(changedFile({ path: 'src/routes/users.ts', before: USERS_ROUTE, after }))).toEqual([]);
    const mapper = src`
      export function toRow(user: User) {
        return {
          id: user.id,
          name: user.displayName,
        };
      }
    `;
    const renamed = mapper.replace('id: user.id', 'userId: user.id');
    expect(checked(changedFile({ path: 'src/reports/rows.ts', before: mapper, after: renamed }))).toEqual([]);
    // A top-level helper in the hunk, below a route that git's hunk header names: the route is not where the literal is.
    const helper = src`
      app.get('/health', (req, res) => {
        res.json({ ok: true });
      });

      // The status document the load balancer and the
      // deploy tooling read: see docs/status.md for what
      // each field means and who reads it.

      export function writeStatus(res: Response) {
        res.json({
          version: process.env.VERSION,
          region: process.env.REGION,
        });
      }
    `;
    const helperAfter = helper.replace('version: process', 'appVersion: process');
    expect(checked(changedFile({ path: 'src/status.ts', before: helper, after: helperAfter }))).toEqual([]);
  });

  it('on a look-alike: a SQLAlchemy table in models/ changing a column', () => {
    const before = src`
      from datetime import datetime

      from sqlalchemy import String
      from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


      class Base(DeclarativeBase):
          pass


      class Order(Base):
          __tablename__ = "orders"

          id: Mapped[int] = mapped_column(primary_key=True)
          reference: Mapped[str] = mapped_column(String(32), unique=True)
          created_at: Mapped[datetime]
    `;
    const after = before.replace('    reference: Mapped[str] = mapped_column(String(32), unique=True)\n', '    ref: Mapped[str] = mapped_column(String(64), unique=True)\n');
    expect(hitsOn(changedFile({ path: 'app/models/order.py', before, after }))).toEqual([]);
  });

  it('on a look-alike: UI component props in types/', () => {
    const before = src`
      import type { ReactNode } from 'react';

      export interface ButtonProps {
        variant: 'primary' | 'secondary';
        size: number;
        icon?: ReactNode;
        onClick: () => void;
      }
    `;
    const after = before.replace("  size: number;\n", "  size: 'sm' | 'md' | 'lg';\n").replace('  icon?: ReactNode;\n', '');
    expect(hitsOn(changedFile({ path: 'src/types/button.ts', before, after }))).toEqual([]);
  });

  it('when a protobuf field is deprecated and a new field gets a new number', () => {
    const before = src`
      syntax = "proto3";

      message Charge {
        string id = 1;
        int64 amount = 2;
      }
    `;
    const after = src`
      syntax = "proto3";

      message Charge {
        string id = 1;
        int64 amount = 2 [deprecated = true];
        int64 amount_minor = 3;
      }
    `;
    expect(hitsOn(changedFile({ path: 'proto/charge.proto', before, after }))).toEqual([]);
  });
});
