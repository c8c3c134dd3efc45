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

describe('vendor-sdk-spread fires', () => {
  it('on boto3 newly imported in three modules of different packages, once', () => {
    const hits = hitsOn([
      { path: 'app/routers/avatars.py', after: ROUTER },
      { path: 'app/tasks/emails.py', after: TASKS },
      { path: 'app/reports/publish.py', after: REPORTS },
    ]);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.title).toBe('AWS SDK imported directly in 3 modules');
    expect(hits[0]?.line).toBe(lineOf(REPORTS, 'from botocore'));
    expect(hits[0]?.message).toContain('`app/reports/publish.py`');
    expect(hits[0]?.message).toContain('`app/routers/avatars.py`, `app/tasks/emails.py`');
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
    expect(hits).toHaveLength(1);
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
