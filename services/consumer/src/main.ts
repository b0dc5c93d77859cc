// Wiring only: config, telemetry, MongoDB, Kafka, ops endpoints and shutdown around the position store.
import { Partitioners } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { StorablePosition, Topics } from '@fleetlab/contracts';
import {
  MONGO_CONNECT_TIMEOUT_MS,
  MongoMonitorWatch,
  StartUp,
  ValidatingConsumer,
  createKafka,
  ensureTopics,
  fleetlabTopics,
  onShutdown,
  startOpsServer,
} from '@fleetlab/runtime';
import { createLogger, createRegistry } from '@fleetlab/telemetry';
import { KAFKA_GROUP_ID, loadConfig } from './config';
import { ConsumerMetrics } from './metrics';
import { createBatchHandler } from './persist-batch';
import { TripHistoryStore } from './trip-history-store';

const PING_TIMEOUT_MS = 2_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('consumer', { level: config.LOG_LEVEL });
  const registry = createRegistry('consumer');
  const metrics = new ConsumerMetrics(registry);

  const mongo = new MongoClient(config.MONGO_URL, {
    serverSelectionTimeoutMS: 10_000,
    // Bounds a heartbeat too, which the monitor watch counts on (packages/runtime/src/mongo-monitor.ts).
    connectTimeoutMS: MONGO_CONNECT_TIMEOUT_MS,
    appName: 'consumer',
  });
  const store = new TripHistoryStore(mongo.db(config.MONGO_DATABASE), {
    logger,
    progressIntervalMs: config.CONSUMER_PROGRESS_INTERVAL_MS,
    onWrite: (collection, seconds) => metrics.observeWrite(collection, seconds),
  });

  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: KAFKA_GROUP_ID, logger });
  // Dead letters keep the original key; the default (Java-compatible) partitioner also silences kafkajs' warning.
  const dlqProducer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = new ValidatingConsumer({
    kafka,
    groupId: KAFKA_GROUP_ID,
    topic: Topics.newPosition,
    // An original Code Delivery position (no trip, no seq) is dead-lettered with the reason why (docs/architecture.md).
    schema: StorablePosition,
    dlqProducer,
    logger,
    metrics: metrics.kafka,
    fromBeginning: true,
    partitionsConsumedConcurrently: config.CONSUMER_CONCURRENCY,
    handleBatch: createBatchHandler({ store, metrics, logger }),
  });

  const startUp = new StartUp(logger);
  // Up first, so probes see a live process (and an unready one) while the dependencies come up.
  const ops = await startOpsServer({
    host: config.HOST,
    port: config.PORT,
    registry,
    liveness: { check: () => [consumer.livenessProblem()].filter((p): p is string => p !== undefined) },
    readiness: {
      check: async () => {
        const notReady: string[] = [];
        const pending = startUp.pending();
        if (pending) notReady.push(`starting: waiting for ${pending}`);
        else if (!consumer.isRunning()) notReady.push('kafka consumer not running');
        else if (!consumer.isJoined()) notReady.push('kafka consumer not in its group');
        const ping = await store.ping(PING_TIMEOUT_MS).then(
          () => undefined,
          (error: Error) => error.message,
        );
        if (ping !== undefined) notReady.push(`mongodb: ${ping}`);
        return notReady;
      },
    },
  });
  logger.info({ host: config.HOST, port: ops.port }, 'ops server listening');

  const giveUp = onShutdown(logger, [
    async () => startUp.stop(),
    () => consumer.stop(), // the batch in flight finishes and commits first
    () => store.flush(), // then the trips' deferred progress
    () => mongo.close(),
    () => dlqProducer.disconnect(),
    () => ops.close(),
  ]);
  // A client whose server monitor is wedged never finds the database again: stop, to be started afresh.
  new MongoMonitorWatch(mongo).start(giveUp);

  const started = await startUp.run([
    { name: 'mongodb', run: () => mongo.connect() },
    { name: 'mongodb indexes', run: () => store.ensureIndexes() },
    { name: 'kafka topics', run: () => ensureTopics(kafka, fleetlabTopics(config)) },
    { name: 'kafka producer', run: () => dlqProducer.connect() },
    { name: 'kafka consumer', run: () => consumer.start() },
  ]);
  if (!started) return;
  logger.info(
    { topic: Topics.newPosition, group: KAFKA_GROUP_ID, concurrency: config.CONSUMER_CONCURRENCY, database: config.MONGO_DATABASE },
    'consuming',
  );
}

main().catch((error: unknown) => {
  // The logger may not exist yet; this line is the last thing the process says.
  createLogger('consumer').fatal({ err: error }, 'consumer failed to start');
  process.exit(1);
});
