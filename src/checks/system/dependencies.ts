/** Packages and images that bring a new datastore, queue, cache, search index or external service into the system. */

export interface ServiceDependency {
  /** What the reviewer calls it: "Redis". */
  service: string;
  /** What role it plays: "cache / datastore". */
  role: string;
}

const dep = (service: string, role: string): ServiceDependency => ({ service, role });
const POSTGRES = dep('PostgreSQL', 'relational datastore');
const MYSQL = dep('MySQL', 'relational datastore');
const MONGO = dep('MongoDB', 'document datastore');
const REDIS = dep('Redis', 'cache / datastore');
const KAFKA = dep('Kafka', 'event stream');
const RABBIT = dep('RabbitMQ', 'message queue');
const ELASTIC = dep('Elasticsearch', 'search index');
const OPENSEARCH = dep('OpenSearch', 'search index');
const CASSANDRA = dep('Cassandra', 'wide-column datastore');
const NEO4J = dep('Neo4j', 'graph datastore');
const PINECONE = dep('Pinecone', 'hosted vector database (SaaS)');
const QDRANT = dep('Qdrant', 'vector database');
const DYNAMO = dep('DynamoDB', 'managed datastore (AWS)');
const OPENAI = dep('OpenAI API', 'external LLM service');
const ANTHROPIC = dep('Anthropic API', 'external LLM service');
const STRIPE = dep('Stripe', 'payments service (SaaS)');

export const PYTHON_PACKAGES: Record<string, ServiceDependency> = {
  'psycopg2': POSTGRES, 'psycopg2-binary': POSTGRES, 'psycopg': POSTGRES, 'asyncpg': POSTGRES,
  'pymysql': MYSQL, 'mysqlclient': MYSQL, 'mysql-connector-python': MYSQL, 'aiomysql': MYSQL,
  'pymongo': MONGO, 'motor': MONGO,
  'redis': REDIS, 'aioredis': REDIS,
  'kafka-python': KAFKA, 'confluent-kafka': KAFKA, 'aiokafka': KAFKA,
  'pika': RABBIT, 'aio-pika': RABBIT, 'celery': dep('Celery', 'task queue (needs a broker)'),
  'elasticsearch': ELASTIC, 'opensearch-py': OPENSEARCH,
  'cassandra-driver': CASSANDRA, 'neo4j': NEO4J,
  'pinecone-client': PINECONE, 'pinecone': PINECONE, 'qdrant-client': QDRANT,
  'weaviate-client': dep('Weaviate', 'vector database'), 'chromadb': dep('Chroma', 'vector database'),
  'pymilvus': dep('Milvus', 'vector database'),
  'clickhouse-driver': dep('ClickHouse', 'analytical datastore'), 'clickhouse-connect': dep('ClickHouse', 'analytical datastore'),
  'snowflake-connector-python': dep('Snowflake', 'data warehouse (SaaS)'),
  'google-cloud-bigquery': dep('BigQuery', 'data warehouse (GCP)'), 'google-cloud-pubsub': dep('Pub/Sub', 'message queue (GCP)'),
  'google-cloud-firestore': dep('Firestore', 'managed datastore (GCP)'),
  'feast': dep('Feast', 'feature store'),
  'openai': OPENAI, 'anthropic': ANTHROPIC, 'cohere': dep('Cohere API', 'external LLM service'),
  'stripe': STRIPE, 'twilio': dep('Twilio', 'messaging service (SaaS)'), 'sendgrid': dep('SendGrid', 'email service (SaaS)'),
};

export const NPM_PACKAGES: Record<string, ServiceDependency> = {
  'pg': POSTGRES, 'postgres': POSTGRES, 'mysql': MYSQL, 'mysql2': MYSQL,
  'mongodb': MONGO, 'mongoose': MONGO, 'redis': REDIS, 'ioredis': REDIS,
  'kafkajs': KAFKA, 'amqplib': RABBIT, 'bullmq': dep('BullMQ', 'job queue on Redis'), 'bull': dep('Bull', 'job queue on Redis'),
  '@elastic/elasticsearch': ELASTIC, '@opensearch-project/opensearch': OPENSEARCH,
  'cassandra-driver': CASSANDRA, 'neo4j-driver': NEO4J,
  '@pinecone-database/pinecone': PINECONE, '@qdrant/js-client-rest': QDRANT,
  '@aws-sdk/client-dynamodb': DYNAMO, '@aws-sdk/client-sqs': dep('SQS', 'message queue (AWS)'),
  '@aws-sdk/client-kinesis': dep('Kinesis', 'event stream (AWS)'), '@aws-sdk/client-sns': dep('SNS', 'pub/sub (AWS)'),
  '@google-cloud/pubsub': dep('Pub/Sub', 'message queue (GCP)'), '@google-cloud/bigquery': dep('BigQuery', 'data warehouse (GCP)'),
  '@google-cloud/firestore': dep('Firestore', 'managed datastore (GCP)'),
  'openai': OPENAI, '@anthropic-ai/sdk': ANTHROPIC, 'stripe': STRIPE, 'twilio': dep('Twilio', 'messaging service (SaaS)'),
  '@sendgrid/mail': dep('SendGrid', 'email service (SaaS)'),
};

export const GO_MODULES: Record<string, ServiceDependency> = {
  'github.com/jackc/pgx': POSTGRES, 'github.com/lib/pq': POSTGRES, 'github.com/go-sql-driver/mysql': MYSQL,
  'go.mongodb.org/mongo-driver': MONGO, 'github.com/redis/go-redis': REDIS, 'github.com/go-redis/redis': REDIS,
  'github.com/segmentio/kafka-go': KAFKA, 'github.com/IBM/sarama': KAFKA, 'github.com/Shopify/sarama': KAFKA,
  'github.com/rabbitmq/amqp091-go': RABBIT, 'github.com/elastic/go-elasticsearch': ELASTIC,
  'github.com/gocql/gocql': CASSANDRA, 'github.com/aws/aws-sdk-go-v2/service/dynamodb': DYNAMO,
  'github.com/nats-io/nats.go': dep('NATS', 'message bus'),
};

/** Container images (the name without registry prefix or tag) that run a stateful service. */
export const IMAGES: Record<string, ServiceDependency> = {
  postgres: POSTGRES, 'postgis/postgis': POSTGRES, mysql: MYSQL, mariadb: dep('MariaDB', 'relational datastore'),
  mongo: MONGO, redis: REDIS, 'redis/redis-stack': REDIS, memcached: dep('Memcached', 'cache'),
  'confluentinc/cp-kafka': KAFKA, 'bitnami/kafka': KAFKA, 'apache/kafka': KAFKA, rabbitmq: RABBIT,
  'elasticsearch': ELASTIC, 'docker.elastic.co/elasticsearch/elasticsearch': ELASTIC, 'opensearchproject/opensearch': OPENSEARCH,
  cassandra: CASSANDRA, neo4j: NEO4J, 'qdrant/qdrant': QDRANT, 'milvusdb/milvus': dep('Milvus', 'vector database'),
  'minio/minio': dep('MinIO', 'object store'), nats: dep('NATS', 'message bus'),
  'clickhouse/clickhouse-server': dep('ClickHouse', 'analytical datastore'),
};
