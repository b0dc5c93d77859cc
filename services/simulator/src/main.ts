import { hostname } from 'node:os';
import { CancelTrips, NewDirectionWire, Topics, completeDirection } from '@fleetlab/contracts';
import { createKafka, deadLetter, ensureTopics, fleetlabTopics, onShutdown, startOpsServer, StartUp, ValidatingConsumer } from '@fleetlab/runtime';
import { createLogger, createRegistry, KafkaMetrics } from '@fleetlab/telemetry';
import { loadConfig } from './config';
import { CachingDefaultPartitioner } from './partitioner';
import { DirectionIntake } from './direction-intake';
import { DirectionOffsets } from './direction-offsets';
import { SimulatorMetrics } from './metrics';
import { PositionPublisher } from './position-publisher';
import { RouteClient } from './route-client';
import { TripPlayer } from './trip-player';

const DIRECTIONS_GROUP = 'simulator';
// Per instance and never reused, so every instance reads every cancel from the moment it starts.
const CONTROL_GROUP = `simulator-control-${hostname()}-${process.pid}`;
/** How often the directions whose trips are done are committed. */
const COMMIT_INTERVAL_MS = 1_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('simulator', { level: config.LOG_LEVEL });
  const registry = createRegistry('simulator');
  const kafkaMetrics = new KafkaMetrics(registry);

  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'simulator', logger });
  // kafkajs' v2 default partitioner, each trip's partition remembered (./partitioner.ts).
  const producer = kafka.producer({ createPartitioner: CachingDefaultPartitioner, allowAutoTopicCreation: false });
  let producerConnected = false;
  producer.on(producer.events.CONNECT, () => (producerConnected = true));
  producer.on(producer.events.DISCONNECT, () => (producerConnected = false));

  const routes = new RouteClient({
    baseUrl: config.API_URL,
    maxEntries: config.ROUTE_CACHE_MAX,
    timeoutMs: config.ROUTE_FETCH_TIMEOUT_MS,
    onFetch: (outcome) => metrics.routeFetches.inc({ outcome }),
  });
  // A direction is committed once its trip is played out, cancelled or handed on, so a crash replays the trips it
  // was playing (./direction-offsets.ts).
  const offsets = new DirectionOffsets();
  const publisher = new PositionPublisher({
    producer,
    topic: Topics.newPosition,
    maxBatchMessages: config.MAX_BATCH_MESSAGES,
    logger,
    onSend: (count) => metrics.sendBatchSize.observe(count),
    onAcked: (count) => {
      metrics.positionsPublished.inc(count);
      kafkaMetrics.produced.inc({ topic: Topics.newPosition }, count);
    },
    onPlayedOut: (tripIds) => {
      for (const id of tripIds) offsets.settle(id);
    },
  });
  // The gauges read the player and the player writes the metrics: the closures run only at scrape time.
  const metrics: SimulatorMetrics = new SimulatorMetrics(registry, {
    activeTrips: (): number => player.activeTrips,
    pendingPositions: () => publisher.pending,
    routeCacheSize: () => routes.size,
  });
  const player: TripPlayer = new TripPlayer({
    publisher,
    producer,
    defaultPaceMs: config.PACE_MS,
    speedFactor: config.SPEED_FACTOR,
    tickMs: config.TICK_MS,
    maxBatchMessages: config.MAX_BATCH_MESSAGES,
    maxPendingMessages: config.MAX_PENDING_MESSAGES,
    metrics,
    kafkaMetrics,
    logger,
    onEnded: (tripIds) => {
      for (const id of tripIds) offsets.settle(id);
    },
  });

  const intake = new DirectionIntake({
    routes,
    player,
    metrics,
    logger,
    started: (partition, offset, tripId) => offsets.track(partition, offset, tripId),
    deadLetter: (rejected) =>
      deadLetter(
        producer,
        { topic: Topics.newDirection, groupId: DIRECTIONS_GROUP, metrics: kafkaMetrics, logger },
        rejected.map(({ message, reason }) => ({
          key: message.key,
          value: message.raw,
          headers: message.headers,
          partition: message.partition,
          offset: message.offset,
          reason,
        })),
      ),
  });
  const directions = new ValidatingConsumer({
    kafka,
    groupId: DIRECTIONS_GROUP,
    topic: Topics.newDirection,
    // The original two-field form is valid too: what it lacks is derived from the record (contracts, completeDirection).
    schema: NewDirectionWire,
    dlqProducer: producer,
    logger,
    metrics: kafkaMetrics,
    commit: 'owner',
    handled: (partition, lastOffset) => offsets.handled(partition, lastOffset),
    handleBatch: (messages) => intake.handle(messages.map((m) => ({ ...m, value: completeDirection(m.value, m) }))),
  });
  const cancels = new ValidatingConsumer({
    kafka,
    groupId: CONTROL_GROUP,
    topic: Topics.cancel,
    schema: CancelTrips,
    fromBeginning: false,
    dlqProducer: producer,
    logger,
    metrics: kafkaMetrics,
    handleBatch: async (messages) => {
      const stopped = messages.reduce((sum, m) => sum + player.cancel(m.value), 0);
      if (stopped > 0) logger.info({ cancels: messages.length, trips: stopped }, 'trips cancelled');
    },
  });

  const startUp = new StartUp(logger);
  const ops = await startOpsServer({
    host: config.HOST,
    port: config.PORT,
    registry,
    liveness: {
      check: () => [directions.livenessProblem(), cancels.livenessProblem()].filter((p): p is string => p !== undefined),
    },
    readiness: {
      check: () => {
        const notReady: string[] = [];
        const pending = startUp.pending();
        if (pending) notReady.push(`starting: waiting for ${pending}`);
        if (!producerConnected) notReady.push('kafka producer');
        if (!directions.isJoined()) notReady.push(`consumer ${DIRECTIONS_GROUP}`);
        if (!cancels.isJoined()) notReady.push(`consumer ${CONTROL_GROUP}`);
        return notReady;
      },
    },
  });

  let committing: Promise<void> = Promise.resolve();
  const commitDone = (): Promise<void> =>
    (committing = committing.then(async () => {
      const done = offsets.committable();
      if (done.length === 0) return;
      await directions.commit(done).then(
        () => offsets.committed(done),
        // Kafka away or a rebalance under way: the next attempt commits the same offsets (or later ones).
        (error: Error) => logger.debug({ err: error }, 'committing played directions failed; retried in a second'),
      );
    }));
  const commitTimer = setInterval(() => void commitDone(), COMMIT_INTERVAL_MS);

  onShutdown(logger, [
    async () => startUp.stop(),
    // Stop intake first: no trip may start after the hand-off. The directions consumer only pauses, so that it can
    // still commit the directions of the trips handed on.
    async () => {
      directions.pause();
      await cancels.stop();
    },
    () => player.handOff(),
    async () => {
      clearInterval(commitTimer);
      await commitDone();
    },
    () => directions.stop(),
    () => producer.disconnect(),
    () => ops.close(),
  ]);

  const started = await startUp.run([
    { name: 'kafka topics', run: () => ensureTopics(kafka, fleetlabTopics(config)) },
    { name: 'kafka producer', run: () => producer.connect() },
    // Cancels first, so a cancel produced while directions are being read is not missed.
    { name: `consumer ${CONTROL_GROUP}`, run: () => cancels.start() },
    {
      name: `consumer ${DIRECTIONS_GROUP}`,
      run: async () => {
        player.run();
        await directions.start();
      },
    },
  ]);
  if (!started) return;
  logger.info(
    {
      port: ops.port,
      apiUrl: config.API_URL,
      paceMs: config.PACE_MS,
      speedFactor: config.SPEED_FACTOR,
      tickMs: config.TICK_MS,
      controlGroup: CONTROL_GROUP,
    },
    'simulator started',
  );
}

main().catch((error: unknown) => {
  // The logger may not exist yet (config failed in an unexpected way); stderr always does.
  process.stderr.write(`simulator: failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
