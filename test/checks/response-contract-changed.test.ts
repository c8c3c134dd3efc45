import { describe, expect, it } from 'vitest';
import { responseContractChanged } from '../../src/checks/system/response-contract-changed.js';
import { changedFile, lineOf, src } from '../changeset/git-diff.js';
import { hitsOf, onlyHitOf } from './harness.js';

const hitsOn = hitsOf(responseContractChanged);
const onlyHit = onlyHitOf(hitsOn);

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
