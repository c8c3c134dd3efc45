import { describe, expect, it } from 'vitest';
import { layerViolation } from '../../src/checks/system/layer-violation.js';
import { addedFile, changedFile, lineOf, src } from '../changeset/git-diff.js';
import { hitsIfApplies } from './harness.js';

const hitsOn = hitsIfApplies(layerViolation);

const ORDER_TABLE = src`
  import { formatMoney } from '@/lib/format';
  import { prisma } from '@/lib/prisma';
  import { StatusBadge } from './StatusBadge';

  interface Props {
    customerId: string;
  }

  export async function OrderTable({ customerId }: Props) {
    const orders = await prisma.order.findMany({ where: { customerId }, take: 50 });
    return (
      <table className="orders">
        <tbody>
          {orders.map((o) => (
            <tr key={o.id}>
              <td>{o.reference}</td>
              <td>{formatMoney(o.totalMinor, o.currency)}</td>
              <td><StatusBadge status={o.status} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
`;

describe('layer-violation fires', () => {
  it('on a React component importing the Prisma client', () => {
    const hits = hitsOn(addedFile('src/components/orders/OrderTable.tsx', ORDER_TABLE));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(ORDER_TABLE, "from '@/lib/prisma'"));
    expect(hits[0]?.title).toBe('UI code imports the database layer (`@/lib/prisma`)');
    expect(hits[0]?.message).toContain('`src/components/orders/OrderTable.tsx` is UI code');
  });

  it('on domain code importing SQLAlchemy and FastAPI', () => {
    const text = src`
      from dataclasses import dataclass, field
      from decimal import Decimal

      from fastapi import HTTPException
      from sqlalchemy.orm import Session

      from billing.domain.money import Money


      @dataclass
      class Invoice:
          id: str
          customer_id: str
          lines: list[Money] = field(default_factory=list)

          def total(self) -> Money:
              return sum(self.lines, Money(Decimal(0), "EUR"))

          def issue(self, session: Session) -> None:
              if not self.lines:
                  raise HTTPException(status_code=422, detail="empty invoice")
              session.add(self)
    `;
    const hits = hitsOn(addedFile('billing/domain/invoice.py', text));
    expect(hits.map((h) => h.title)).toEqual([
      'domain code imports a web framework (`fastapi`)',
      'domain code imports the database layer (`sqlalchemy.orm`)',
    ]);
    expect(hits[1]?.remedy).toContain('repository or port');
  });

  it("on a Next.js client component ('use client') importing pg", () => {
    const text = src`
      'use client';

      import { useEffect, useState } from 'react';
      import { Pool } from 'pg';

      const pool = new Pool();

      export default function Stats() {
        const [count, setCount] = useState(0);
        useEffect(() => {
          pool.query('select count(*) from signups').then((r) => setCount(Number(r.rows[0].count)));
        }, []);
        return <p>{count} signups</p>;
      }
    `;
    const hits = hitsOn(addedFile('app/dashboard/stats.tsx', text));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.title).toContain('`pg`');
  });

  it('on Go domain code importing gin', () => {
    const text = src`
      package domain

      import (
      	"errors"

      	"github.com/gin-gonic/gin"
      )

      var ErrNotFound = errors.New("not found")

      type Order struct {
      	ID     string
      	Status string
      }

      func (o *Order) Bind(c *gin.Context) error {
      	return c.ShouldBindJSON(o)
      }
    `;
    const hits = hitsOn(addedFile('internal/domain/order.go', text));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(text, 'gin-gonic'));
  });

  it("on a Next.js server component reading another service's database pool", () => {
    const text = src`
      import { pool } from '../../../../services/billing/db/pool';
      import { formatMoney } from '../../../lib/format';

      export default async function InvoiceTable({ accountId }: { accountId: string }) {
        const { rows } = await pool.query('SELECT id, total_cents, currency FROM invoices WHERE account_id = $1 LIMIT 50', [accountId]);
        return <ul>{rows.map((r) => <li key={r.id}>{formatMoney(r.total_cents, r.currency)}</li>)}</ul>;
      }
    `;
    const hits = hitsOn(addedFile('web/app/account/[accountId]/InvoiceTable.tsx', text));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(1);
    expect(hits[0]?.title).toBe(
      'UI code (a server component) imports the database layer of `services/billing` (`../../../../services/billing/db/pool`)',
    );
    expect(hits[0]?.remedy).toContain("owning service's API");
  });

  it('once per boundary when domain code imports the ORM and the infrastructure db module together', () => {
    const text = src`
      from dataclasses import dataclass

      from sqlalchemy import func, select

      from shop.infrastructure.db import SessionLocal
      from shop.infrastructure.models import OrderRecord


      def order_count(customer_id: str) -> int:
          with SessionLocal() as session:
              return session.execute(select(func.count()).select_from(OrderRecord)).scalar_one()
    `;
    const hits = hitsOn(addedFile('shop/domain/pricing.py', text));
    expect(hits).toHaveLength(1);
    expect(hits[0]?.line).toBe(lineOf(text, 'from sqlalchemy'));
    expect(hits[0]?.title).toBe('domain code imports the database layer (`sqlalchemy`, `shop.infrastructure.db`)');
  });
});

describe('layer-violation stays quiet', () => {
  it('on the fix: the component gets its data from the API layer', () => {
    const after = ORDER_TABLE.replace("import { prisma } from '@/lib/prisma';\n", "import { listOrders } from '@/api/orders';\n").replace(
      'await prisma.order.findMany({ where: { customerId }, take: 50 })',
      'await listOrders(customerId)',
    );
    expect(hitsOn(changedFile({ path: 'src/components/orders/OrderTable.tsx', before: ORDER_TABLE, after }))).toEqual([]);
  });

  it('on type-only imports and on the service layer using the database', () => {
    const component = src`
      import type { Order } from '@prisma/client';
      import { type Customer } from '@/db/schema';

      export function OrderRow({ order, customer }: { order: Order; customer: Customer }) {
        return <tr><td>{order.reference}</td><td>{customer.name}</td></tr>;
      }
    `;
    const service = src`
      import { prisma } from '@/lib/prisma';

      export async function listOrders(customerId: string) {
        return prisma.order.findMany({ where: { customerId }, take: 50, orderBy: { createdAt: 'desc' } });
      }
    `;
    expect(hitsOn(addedFile('src/components/OrderRow.tsx', component))).toEqual([]);
    expect(hitsOn(addedFile('src/services/orders.ts', service))).toEqual([]);
  });


  it("on a server component importing its own app's db module or a shared package, and a server action", () => {
    const own = src`
      import { pool } from '../../../lib/db/pool';
      import { db } from '../../../../../packages/db';

      export default async function Invoices() {
        const { rows } = await pool.query('SELECT id FROM invoices LIMIT 20');
        return <ul>{rows.map((r) => <li key={r.id}>{r.id}</li>)}</ul>;
      }
    `;
    const action = src`
      'use server';
      import { pool } from '../../../services/billing/db/pool';

      export async function voidInvoice(id: string) {
        await pool.query('UPDATE invoices SET status = $2 WHERE id = $1', [id, 'void']);
      }
    `;
    expect(hitsOn(addedFile('apps/web/app/account/[id]/Invoices.tsx', own))).toEqual([]);
    expect(hitsOn(addedFile('services/billing/app/invoices/page.tsx', own.replace('../../../lib/db/pool', '../../db/pool')))).toEqual([]);
    expect(hitsOn(addedFile('web/app/account/actions.ts', action))).toEqual([]);
  });

  it("on a Next.js or Expo app importing its own services/ folder, and a Pages Router page loading data in getServerSideProps", () => {
    const page = src`
      import { notFound } from 'next/navigation';
      import { getOrder } from '../../../services/orders/repository';

      export default async function OrderPage({ params }: { params: { id: string } }) {
        const order = await getOrder(params.id);
        if (!order) notFound();
        return <h1>Order {order.reference}</h1>;
      }
    `;
    const pagesRouter = src`
      import type { GetServerSideProps } from 'next';
      import { listInvoices, type Invoice } from '../../services/billing/db/invoices';

      export const getServerSideProps: GetServerSideProps<{ invoices: Invoice[] }> = async ({ params }) => ({
        props: { invoices: await listInvoices(String(params?.account)) },
      });

      export default function AccountPage({ invoices }: { invoices: Invoice[] }) {
        return <ul>{invoices.map((i) => <li key={i.id}>{i.number}</li>)}</ul>;
      }
    `;
    const expo = src`
      import { FlatList, Text } from 'react-native';
      import { useOrders } from '../../services/orders/repository';

      export default function OrdersTab() {
        const orders = useOrders();
        return <FlatList data={orders} renderItem={({ item }) => <Text>{item.reference}</Text>} />;
      }
    `;
    expect(hitsOn(addedFile('src/app/orders/[id]/page.tsx', page))).toEqual([]);
    expect(hitsOn(addedFile('web/pages/accounts/[account].tsx', pagesRouter))).toEqual([]);
    expect(hitsOn(addedFile('app/(tabs)/orders.tsx', expo))).toEqual([]);
    expect(hitsOn(addedFile('mobile/app/(tabs)/orders.tsx', expo))).toEqual([]);
  });

  it('on a Next.js server component and a TypeORM entity', () => {
    const page = src`
      import { prisma } from '@/lib/prisma';

      export default async function OrdersPage() {
        const orders = await prisma.order.findMany({ take: 20 });
        return <ul>{orders.map((o) => <li key={o.id}>{o.reference}</li>)}</ul>;
      }
    `;
    const entity = src`
      import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

      @Entity('orders')
      export class Order {
        @PrimaryGeneratedColumn('uuid')
        id!: string;

        @Column()
        reference!: string;
      }
    `;
    expect(hitsOn(addedFile('app/orders/page.tsx', page))).toEqual([]);
    expect(hitsOn(addedFile('src/orders/entities/order.entity.ts', entity))).toEqual([]);
  });

  it("on a look-alike: domain code importing its own repository port, and ORM types under TYPE_CHECKING", () => {
    const text = src`
      from __future__ import annotations

      from typing import TYPE_CHECKING

      from billing.domain.repositories import InvoiceRepository
      from .money import Money

      if TYPE_CHECKING:
          from sqlalchemy.orm import Session


      class InvoiceService:
          def __init__(self, invoices: InvoiceRepository) -> None:
              self._invoices = invoices

          def total_for(self, customer_id: str) -> Money:
              return sum((i.total() for i in self._invoices.for_customer(customer_id)), Money.zero("EUR"))
    `;
    expect(hitsOn(addedFile('billing/domain/services.py', text))).toEqual([]);
  });
});
