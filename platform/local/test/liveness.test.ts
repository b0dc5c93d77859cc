// Liveness is true: a service whose Kafka consumer crashed for good answers /healthz 503, so a supervisor restarts it.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { AssignerProtocol, PartitionAssigners, type Consumer, type PartitionAssigner } from 'kafkajs';
import { controlService } from '../src/testing';
import { allReady, kafka, lab, waitFor } from './helpers';

/**
 * kafkajs' round-robin assigner under another protocol name: a member that offers only this one shares no
 * assignment protocol with fleetlab's consumers, so the broker refuses them (INCONSISTENT_GROUP_PROTOCOL) while it
 * holds the group — what a second deployment with another assignor, joined under the same group id, does.
 */
const foreignAssigner: PartitionAssigner = (config) => {
  const base = PartitionAssigners.roundRobin(config);
  const name = 'FleetlabForeignAssigner';
  return {
    ...base,
    name,
    protocol: ({ topics }) => ({ name, metadata: AssignerProtocol.MemberMetadata.encode({ version: base.version, topics, userData: Buffer.alloc(0) }) }),
  };
};

let foreign: Consumer | undefined;
afterAll(async () => {
  await foreign?.disconnect();
});

describe('liveness', () => {
  it('the consumer service stops reporting itself live when its Kafka consumer crashes for good, and starts cleanly again', async () => {
    const { consumerUrl, controlUrl } = lab();
    expect((await fetch(`${consumerUrl}/healthz`)).status).toBe(200);

    // Empty the group, then hold it with a member the service's consumer cannot share it with.
    await controlService(controlUrl, 'consumer', 'stop');
    const topic = `fleetlab-liveness-${randomUUID()}`;
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    foreign = kafka().consumer({ groupId: 'consumer', partitionAssigners: [foreignAssigner] });
    await foreign.connect();
    await foreign.subscribe({ topic });
    const joined = new Promise<void>((resolve) => foreign!.on(foreign!.events.GROUP_JOIN, () => resolve()));
    await foreign.run({ autoCommit: false, eachMessage: async () => undefined });
    await joined;

    // The lab waits for readiness, which cannot come: don't wait for the answer.
    const starting = controlService(controlUrl, 'consumer', 'start').catch((error: Error) => error);
    const health = await waitFor('the consumer to answer /healthz 503', async () => {
      const response = await fetch(`${consumerUrl}/healthz`).catch(() => undefined);
      return response?.status === 503 ? ((await response.json()) as { status: string; problems: string[] }) : undefined;
    });
    expect(health.status).toBe('not live');
    expect(health.problems.join('\n')).toMatch(/consumer consumer on route\.new-position crashed and will not restart: .*protocol/i);
    // Readiness says the same from its side.
    expect((await fetch(`${consumerUrl}/readyz`)).status).toBe(503);

    // What a supervisor does: the group is free again, the process is restarted and becomes live and ready.
    await foreign.disconnect();
    foreign = undefined;
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
    await controlService(controlUrl, 'consumer', 'stop');
    await starting;
    await controlService(controlUrl, 'consumer', 'start');
    expect((await fetch(`${consumerUrl}/healthz`)).status).toBe(200);
    expect(await allReady()).toEqual({ api: 200, simulator: 200, consumer: 200 });
  }, 180_000);
});
