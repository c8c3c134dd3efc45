import { describe, expect, it } from 'vitest';
import { vendorSdkSpread } from '../../src/checks/system/vendor-sdk-spread.js';
import { lineOf, src } from '../changeset/git-diff.js';
import { hitsOnChanges } from './harness.js';

const hitsOn = hitsOnChanges(vendorSdkSpread);

const ROUTER = src`
  import boto3
  from fastapi import APIRouter, UploadFile

  router = APIRouter()
  s3 = boto3.client("s3")


  @router.post("/avatars")
  async def upload_avatar(file: UploadFile):
      s3.upload_fileobj(file.file, "avatars-prod", file.filename)
      return {"key": file.filename}
`;
const TASKS = src`
  import json

  import boto3

  sqs = boto3.client("sqs")
  QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/emails"


  def enqueue_welcome_email(user_id: str) -> None:
      sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps({"user_id": user_id, "template": "welcome"}))
`;
const REPORTS = src`
  import csv
  import io

  from botocore.exceptions import ClientError
  import boto3

  s3 = boto3.resource("s3")


  def publish_report(rows: list[dict], key: str) -> bool:
      buf = io.StringIO()
      csv.DictWriter(buf, fieldnames=list(rows[0])).writerows(rows)
      try:
          s3.Object("reports-prod", key).put(Body=buf.getvalue().encode())
      except ClientError:
          return False
      return True
`;

const SHOP_ADMIN = src`
  import stripe

  from shop.orders.models import Order


  def partial_refund(order: Order, cents: int) -> str:
      return stripe.Refund.create(payment_intent=order.payment_intent_id, amount=cents).id
`;
const SHOP_DISPUTES = src`
  import stripe

  from shop.orders.repository import OrderRepository


  def handle_dispute(dispute_id: str, repo: OrderRepository) -> None:
      dispute = stripe.Dispute.retrieve(dispute_id)
      repo.mark_disputed(stripe.Charge.retrieve(dispute.charge).payment_intent)
`;
const SHOP_RECONCILE = src`
  import stripe

  from shop.finance.ledger import Ledger


  def reconcile(ledger: Ledger) -> None:
      for payout in stripe.Payout.list(limit=100).auto_paging_iter():
          ledger.record_payout(payout.id, payout.amount)
`;

describe('vendor-sdk-spread fires', () => {
  it('on boto3 newly imported in three modules of different packages, once per file at its import', () => {
    const hits = hitsOn([
      { path: 'app/routers/avatars.py', after: ROUTER },
      { path: 'app/tasks/emails.py', after: TASKS },
      { path: 'app/reports/publish.py', after: REPORTS },
    ]);
    expect(hits).toHaveLength(3);
    expect(hits.map((h) => h.title)).toEqual(Array(3).fill('AWS SDK imported directly in 3 modules'));
    const publish = hits.find((h) => h.message.includes('directly in `app/reports/publish.py`'));
    expect(publish?.line).toBe(lineOf(REPORTS, 'from botocore'));
    expect(publish?.message).toContain('also in `app/routers/avatars.py`, `app/tasks/emails.py`. With');
  });

  it("on Stripe in two modules of the project's own top package (`shop/orders`, `shop/finance`)", () => {
    const hits = hitsOn([
      { path: 'shop/orders/admin.py', after: SHOP_ADMIN },
      { path: 'shop/orders/disputes.py', after: SHOP_DISPUTES },
      { path: 'shop/finance/reconcile.py', after: SHOP_RECONCILE },
    ]);
    expect(hits).toHaveLength(3);
    // Three files, two modules: the title counts modules, the message names both.
    expect(hits.every((h) => h.title === 'Stripe SDK imported directly in 2 modules' && h.line === 1)).toBe(true);
    expect(hits[0]?.message).toContain('3 files in 2 modules (`shop/finance`, `shop/orders`)');
  });

  it('on the OpenAI SDK in three feature modules of a `features/` folder', () => {
    const feature = (name: string) => src`
      import OpenAI from 'openai';

      const openai = new OpenAI({ timeout: 20_000 });

      export async function ${name}(text: string): Promise<string> {
        const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] });
        return completion.choices[0]?.message.content ?? '';
      }
    `;
    const hits = hitsOn([
      { path: 'src/features/summary.ts', after: feature('summarise') },
      { path: 'src/features/classify.ts', after: feature('classify') },
      { path: 'src/features/replyDraft.ts', after: feature('draftReply') },
    ]);
    expect(hits).toHaveLength(3);
    expect(hits.map((h) => h.line)).toEqual([1, 1, 1]);
  });

  it('on the OpenAI SDK added to existing TS modules', () => {
    const service = (name: string) => src`
      import { db } from '../db';

      export async function ${name}(id: string) {
        const row = await db.get(id);
        return row;
      }
    `;
    const withOpenAI = (name: string) =>
      service(name).replace("import { db } from '../db';\n", "import OpenAI from 'openai';\nimport { db } from '../db';\n\nconst openai = new OpenAI();\n");
    const hits = hitsOn([
      { path: 'src/tickets/summarise.ts', before: service('summarise'), after: withOpenAI('summarise') },
      { path: 'src/search/embed.ts', before: service('embed'), after: withOpenAI('embed') },
      { path: 'src/moderation/check.ts', before: service('check'), after: withOpenAI('check') },
    ]);
    expect(hits).toHaveLength(3);
    expect(hits[0]?.title).toBe('OpenAI SDK imported directly in 3 modules');
  });
});

describe('vendor-sdk-spread stays quiet', () => {
  it('on the fix: the SDK moved behind one adapter module, the callers use its interface', () => {
    const adapter = src`
      import boto3

      _s3 = boto3.client("s3")
      _sqs = boto3.client("sqs")


      class AwsBlobStore:
          def put(self, bucket: str, key: str, body: bytes) -> None:
              _s3.put_object(Bucket=bucket, Key=key, Body=body)


      class AwsQueue:
          def send(self, url: str, body: str) -> None:
              _sqs.send_message(QueueUrl=url, MessageBody=body)
    `;
    expect(hitsOn([
      { path: 'app/adapters/aws.py', after: adapter },
      { path: 'app/routers/avatars.py', before: ROUTER, after: ROUTER.replace('import boto3\n', 'from app.ports import BlobStore\n') },
      { path: 'app/tasks/emails.py', before: TASKS, after: TASKS.replace('import boto3\n', 'from app.ports import Queue\n') },
      { path: 'app/reports/publish.py', before: REPORTS, after: REPORTS.replace('import boto3\n', 'from app.ports import BlobStore\n') },
    ])).toEqual([]);
  });

  it('when the files are all in one module folder, or only two modules use it', () => {
    expect(hitsOn([
      { path: 'src/payments/charge.py', after: 'import stripe\n\n\ndef charge(amount: int) -> str:\n    return stripe.PaymentIntent.create(amount=amount, currency="eur").id\n' },
      { path: 'src/payments/refund.py', after: 'import stripe\n\n\ndef refund(pi: str) -> None:\n    stripe.Refund.create(payment_intent=pi)\n' },
      { path: 'src/payments/webhooks/events.py', after: 'import stripe\n\n\ndef parse(payload: bytes, sig: str, secret: str):\n    return stripe.Webhook.construct_event(payload, sig, secret)\n' },
    ])).toEqual([]);
    expect(hitsOn([
      { path: 'app/routers/avatars.py', after: ROUTER },
      { path: 'app/tasks/emails.py', after: TASKS },
    ])).toEqual([]);
  });

  it("when the files are all in one module of the project's top package, or of one feature folder", () => {
    expect(hitsOn([
      { path: 'shop/payments/refunds.py', after: SHOP_ADMIN },
      { path: 'shop/payments/disputes.py', after: SHOP_DISPUTES },
      { path: 'shop/payments/payouts.py', after: SHOP_RECONCILE },
    ])).toEqual([]);
    const payment = (name: string) => `import Stripe from 'stripe';\n\nconst stripe = new Stripe(process.env.STRIPE_KEY ?? '');\n\nexport const ${name} = (id: string) => stripe.refunds.create({ payment_intent: id });\n`;
    expect(hitsOn([
      { path: 'src/features/billing/refund.ts', after: payment('refund') },
      { path: 'src/features/billing/dispute.ts', after: payment('dispute') },
      { path: 'src/features/billing/webhooks/events.ts', after: payment('onEvent') },
    ])).toEqual([]);
  });

  it("when only one file of the package names the top package (`from shop.payments…`), the others import relatively", () => {
    const relative = (text: string) => text.replace(/from shop\.\w+\.(\w+) import/, 'from .$1 import');
    expect(hitsOn([
      { path: 'shop/payments/views.py', after: SHOP_ADMIN.replace('shop.orders.models', 'shop.payments.models') },
      { path: 'shop/payments/tasks.py', after: relative(SHOP_DISPUTES) },
      { path: 'shop/payments/webhooks.py', after: relative(SHOP_RECONCILE) },
    ])).toEqual([]);
  });

  it('on files of a Python `features/` package (feature engineering), which is one module', () => {
    const query = (name: string, table: string) => src`
      import pandas as pd
      from google.cloud import bigquery

      client = bigquery.Client()


      def ${name}() -> pd.DataFrame:
          return client.query("SELECT * FROM analytics.${table}").to_dataframe()
    `;
    expect(hitsOn([
      { path: 'src/features/build_features.py', after: query('build_features', 'events') },
      { path: 'src/features/user_features.py', after: query('user_features', 'users') },
      { path: 'src/features/item_features.py', after: query('item_features', 'items') },
    ])).toEqual([]);
  });

  it('when modules already imported the SDK and the change only reorders imports', () => {
    const reordered = (text: string) => text.replace('import boto3\nfrom fastapi import APIRouter, UploadFile\n', 'from fastapi import APIRouter, UploadFile\nimport boto3\n');
    const moved = (text: string) => text.replace('import json\n\nimport boto3\n', 'import boto3\nimport json\n');
    expect(hitsOn([
      { path: 'app/routers/avatars.py', before: ROUTER, after: reordered(ROUTER) },
      { path: 'app/tasks/emails.py', before: TASKS, after: moved(TASKS) },
      { path: 'app/reports/publish.py', before: REPORTS, after: REPORTS.replace('def publish_report', 'def publish_csv_report') },
      { path: 'tests/test_avatars.py', after: 'import boto3\nfrom moto import mock_aws\n' },
    ])).toEqual([]);
  });
});
